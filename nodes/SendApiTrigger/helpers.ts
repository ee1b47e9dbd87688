/**
 * The pure parts of the SendApi Trigger: signature check, envelope normalisation, event and
 * session matching, and the replay memory. No n8n context here, so each is tested directly.
 */
import { createHash, createHmac, timingSafeEqual } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { stringifyIds } from '../SendApi/transport/wire/ids';
import { canonicalJson, isObject } from '../SendApi/transport/json';

/** SendApi signs every delivery in this header (Node lower-cases incoming header names). */
export const SIGNATURE_HEADER = 'x-sendapi-signature';

/** How many recent deliveries each webhook remembers (at least) to recognise a replay. */
export const REPLAY_MEMORY_SIZE = 500;

/** A delivery leaves at most two keys (its event id and its identity, see `deliveryKeys`). */
export const REPLAY_MEMORY_KEYS = REPLAY_MEMORY_SIZE * 2;

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
 * The message events whose identity is known from SendApi's docs. An event added later (or a
 * session or group event) may well occur several times for one message, so it is recognised as a
 * repeat only by its event id or its exact bytes, never by its message id.
 */
const IDENTIFIED_EVENTS = new Set([
	'message.received',
	'message.sent',
	'message.delivered',
	'message.read',
	'message.failed',
]);

/**
 * The keys the replay guard remembers a delivery by; it is a repeat when ANY of them was seen.
 * Whether SendApi keeps the event id when it retries is undocumented, so the event id alone is not
 * enough: the same message's event under a new id is recognised by its identity (see
 * `eventIdentity`). A delivery with neither is known by the digest of its exact bytes.
 */
export function deliveryKeys(delivery: SendApiEvent, rawBody: Buffer | string): string[] {
	const keys: string[] = [];
	if (delivery.eventId) keys.push(`id:${delivery.eventId}`);
	const identity = eventIdentity(delivery);
	if (identity) keys.push(identity);
	if (keys.length === 0) keys.push(`sha256:${sha256(rawBody)}`);
	return keys;
}

/**
 * What makes a message event the same event for the user, whichever envelope, timestamp or event id
 * it came with: the event, the session (message ids are unique per session at worst) and the
 * message id; for status events also the status, and for `message.failed` the error, since one
 * message can fail twice for different reasons. `undefined` when the event cannot be identified.
 */
export function eventIdentity(delivery: SendApiEvent): string | undefined {
	if (!IDENTIFIED_EVENTS.has(delivery.event)) return undefined;
	const messageId = idText(delivery.data.message_id);
	if (messageId === undefined) return undefined;
	const sessionId = idText(delivery.data.session_id) ?? '';
	const parts = [delivery.event, sessionId, messageId, statusDetail(delivery)];
	return `event:${JSON.stringify(parts)}`;
}

/** The part of a message event's identity beyond its message: empty for an incoming message. */
function statusDetail(delivery: SendApiEvent): string {
	if (delivery.event === 'message.received') return '';
	if (delivery.event === 'message.failed') {
		return `failure:${sha256(canonicalJson(failureOf(delivery.data)))}`;
	}
	return asText(delivery.data.status) ?? '';
}

/**
 * The failure a `message.failed` reports. Its payload is undocumented, so the failure is the data's
 * error fields (`error`, `error_code`, `failure_reason`, …) when it has any, which a retry repeats
 * even if it restamps the event; without any, the whole data, so that two failures count as one
 * only when SendApi sent exactly the same thing twice.
 */
function failureOf(data: IDataObject): unknown {
	const errorFields = Object.keys(data).filter((name) => /error|reason/i.test(name));
	if (errorFields.length === 0) return data;
	return Object.fromEntries(errorFields.map((name) => [name, data[name]]));
}

/**
 * Records a delivery's keys in the bounded list of recent ones. Returns the new list, or
 * `undefined` when any of the keys was already there (a repeat: nothing is added). The caller
 * stores the list, so this stays pure. The default bound keeps at least the last
 * `REPLAY_MEMORY_SIZE` deliveries.
 */
export function rememberDelivery(
	recent: readonly string[],
	keys: readonly string[],
	limit: number = REPLAY_MEMORY_KEYS,
): string[] | undefined {
	if (keys.some((key) => recent.includes(key))) return undefined;
	return [...recent, ...keys].slice(-limit);
}

/** The body as JSON; `ok: false` when it is not JSON at all. */
export function parseJson(rawBody: Buffer | string): { ok: true; value: unknown } | { ok: false } {
	try {
		return { ok: true, value: JSON.parse(rawBody.toString()) };
	} catch {
		return { ok: false };
	}
}

/** ISO strings in the docs; a Unix time is kept as the number it was sent as. */
function asTimestamp(value: unknown): string | number | undefined {
	return typeof value === 'number' && Number.isFinite(value) ? value : asText(value);
}

/** An id as text: SendApi's ids are strings or integers (`42` and `"42"` name the same thing). */
function idText(value: unknown): string | undefined {
	return typeof value === 'number' && !Number.isFinite(value) ? undefined : asText(value);
}

function sha256(data: Buffer | string): string {
	return createHash('sha256').update(data).digest('hex');
}

function asText(value: unknown): string | undefined {
	if (typeof value === 'number') return String(value);
	return typeof value === 'string' && value !== '' ? value : undefined;
}
