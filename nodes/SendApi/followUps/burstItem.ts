/**
 * The one item a burst continues with: session, sender, `text` (texts and captions in order, one
 * per line), `messages`, `count`, first and last message times and, with Download Media on, the
 * files of its media messages (fetched as the trigger fetches them: inbound/incomingMedia.ts).
 */
import type {
	IBinaryKeyData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
} from 'n8n-workflow';

import type { MediaSettings } from '../inbound/incomingMedia';
import { withMedia } from '../inbound/incomingMedia';
import type { FollowUpRequest, TimedHistoryMessage } from './senderHistory';

export async function burstItem(
	this: IExecuteFunctions,
	request: FollowUpRequest,
	burst: TimedHistoryMessage[],
	readSettings: () => MediaSettings,
): Promise<INodeExecutionData> {
	const messages: IDataObject[] = [];
	const binary: IBinaryKeyData = {};
	for (const message of burst) {
		const entry = messageEntry(message);
		if (message.media) {
			const withFile = await withMedia.call(
				this,
				{ event: 'message.received', data: message.eventData },
				{ message_id: message.key },
				readSettings,
			);
			copyMediaFields(withFile.json, entry);
			for (const [name, file] of Object.entries(withFile.binary ?? {})) {
				const property = freeName(binary, name);
				binary[property] = file;
				entry.binary_property = property;
			}
		}
		messages.push(entry);
	}
	const first = burst[0];
	const last = burst[burst.length - 1];
	const json: IDataObject = {
		session_id: request.sessionId,
		from: request.sender,
		text: burstText(messages),
		messages,
		count: messages.length,
		first_message_at: isoOf(first.time),
		last_message_at: isoOf(last.time),
		message_id: last.key,
		history: 'read',
	};
	return Object.keys(binary).length > 0 ? { json, binary } : { json };
}

/** What the burst says, one message a line: texts and media captions, in order. */
export function burstText(messages: IDataObject[]): string {
	return messages
		.map((message) => message.text ?? message.caption)
		.filter((text): text is string => typeof text === 'string' && text !== '')
		.join('\n');
}

function messageEntry(message: TimedHistoryMessage): IDataObject {
	const entry: IDataObject = {
		id: message.key,
		type: message.type ?? 'text',
		time: isoOf(message.time),
	};
	if (message.text !== undefined) entry.text = message.text;
	if (message.media?.caption !== undefined) entry.caption = message.media.caption;
	return entry;
}

function copyMediaFields(from: IDataObject, to: IDataObject): void {
	if (from.media !== undefined) to.media = from.media;
	if (from.media_error !== undefined) to.media_error = from.media_error;
}

/** The first file keeps the chosen field name (as the trigger's); the next ones get `_1`, `_2`, …. */
function freeName(binary: IBinaryKeyData, name: string): string {
	if (!(name in binary)) return name;
	for (let n = 1; ; n++) if (!(`${name}_${n}` in binary)) return `${name}_${n}`;
}

function isoOf(time: number): string {
	return new Date(time).toISOString();
}
