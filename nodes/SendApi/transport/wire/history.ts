/**
 * One incoming message as SendApi's history (`GET /whatsapp/messages`) lists it, read for Wait for
 * Follow-up Messages. The list's item shape is the one `readStoredMessage` reads (docs/wire-format.md,
 * "Message history"); what a stored MEDIA message looks like is undocumented: OUR GUESS is the
 * event's media object either at the item's top level or inside its `content`, so both are read.
 */
import type { IDataObject } from 'n8n-workflow';

import { isObject } from '../json';
import { asString, toNumber } from './fieldValues';
import type { IncomingMedia } from './incomingMedia';
import { readIncomingMedia } from './incomingMedia';
import { readStoredMessage } from './replies';

export interface HistoryMessage {
	/** The id deliveries name it by: `message_id`, else `id`. */
	key: string;
	/** Every id it is known by (`id` and `message_id`). */
	ids: string[];
	incoming: boolean;
	/** The sender as SendApi stored it. */
	from?: string;
	sessionId?: string;
	/** When SendApi stored it, epoch ms; undefined when it carries no readable time. */
	time?: number;
	/** The time as SendApi sent it. */
	rawTime?: unknown;
	type?: string;
	/** A text's body. */
	text?: string;
	/** The file of a media message (caption included). */
	media?: IncomingMedia;
	/** The item in the shape a `message.received` event's `data` has, for reading its file. */
	eventData: IDataObject;
}

/** A listed message, or undefined when it names no id (it then cannot be matched or deduped). */
export function readHistoryMessage(item: IDataObject): HistoryMessage | undefined {
	const stored = readStoredMessage(item);
	const key = asString(item.message_id) ?? asString(item.id) ?? stored.ids[0];
	if (key === undefined) return undefined;
	const eventData = asEventData(item);
	const media = readIncomingMedia(eventData);
	return {
		key,
		ids: stored.ids.length > 0 ? stored.ids : [key],
		incoming: stored.incoming,
		from: asString(item.from) ?? (typeof item.from === 'number' ? String(item.from) : undefined),
		sessionId: item.session_id === undefined ? undefined : String(item.session_id),
		time: parseMessageTime(stored.createdAt),
		rawTime: stored.createdAt,
		type: asString(item.type),
		text: media ? undefined : stored.text,
		media,
		eventData,
	};
}

/**
 * The item as event `data`: as listed when its file is found there, else with its `content`
 * object spread over it (the fake, and likely SendApi, store the event's data as `content`).
 */
function asEventData(item: IDataObject): IDataObject {
	if (readIncomingMedia(item) || !isObject(item.content)) return item;
	return { ...item, ...item.content, type: item.type ?? item.content.type };
}

/**
 * A SendApi time as epoch ms: ISO 8601, or a Unix time in seconds or milliseconds (as a number or
 * digits). Numbers above 10^11 are taken as milliseconds.
 */
export function parseMessageTime(value: unknown): number | undefined {
	if (typeof value === 'string' && value.trim() === '') return undefined;
	const n = toNumber(value);
	if (n !== undefined) return n > 1e11 ? n : n * 1000;
	if (typeof value !== 'string' || value === '') return undefined;
	const parsed = Date.parse(value);
	return Number.isFinite(parsed) ? parsed : undefined;
}
