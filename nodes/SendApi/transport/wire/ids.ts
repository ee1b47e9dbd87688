/**
 * How ids travel: session ids out (opaque, digits as a JSON integer), every id in an answer back as
 * a string, a sent message's id and a session's QR code read from their undocumented bodies.
 * docs/wire-format.md explains each choice.
 */
import type { IDataObject } from 'n8n-workflow';

import { isObject } from '../json';
import { unwrapEnvelope } from './envelope';

/**
 * Session ids appear as strings (`sess_…`) in the docs and as integers in the client code.
 * They are opaque: we send back what we were given, except that an all-digit id goes out as a
 * JSON number, which is what the integer dialect expects and what a string-id server never issues.
 */
export function sessionIdForApi(id: string | number): string | number {
	const text = String(id).trim();
	return /^\d{1,15}$/.test(text) ? Number(text) : text;
}

/**
 * SendApi documents string ids (`sess_…`, `msg_…`, `grp_…`), but a server speaking its client-code
 * dialect issues integers (`id: 5`). So that an id has one type in every output of every
 * operation, every answer is read through this: the value of any id field (`id`, `…_id`, or the
 * camelCase `…Id`) that is a number becomes its decimal string, and so do the numbers in id lists
 * (`ids`, `…_ids`), at any depth (list items, a message's `session_id`, error `meta.request_id`).
 * Nothing else is touched: counts, pages and codes stay numbers.
 */
export function stringifyIds(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(stringifyIds);
	if (!isObject(value)) return value;
	const result: IDataObject = {};
	for (const [key, field] of Object.entries(value)) {
		result[key] = stringifyField(key, field) as IDataObject[string];
	}
	return result;
}

const ID_KEY = /(?:^|_)id$|[a-z0-9]Id$/;
const ID_LIST_KEY = /(?:^|_)ids$|[a-z0-9]Ids$/;

function stringifyField(key: string, field: unknown): unknown {
	if (ID_KEY.test(key) && typeof field === 'number') return String(field);
	if (ID_LIST_KEY.test(key) && Array.isArray(field)) {
		return field.map((entry) => (typeof entry === 'number' ? String(entry) : stringifyIds(entry)));
	}
	return stringifyIds(field);
}

/** A send answer carries `id` or `message_id`; both are exposed as `message_id`. */
export function readMessageId(body: IDataObject): string | undefined {
	const id = body.message_id ?? body.id;
	return id === undefined || id === null ? undefined : String(id);
}

/** The QR body is undocumented beyond session create; accept the plausible spellings. */
export function readQrCode(body: unknown): string | undefined {
	const unwrapped = unwrapEnvelope(body);
	if (typeof unwrapped === 'string') return unwrapped;
	if (!isObject(unwrapped)) return undefined;
	const value = unwrapped.qr_code ?? unwrapped.qr ?? unwrapped.qrCode;
	return typeof value === 'string' ? value : undefined;
}
