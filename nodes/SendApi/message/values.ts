/** Reading one plain value (an n8n parameter or a spreadsheet cell) the way every message type does. */
import { FIELD_LABELS, MessageInputError } from './inputError';

/** Message text is sent as written (leading spaces and line breaks can matter), but not blank. */
export function requireBody(
	value: unknown,
	key: string,
	label: string = FIELD_LABELS.text,
): string {
	const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
	if (text.trim() === '')
		throw new MessageInputError(
			label,
			'is empty',
			`Enter the ${label.toLowerCase()} to send.`,
			key,
		);
	return text;
}

export function requireString(
	value: unknown,
	label: string,
	key: string,
	problem = 'is empty',
): string {
	const text = optionalText(value);
	if (text === undefined) throw new MessageInputError(label, problem, undefined, key);
	return text;
}

export function optionalText(value: unknown): string | undefined {
	const text =
		typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	return text === '' ? undefined : text;
}

export function toBoolean(value: unknown): boolean {
	return value === true || value === 'true';
}

/** A list from n8n (array) or from a spreadsheet cell (one entry per line). */
export function toList(value: unknown): unknown[] {
	if (Array.isArray(value)) return value;
	if (typeof value === 'string') return value.split(/\r?\n/);
	return value === undefined || value === null ? [] : [value];
}
