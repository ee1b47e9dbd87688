/**
 * A delivery's body read as a SendApi event, whichever of SendApi's two documented envelopes it
 * arrived in. No n8n context here, so each step is tested directly.
 */
import type { IDataObject } from 'n8n-workflow';

import { isObject } from '../transport/json';

/** One delivery, whichever of SendApi's two documented envelopes it arrived in. */
export interface SendApiEvent {
	event: string;
	timestamp?: string | number;
	/** Only the older `{id, type, data, created_at}` envelope carries an event id. */
	eventId?: string;
	data: IDataObject;
}

/** The body as JSON; `ok: false` when it is not JSON at all. */
export function parseJson(rawBody: Buffer | string): { ok: true; value: unknown } | { ok: false } {
	try {
		return { ok: true, value: JSON.parse(rawBody.toString()) };
	} catch {
		return { ok: false };
	}
}

/** The event a body carries; `undefined` when it is not JSON or not a SendApi event. */
export function readEvent(rawBody: Buffer | string): SendApiEvent | undefined {
	const parsed = parseJson(rawBody);
	return parsed.ok ? normaliseEvent(parsed.value) : undefined;
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

/** A non-empty string, or a number as text; anything else `undefined`. */
export function asText(value: unknown): string | undefined {
	if (typeof value === 'number') return String(value);
	return typeof value === 'string' && value !== '' ? value : undefined;
}

/** ISO strings in the docs; a Unix time is kept as the number it was sent as. */
function asTimestamp(value: unknown): string | number | undefined {
	return typeof value === 'number' && Number.isFinite(value) ? value : asText(value);
}
