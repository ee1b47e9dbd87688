/**
 * Phone numbers as people type them into spreadsheets ("+44 7700 900000", "0044 (7700) 900-000",
 * "whatsapp:+447700900000", "447700900000@s.whatsapp.net") normalised to E.164, which is what
 * SendApi requires. A number cannot be guessed without its country code, so a national number
 * (leading single 0) is refused with advice rather than sent to the wrong country.
 */
export type PhoneParse = { ok: true; e164: string } | { ok: false; reason: string };

const E164_DIGITS = /^[1-9]\d{6,14}$/;

/** What to do about a number that is refused: every phone error says it, whoever refused it. */
export { PHONE_FIX } from '../transport/phoneAdvice';

export function normalisePhone(raw: unknown): PhoneParse {
	if (typeof raw === 'number' && Number.isSafeInteger(raw)) raw = String(raw);
	if (typeof raw !== 'string' || raw.trim() === '') {
		return { ok: false, reason: 'is empty' };
	}
	const text = raw
		.trim()
		.replace(/^whatsapp:/i, '')
		.replace(/@(s\.whatsapp\.net|c\.us)$/i, '');
	if (/[a-z]/i.test(text.replace(/\s*(ext\.?|x)\s*\d+$/i, ''))) {
		return { ok: false, reason: `"${raw}" contains letters` };
	}
	if (/[^\d\s()+\-./]/.test(text)) {
		return {
			ok: false,
			reason: `"${raw}" contains characters that are not part of a phone number`,
		};
	}
	const hasPlus = text.startsWith('+') || text.startsWith('(+');
	let digits = text.replace(/\D/g, '');
	if (!hasPlus && digits.startsWith('00')) digits = digits.slice(2);
	else if (!hasPlus && digits.startsWith('0')) {
		return {
			ok: false,
			reason: `"${raw}" is a national number: add the country code, e.g. +44 7700 900000`,
		};
	}
	if (!E164_DIGITS.test(digits)) {
		return {
			ok: false,
			reason: `"${raw}" is not a valid international number (7 to 15 digits with the country code)`,
		};
	}
	return { ok: true, e164: `+${digits}` };
}

/** Several numbers from one field: a list, or a string separated by commas, semicolons or new lines. */
export function splitPhoneList(value: unknown): unknown[] {
	if (Array.isArray(value)) return value;
	if (typeof value === 'number') return [value];
	if (typeof value !== 'string') return [];
	return value
		.split(/[,;\n]/)
		.map((part) => part.trim())
		.filter((part) => part !== '');
}
