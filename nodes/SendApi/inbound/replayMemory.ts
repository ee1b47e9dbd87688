/**
 * Recognising a delivery seen before (SendApi retries, and may repeat an event under a new
 * envelope): the keys a delivery is remembered by, and the bounded list of recent ones. Pure: the
 * caller stores the list.
 */
import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { canonicalJson } from '../transport/json';
import type { SendApiEvent } from './event';
import { asText } from './event';

/** How many recent deliveries each webhook remembers (at least) to recognise a replay. */
export const REPLAY_MEMORY_SIZE = 500;

/** A delivery leaves at most two keys (its event id and its identity, see `deliveryKeys`). */
export const REPLAY_MEMORY_KEYS = REPLAY_MEMORY_SIZE * 2;

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
 * `undefined` when any of the keys was already there (a repeat: nothing is added). The default
 * bound keeps at least the last `REPLAY_MEMORY_SIZE` deliveries.
 */
export function rememberDelivery(
	recent: readonly string[],
	keys: readonly string[],
	limit: number = REPLAY_MEMORY_KEYS,
): string[] | undefined {
	if (keys.some((key) => recent.includes(key))) return undefined;
	return [...recent, ...keys].slice(-limit);
}

/** An id as text: SendApi's ids are strings or integers (`42` and `"42"` name the same thing). */
function idText(value: unknown): string | undefined {
	return typeof value === 'number' && !Number.isFinite(value) ? undefined : asText(value);
}

function sha256(data: Buffer | string): string {
	return createHash('sha256').update(data).digest('hex');
}
