/** Contact messages: a whole vCard as given, or one the node writes from a name and a phone. */
import { normalisePhone, PHONE_FIX } from '../helpers/phone';
import type { MessageContent } from '../transport/wire/messageBodies';
import type { MessageInput } from './input';
import { FIELD_LABELS, MessageInputError } from './inputError';
import { requireString } from './values';

export function validateContact(input: Extract<MessageInput, { type: 'contact' }>): MessageContent {
	if (input.format === 'vcard') {
		const vcard = typeof input.vcard === 'string' ? input.vcard.trim() : '';
		if (!/^BEGIN:VCARD\b/i.test(vcard) || !/\bEND:VCARD$/i.test(vcard)) {
			throw new MessageInputError(
				FIELD_LABELS.vcard,
				vcard === '' ? 'is empty' : 'is not a vCard',
				'Paste a whole vCard, from BEGIN:VCARD to END:VCARD, or choose Contact Details instead.',
				'vcard',
			);
		}
		return { type: 'contact', vcard };
	}
	const name = requireString(input.name, FIELD_LABELS.contactName, 'name');
	const phone = normalisePhone(input.phone);
	if (!phone.ok) {
		throw new MessageInputError(FIELD_LABELS.contactPhone, phone.reason, PHONE_FIX, 'phone');
	}
	return { type: 'contact', vcard: buildVCard(name, phone.e164), name, phone: phone.e164 };
}

/** A vCard 3.0 for one contact; `waid` lets WhatsApp offer "Message" on the shared card. */
export function buildVCard(name: string, e164: string): string {
	const escaped = escapeVCard(name);
	return [
		'BEGIN:VCARD',
		'VERSION:3.0',
		`N:${escaped};;;;`,
		`FN:${escaped}`,
		`TEL;type=CELL;type=VOICE;waid=${e164.slice(1)}:${e164}`,
		'END:VCARD',
	].join('\r\n');
}

function escapeVCard(text: string): string {
	return text
		.replace(/\\/g, '\\\\')
		.replace(/\r?\n/g, '\\n')
		.replace(/([,;])/g, '\\$1');
}
