/**
 * What to do about a refused phone number. Every phone error says it, whoever refused the
 * number: SendApi (`invalid_phone`, see errors.ts) or the node's own check (helpers/phone.ts).
 */
export const PHONE_FIX =
	'Use the full international number in E.164 format, with the country code, e.g. +447700900000.';
