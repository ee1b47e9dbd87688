/**
 * What Send and Wait reads as an answer: the events its webhook subscribes to, an incoming reply
 * (text or a tapped reply button) and a message stored at SendApi. Both bodies are partly
 * undocumented; docs/wire-format.md ("Replies Send and Wait reads") gives our choices.
 */
import type { IDataObject } from 'n8n-workflow';

import { isObject } from '../json';
import { asString } from './fieldValues';
import { stringifyIds } from './ids';

/** The events a Send and Wait webhook subscribes to: only incoming messages can be answers. */
export const WAIT_WEBHOOK_EVENTS = ['message.received'];

/** What an incoming message says, read from a `message.received` event's `data`. */
export interface IncomingReply {
	/** The message text (`content.body`, or `content` as a plain string). */
	text?: string;
	/** The id of the reply button tapped, when the message is a button reply. */
	buttonId?: string;
	/** The title of that button (what the recipient saw and WhatsApp shows as the reply text). */
	buttonTitle?: string;
}

/**
 * SendApi documents incoming text only (`content: {body}`); how a tap on a reply button arrives is
 * undocumented (our guess, said in docs/wire-format.md). Read, first found wins: Meta's Cloud API
 * shape `interactive: {type: "button_reply", button_reply: {id, title}}` at the data's top level or
 * inside `content`, then a bare `button_reply` / `button` object at either place. A server that
 * forwards the tap only as text gives the button's title as the text: the caller compares it with
 * the titles it sent.
 */
export function readIncomingReply(data: IDataObject): IncomingReply {
	const content = data.content;
	const reply: IncomingReply = {};
	const text = contentText(content);
	if (text !== undefined) reply.text = text;
	const button = [data, isObject(content) ? content : {}]
		.map((place) => buttonReplyIn(place))
		.find((found) => found !== undefined);
	if (button?.id !== undefined) reply.buttonId = button.id;
	if (button?.title !== undefined) reply.buttonTitle = button.title;
	return reply;
}

function buttonReplyIn(place: IDataObject): { id?: string; title?: string } | undefined {
	const interactive = isObject(place.interactive) ? place.interactive : undefined;
	const candidates = [interactive?.button_reply, place.button_reply, place.button];
	const found = candidates.find((candidate) => isObject(candidate));
	if (!isObject(found)) return undefined;
	const id = found.id ?? found.payload;
	return {
		id: typeof id === 'number' ? String(id) : asString(id),
		title: asString(found.title) ?? asString(found.text),
	};
}

/** One stored message as `GET /whatsapp/messages/{id}` gives it (the envelope already unwrapped). */
export interface StoredMessage {
	/** Its `id` and `message_id`, as strings (either may be the one a delivery names). */
	ids: string[];
	incoming: boolean;
	from?: unknown;
	sessionId?: unknown;
	/** `created_at`, else `received_at` / `timestamp`, as SendApi sent it (ISO or Unix s/ms). */
	createdAt?: unknown;
	/** The text SendApi stored: `content.body`, or `content` as a plain string. */
	text?: string;
}

/**
 * The body of `GET /messages/{id}` is undocumented (sendapi-api.md: "body unknown"). Our guess,
 * said in docs/wire-format.md: the same message object the list gives (`{id, message_id,
 * session_id, direction: "in" | "out", from | to, type, content: {body}, status, created_at}`);
 * `direction` also read as "incoming"/"inbound". For a reply-button tap SendApi stores what was
 * shown: the button's title as `content.body` (no button id), so only the title can be compared.
 */
export function readStoredMessage(body: IDataObject): StoredMessage {
	const data = stringifyIds(body) as IDataObject;
	const direction = (asString(data.direction) ?? '').toLowerCase();
	return {
		ids: [data.id, data.message_id].filter((id): id is string => asString(id) !== undefined),
		incoming: ['in', 'incoming', 'inbound'].includes(direction),
		from: data.from,
		sessionId: data.session_id,
		createdAt: data.created_at ?? data.received_at ?? data.timestamp,
		text: contentText(data.content),
	};
}

/** A message's text: `content.body`, or `content` as a plain string. */
function contentText(content: unknown): string | undefined {
	if (typeof content === 'string') return content;
	return isObject(content) ? asString(content.body) : undefined;
}
