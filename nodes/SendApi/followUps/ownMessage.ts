/**
 * The trigger's message as this execution knows it, and the item the execution continues with
 * when SendApi's history cannot be used: that message alone, marked `history: 'unavailable'`,
 * with the trigger's file (if it downloaded one) passed on. Nothing is lost; the message is
 * answered on its own (docs/follow-up-messages.md, "When the history is unavailable").
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { parseMessageTime } from '../transport/wire/history';
import { isObject } from '../transport/json';

export interface OwnMessage {
	id?: string;
	/** Epoch ms, from the trigger's `received_at` (else `timestamp`, `created_at`). */
	time?: number;
	rawTime?: unknown;
}

export function readOwnMessage(json: IDataObject): OwnMessage {
	const id = json.message_id ?? json.id;
	const rawTime = json.received_at ?? json.timestamp ?? json.created_at;
	return {
		id: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined,
		time: parseMessageTime(rawTime),
		rawTime,
	};
}

export function ownMessageItem(
	input: INodeExecutionData,
	target: { sessionId: string; sender: string },
	own: OwnMessage,
	reason: string,
): INodeExecutionData {
	const json = input.json;
	const time = own.time === undefined ? undefined : new Date(own.time).toISOString();
	const entry: IDataObject = {
		id: own.id ?? '',
		type: typeof json.type === 'string' ? json.type : 'text',
	};
	if (time !== undefined) entry.time = time;
	if (typeof json.text === 'string') entry.text = json.text;
	if (isObject(json.media)) entry.media = json.media;
	if (json.media_error !== undefined) entry.media_error = json.media_error;
	const item: INodeExecutionData = {
		json: {
			session_id: target.sessionId,
			from: target.sender,
			text: typeof json.text === 'string' ? json.text : '',
			messages: [entry],
			count: 1,
			first_message_at: time ?? null,
			last_message_at: time ?? null,
			message_id: own.id ?? null,
			history: 'unavailable',
			history_error: reason,
		},
	};
	if (input.binary) item.binary = input.binary;
	return item;
}
