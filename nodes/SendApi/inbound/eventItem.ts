/** The item a workflow receives for a SendApi event. */
import type { IDataObject } from 'n8n-workflow';

import { stringifyIds } from '../transport/wire/ids';
import { isObject } from '../transport/json';
import type { SendApiEvent } from './event';
import { asText } from './event';

/**
 * The event's `data` fields at top level (so the next node can reply with `{{$json.from}}` and
 * `{{$json.session_id}}` without mapping), `text` from the message content, the envelope fields,
 * and the untouched `data` under `raw`. Ids are strings, as in every output of the SendApi node,
 * also from a server that numbers them (`raw` keeps them as sent).
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
