/**
 * The message requests the node sends: the message types, one checked message as the
 * `{type, <type>: {…}}` fragment of a send or send-bulk body, those two bodies, and the messages
 * list's query. The values arrive validated (message/validateMessage.ts); these functions only
 * decide where each one goes. docs/wire-format.md ("Requests the node sends") explains each choice.
 */
import type { IDataObject } from 'n8n-workflow';

import { withOptional } from './fieldValues';
import { sessionIdForApi } from './ids';

export const MESSAGE_TYPES = [
	'text',
	'image',
	'video',
	'audio',
	'document',
	'location',
	'contact',
	'template',
	'interactive',
	'poll',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** The types SendApi's docs allow on `/send-bulk`. */
export const BULK_MESSAGE_TYPES = ['text', 'image', 'document', 'template'] as const;
export type BulkMessageType = (typeof BULK_MESSAGE_TYPES)[number];

/** SendApi's documented floor for the pause between bulk messages. */
export const MIN_BULK_DELAY_MS = 500;

/** A link SendApi downloads, or the file itself. */
export type MediaContent = { url: string } | { base64: string; mimeType: string; fileName: string };

export interface InteractiveFrame {
	body: string;
	header?: string;
	footer?: string;
}
export interface ListRow {
	id: string;
	title: string;
	description?: string;
}
export interface ListSection {
	title?: string;
	rows: ListRow[];
}
export type InteractiveContent =
	| (InteractiveFrame & { kind: 'button'; buttons: Array<{ id: string; title: string }> })
	| (InteractiveFrame & { kind: 'list'; button: string; sections: ListSection[] });

/** One message, its values already checked. */
export type MessageContent =
	| { type: 'text'; body: string; previewUrl: boolean }
	| { type: 'image' | 'video'; media: MediaContent; caption?: string }
	| { type: 'audio'; media: MediaContent }
	| { type: 'document'; media: MediaContent; fileName: string; caption?: string }
	| { type: 'location'; lat: number; lng: number; label?: string; address?: string }
	| { type: 'contact'; vcard: string; name?: string; phone?: string }
	| { type: 'template'; name: string; language: string; components?: IDataObject[] }
	| { type: 'interactive'; interactive: InteractiveContent }
	| { type: 'poll'; question: string; options: string[]; allowMultipleAnswers: boolean };

/** The message part of a send or send-bulk body: `{type, <type>: {…}, content?}`. */
export type MessageFragment = IDataObject & { type: MessageType };

export function messageFragment(message: MessageContent): MessageFragment {
	const payload = typePayload(message);
	const fragment: MessageFragment = { type: message.type, [message.type]: payload };
	// The client-code dialect reads only `content`; carrying the same text lets either server read it.
	if (message.type === 'text') fragment.content = message.body;
	return fragment;
}

function typePayload(message: MessageContent): IDataObject {
	switch (message.type) {
		case 'text':
			return { body: message.body, preview_url: message.previewUrl };
		case 'image':
		case 'video':
			return withOptional(mediaPayload(message.media), { caption: message.caption });
		case 'audio':
			return mediaPayload(message.media);
		case 'document': {
			const file = { ...mediaPayload(message.media), filename: message.fileName };
			return withOptional(file, { caption: message.caption });
		}
		case 'location': {
			const place = { lat: message.lat, lng: message.lng };
			return withOptional(place, { label: message.label, address: message.address });
		}
		case 'contact':
			return withOptional({ vcard: message.vcard }, { name: message.name, phone: message.phone });
		case 'template':
			return withOptional(
				{ name: message.name, language: message.language },
				{ components: message.components },
			);
		case 'interactive':
			return interactivePayload(message.interactive);
		case 'poll':
			return {
				question: message.question,
				options: message.options,
				allow_multiple_answers: message.allowMultipleAnswers,
			};
	}
}

/** A URL stands alone; a file carries its MIME type and name so WhatsApp can show it. */
function mediaPayload(media: MediaContent): IDataObject {
	if ('url' in media) return { url: media.url };
	return { base64: media.base64, mime_type: media.mimeType, filename: media.fileName };
}

function interactivePayload(interactive: InteractiveContent): IDataObject {
	const frame = withOptional(
		{ type: interactive.kind, body: { text: interactive.body } },
		{
			header:
				interactive.header === undefined ? undefined : { type: 'text', text: interactive.header },
			footer: interactive.footer === undefined ? undefined : { text: interactive.footer },
		},
	);
	if (interactive.kind === 'button') {
		const buttons = interactive.buttons.map(({ id, title }) => ({
			type: 'reply',
			reply: { id, title },
		}));
		return { ...frame, action: { buttons } };
	}
	const sections = interactive.sections.map((section) => {
		const rows = section.rows.map((row) =>
			withOptional({ id: row.id, title: row.title }, { description: row.description }),
		);
		return withOptional({ rows }, { title: section.title });
	});
	return { ...frame, action: { button: interactive.button, sections } };
}

export function sendBody(sessionId: string, to: string, message: MessageFragment): IDataObject {
	return { session_id: sessionIdForApi(sessionId), to, ...message };
}

export function sendBulkBody(
	sessionId: string,
	recipients: string[],
	message: MessageFragment,
	delayMs?: number,
): IDataObject {
	return withOptional(
		{ session_id: sessionIdForApi(sessionId), recipients, ...message },
		{ delay_ms: delayMs },
	);
}

export interface MessageFilters {
	sessionId?: string;
	direction?: 'in' | 'out';
	status?: string;
	/** ISO 8601. */
	fromDate?: string;
	toDate?: string;
}

export function messagesQuery(filters: MessageFilters): IDataObject {
	return withOptional(
		{},
		{
			session_id: filters.sessionId === undefined ? undefined : sessionIdForApi(filters.sessionId),
			direction: filters.direction,
			status: filters.status,
			from_date: filters.fromDate,
			to_date: filters.toDate,
		},
	);
}
