/**
 * The pure parts of the SendApi Trigger: signature check, envelope normalisation, event and
 * session matching, and the replay memory. No n8n context here, so each is tested directly.
 */
import { createHash, createHmac, timingSafeEqual } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { stringifyIds } from '../SendApi/transport/dialect';

/** SendApi signs every delivery in this header (Node lower-cases incoming header names). */
export const SIGNATURE_HEADER = 'x-sendapi-signature';

/** How many recent deliveries each webhook remembers to recognise a replay. */
export const REPLAY_MEMORY_SIZE = 500;

const SIGNATURE_PATTERN = /^sha256=([0-9a-f]{64})$/i;

/** Reads a header that Node may hand over as a string or as a list of repeats. */
export function headerValue(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}

/**
 * Whether `header` is `sha256=<hex HMAC-SHA256 of rawBody keyed with secret>`. The comparison is
 * constant-time so a forger cannot learn the expected digest byte by byte from response timing.
 */
export function signatureMatches(
	rawBody: Buffer | string,
	header: string | undefined,
	secret: string,
): boolean {
	const match = SIGNATURE_PATTERN.exec((header ?? '').trim());
	if (!match || !secret) return false;
	const given = Buffer.from(match[1].toLowerCase(), 'hex');
	const expected = createHmac('sha256', secret).update(rawBody).digest();
	return given.length === expected.length && timingSafeEqual(given, expected);
}

/** One delivery, whichever of SendApi's two documented envelopes it arrived in. */
export interface SendApiEvent {
	event: string;
	timestamp?: string | number;
	/** Only the older `{id, type, data, created_at}` envelope carries an event id. */
	eventId?: string;
	data: IDataObject;
}

/**
 * Reads `{event, timestamp, data}` (current docs) or `{id, type, data, created_at}` (older page).
 * Anything else (not an object, no event name) is not a SendApi event: `undefined`.
 */
export function normaliseEvent(payload: unknown): SendApiEvent | undefined {
	if (!isObject(payload)) return undefined;
	const event = asText(payload.event) ?? asText(payload.type);
	if (!event) return undefined;
	return {
		event,
		timestamp: asTimestamp(payload.timestamp) ?? asTimestamp(payload.created_at),
		eventId: asText(payload.id) ?? asText(payload.event_id),
		data: isObject(payload.data) ? payload.data : {},
	};
}

/**
 * The item the workflow receives: the event's `data` fields at top level (so the next node can
 * reply with `{{$json.from}}` and `{{$json.session_id}}` without mapping), `text` from the message
 * content, the envelope fields, and the untouched `data` under `raw`. Ids are strings, as in
 * every output of the SendApi node, also from a server that numbers them (`raw` keeps them as sent).
 */
export function toOutputItem(delivery: SendApiEvent): IDataObject {
	const data = stringifyIds(delivery.data) as IDataObject;
	const item: IDataObject = { ...data };
	const messageId = data.message_id ?? data.id;
	if (messageId !== undefined) item.message_id = messageId;
	const text = messageText(data.content);
	if (text !== undefined) item.text = text;
	item.event = delivery.event;
	if (delivery.timestamp !== undefined) item.timestamp = delivery.timestamp;
	if (delivery.eventId !== undefined) item.event_id = delivery.eventId;
	item.raw = delivery.data;
	return item;
}

/** Message content is `{body}` in the docs and a plain string in SendApi's client code. */
function messageText(content: unknown): string | undefined {
	if (typeof content === 'string') return content;
	return isObject(content) ? asText(content.body) : undefined;
}

/** Does a subscription pattern (`message.received`, `message.*`, `*`) cover `event`? */
export function eventMatches(pattern: string, event: string): boolean {
	if (pattern === '*' || pattern === event) return true;
	return pattern.endsWith('.*') && event.startsWith(pattern.slice(0, -1));
}

export function matchesAnyEvent(patterns: string[], event: string): boolean {
	return patterns.some((pattern) => eventMatches(pattern, event));
}

/** Session ids are opaque strings or integers; an empty filter means every session. */
export function matchesSession(filter: string, sessionId: unknown): boolean {
	const wanted = filter.trim();
	if (!wanted) return true;
	return sessionId !== undefined && sessionId !== null && String(sessionId).trim() === wanted;
}

/** Events are a set: same members in any order means no update is needed at SendApi. */
export function sameEvents(a: string[], b: string[]): boolean {
	const left = [...new Set(a)].sort();
	const right = [...new Set(b)].sort();
	return left.length === right.length && left.every((event, index) => event === right[index]);
}

/**
 * What identifies a delivery for the replay guard: the event id when the envelope has one; else
 * the event with its message id, because a message is received, sent, delivered or read once
 * and a retried delivery may carry a new envelope timestamp; else the digest of the exact bytes.
 */
export function deliveryKey(delivery: SendApiEvent, rawBody: Buffer | string): string {
	if (delivery.eventId) return `id:${delivery.eventId}`;
	const messageId = delivery.data.message_id;
	if ((typeof messageId === 'string' && messageId !== '') || typeof messageId === 'number') {
		return `message:${delivery.event}:${messageId}`;
	}
	return `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
}

/**
 * Records `key` in the bounded list of recent deliveries. Returns the new list, or `undefined`
 * when `key` was already there (a replay). The caller stores the list, so this stays pure.
 */
export function rememberDelivery(
	recent: readonly string[],
	key: string,
	limit: number = REPLAY_MEMORY_SIZE,
): string[] | undefined {
	if (recent.includes(key)) return undefined;
	return [...recent, key].slice(-limit);
}

/** The body as JSON; `ok: false` when it is not JSON at all. */
export function parseJson(rawBody: Buffer | string): { ok: true; value: unknown } | { ok: false } {
	try {
		return { ok: true, value: JSON.parse(rawBody.toString()) };
	} catch {
		return { ok: false };
	}
}

export function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** ISO strings in the docs; a Unix time is kept as the number it was sent as. */
function asTimestamp(value: unknown): string | number | undefined {
	return typeof value === 'number' && Number.isFinite(value) ? value : asText(value);
}

function asText(value: unknown): string | undefined {
	if (typeof value === 'number') return String(value);
	return typeof value === 'string' && value !== '' ? value : undefined;
}
