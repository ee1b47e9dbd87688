/**
 * SendApi's wire dialect: the single place where this package decides how to read and write
 * the shapes on which SendApi's own docs and its published client code disagree, or which they
 * leave undocumented. docs/wire-format.md explains each choice; README "API shape choices"
 * summarises them for users. Nothing else in the package should look at envelopes or error bodies.
 */
import type { IDataObject } from 'n8n-workflow';

import { isObject } from './json';

/** WhatsApp endpoints live below this prefix; account-wide webhooks do not. */
export const WHATSAPP_PREFIX = '/whatsapp';

/** SendApi's documented page size ceiling; Return All asks for full pages. */
export const MAX_PAGE_SIZE = 100;

/** SendApi refuses a send-bulk call with more recipients than this. */
export const MAX_BULK_RECIPIENTS = 500;

/**
 * Session ids appear as strings (`sess_…`) in the docs and as integers in the client code.
 * They are opaque: we send back what we were given, except that an all-digit id goes out as a
 * JSON number, which is what the integer dialect expects and what a string-id server never issues.
 */
export function sessionIdForApi(id: string | number): string | number {
	const text = String(id).trim();
	return /^\d{1,15}$/.test(text) ? Number(text) : text;
}

/**
 * Successful answers are usually `{data: X, meta?}` and sometimes bare (session create, send-bulk,
 * contact check). Unwrap `data` only when the object really is an envelope, so a bare resource
 * that happens to have a `data` field is not mangled.
 */
export function unwrapEnvelope(body: unknown): unknown {
	if (!isObject(body) || !('data' in body)) return body;
	const envelopeKeys = new Set(['data', 'meta', 'success', 'links', 'message']);
	const looksLikeEnvelope = Object.keys(body).every((key) => envelopeKeys.has(key));
	return looksLikeEnvelope ? body.data : body;
}

/**
 * SendApi documents string ids (`sess_…`, `msg_…`, `grp_…`), but a server speaking its client-code
 * dialect issues integers (`id: 5`). So that an id has one type in every output of every
 * operation, every answer is read through this: the value of any id field (`id`, `…_id`, or the
 * camelCase `…Id`) that is a number becomes its decimal string, and so do the numbers in id lists
 * (`ids`, `…_ids`), at any depth (list items, a message's `session_id`, error `meta.request_id`).
 * Nothing else is touched: counts, pages and codes stay numbers.
 */
export function stringifyIds(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(stringifyIds);
	if (!isObject(value)) return value;
	const result: IDataObject = {};
	for (const [key, field] of Object.entries(value)) {
		result[key] = stringifyField(key, field) as IDataObject[string];
	}
	return result;
}

const ID_KEY = /(?:^|_)id$|[a-z0-9]Id$/;
const ID_LIST_KEY = /(?:^|_)ids$|[a-z0-9]Ids$/;

function stringifyField(key: string, field: unknown): unknown {
	if (ID_KEY.test(key) && typeof field === 'number') return String(field);
	if (ID_LIST_KEY.test(key) && Array.isArray(field)) {
		return field.map((entry) => (typeof entry === 'number' ? String(entry) : stringifyIds(entry)));
	}
	return stringifyIds(field);
}

export interface PageMeta {
	total?: number;
	page?: number;
	perPage?: number;
	lastPage?: number;
}

export function readPageMeta(body: unknown): PageMeta {
	const meta = isObject(body) && isObject(body.meta) ? body.meta : {};
	return {
		total: toNumber(meta.total),
		page: toNumber(meta.page ?? meta.current_page),
		perPage: toNumber(meta.per_page),
		lastPage: toNumber(meta.last_page),
	};
}

/** List answers: `{data: [...]}` or a bare array. */
export function readListItems(body: unknown): IDataObject[] {
	const unwrapped = unwrapEnvelope(body);
	if (Array.isArray(unwrapped)) return unwrapped as IDataObject[];
	if (isObject(unwrapped) && Array.isArray(unwrapped.items)) return unwrapped.items as IDataObject[];
	return [];
}

/** The two documented error shapes, read into one. */
export interface SendApiErrorInfo {
	type?: string;
	code?: string | number;
	message?: string;
	param?: string;
	requestId?: string;
}

export function readErrorBody(body: unknown, headers: Record<string, unknown> = {}): SendApiErrorInfo {
	const error = isObject(body) && isObject(body.error) ? body.error : undefined;
	const meta = isObject(body) && isObject(body.meta) ? body.meta : undefined;
	const requestId = meta?.request_id ?? headers['x-request-id'];
	const fallbackMessage =
		isObject(body) && typeof body.message === 'string'
			? body.message
			: typeof body === 'string' && body.trim()
				? body.trim().slice(0, 300)
				: undefined;
	return {
		type: asString(error?.type),
		code: typeof error?.code === 'number' ? error.code : asString(error?.code),
		message: asString(error?.message) ?? fallbackMessage,
		param: asString(error?.param),
		requestId: asString(requestId),
	};
}

/**
 * Whether a refused send says the session itself cannot send, so nothing was sent and another
 * session could send it. SendApi documents the session states (PENDING, CONNECTED, DISCONNECTED)
 * and that 409 and 410 occur, not the error body: our choice is an error typed or coded
 * `session_not_connected`, or a 404, 409 or 410 that names `session_id` as the field at fault.
 */
export function isSessionUnavailable(status: number | undefined, info: SendApiErrorInfo): boolean {
	if (info.type === SESSION_NOT_CONNECTED || info.code === SESSION_NOT_CONNECTED) return true;
	return info.param === 'session_id' && (status === 404 || status === 409 || status === 410);
}

const SESSION_NOT_CONNECTED = 'session_not_connected';

/**
 * Whom a `quota_exceeded` refusal (HTTP 402, code 4020) is about, or undefined for any other
 * answer. SendApi documents the error, not its reach, so this is our choice: 'session' (that
 * session's own daily allowance is spent, the others may still send) when the error names
 * `session_id` as the field at fault, or its message names `session_id` or a session's daily cap
 * ("Session sess_1 daily quota …", "per-session limit", "… for this session"); otherwise 'plan'
 * (the account's day is spent: nothing more goes out today from any session). A 402 without a
 * type or code is taken as quota_exceeded, the only 402 SendApi documents.
 */
export function quotaExceededScope(
	status: number | undefined,
	info: SendApiErrorInfo,
): 'plan' | 'session' | undefined {
	if (!isQuotaExceeded(status, info)) return undefined;
	const namesSession = info.param === 'session_id' || SESSION_QUOTA_WORDS.test(info.message ?? '');
	return namesSession ? 'session' : 'plan';
}

function isQuotaExceeded(status: number | undefined, info: SendApiErrorInfo): boolean {
	if (info.type === QUOTA_EXCEEDED || info.code === QUOTA_EXCEEDED) return true;
	if (String(info.code) === QUOTA_EXCEEDED_CODE) return true;
	return status === 402 && info.type === undefined && info.code === undefined;
}

const QUOTA_EXCEEDED = 'quota_exceeded';
const QUOTA_EXCEEDED_CODE = '4020';

/** Words by which a quota_exceeded message says it is about one session. */
const SESSION_QUOTA_WORDS = new RegExp(
	[
		String.raw`\bsession_id\b`, // the field itself
		String.raw`\bper[- ]session\b`, // "per-session daily quota"
		String.raw`\bsession(?:'s)?(?:\s+[\w-]+)?\s+(?:daily|day)\b`, // "Session sess_1 daily quota"
		String.raw`\bfor\s+(?:(?:this|the|that)\s+)?session\b`, // "… exceeded for this session"
	].join('|'),
	'i',
);

/**
 * Whether a 429 is about the session alone (its anti-ban limit) rather than the plan or the key:
 * SendApi's documented type for it is `sending_limited`.
 */
export function isSessionLimit(info: SendApiErrorInfo): boolean {
	return info.type === 'sending_limited' || info.code === 'sending_limited';
}

/** A send answer carries `id` or `message_id`; both are exposed as `message_id`. */
export function readMessageId(body: IDataObject): string | undefined {
	const id = body.message_id ?? body.id;
	return id === undefined || id === null ? undefined : String(id);
}

/** The QR body is undocumented beyond session create; accept the plausible spellings. */
export function readQrCode(body: unknown): string | undefined {
	const unwrapped = unwrapEnvelope(body);
	if (typeof unwrapped === 'string') return unwrapped;
	if (!isObject(unwrapped)) return undefined;
	const value = unwrapped.qr_code ?? unwrapped.qr ?? unwrapped.qrCode;
	return typeof value === 'string' ? value : undefined;
}


function asString(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

function toNumber(value: unknown): number | undefined {
	const n = typeof value === 'string' ? Number(value) : value;
	return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

// ---------------------------------------------------------------------------------------------
// Message and group bodies (docs/wire-format.md, "Requests the node sends"). The values arrive
// validated (helpers/messagePayload.ts); these functions only decide where each one goes.

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

export function createGroupBody(group: {
	sessionId: string;
	name: string;
	participants: string[];
	description?: string;
}): IDataObject {
	return withOptional(
		{
			session_id: sessionIdForApi(group.sessionId),
			name: group.name,
			participants: group.participants,
		},
		{ description: group.description },
	);
}

/** Field names for participant changes are not documented; `add_/remove_participants` is our choice. */
export function updateGroupBody(changes: {
	name?: string;
	description?: string;
	addParticipants?: string[];
	removeParticipants?: string[];
}): IDataObject {
	return withOptional(
		{},
		{
			name: changes.name,
			description: changes.description,
			add_participants: changes.addParticipants,
			remove_participants: changes.removeParticipants,
		},
	);
}

/** Optional fields are left out, never sent as null: the documented shapes mark them optional, not nullable. */
function withOptional(base: IDataObject, optional: Record<string, unknown>): IDataObject {
	const result: IDataObject = { ...base };
	for (const [key, value] of Object.entries(optional)) {
		if (value !== undefined) result[key] = value as IDataObject[string];
	}
	return result;
}

// ---------------------------------------------------------------------------------------------
// Incoming media (docs/wire-format.md, "Incoming media"). SendApi documents `message.received`
// with `content: {body}` for text only: how an image, voice note or document arrives is OUR GUESS.
// Every likely shape is read here and nowhere else; the trigger only asks `readIncomingMedia`.

/** The message types that carry a file, and how each is named in the item (`media.type`). */
const INCOMING_MEDIA_TYPES: Record<string, IncomingMediaType> = {
	image: 'image',
	video: 'video',
	audio: 'audio',
	voice: 'audio',
	ptt: 'audio',
	document: 'document',
	file: 'document',
	sticker: 'sticker',
};
export type IncomingMediaType = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** Where the file is: a link to download, or its bytes in the event itself. */
export type IncomingMediaSource = { url: string } | { base64: string };

export interface IncomingMedia {
	type: IncomingMediaType;
	/** A voice note (push-to-talk audio), not an audio file. */
	voice: boolean;
	source: IncomingMediaSource;
	mimeType?: string;
	/** The sender's file name (documents carry one; other types usually do not). */
	fileName?: string;
	/** The size SendApi declares, in bytes, when it declares one. */
	size?: number;
	caption?: string;
}

/** Field spellings of each property of a media object, first found wins. */
const MEDIA_FIELDS = {
	url: ['url', 'link', 'media_url', 'mediaUrl', 'file_url', 'download_url'],
	base64: ['base64', 'data', 'media_base64'],
	mimeType: ['mime_type', 'mimetype', 'mimeType', 'content_type'],
	fileName: ['filename', 'file_name', 'fileName'],
	size: ['size', 'file_size', 'file_length', 'fileLength', 'bytes'],
	caption: ['caption'],
} as const;

/**
 * The file of an incoming message, or `undefined` when the message carries none (text, location,
 * an unknown type). The media object is looked for, in this order:
 * 1. `data[<type>]`: `{type: "image", image: {url, mime_type, …}}`, the shape the node SENDS;
 * 2. `data.content`: `{type: "image", content: {url, mime_type, …}}`, as a text's `content: {body}`;
 * 3. `data.media`: `{type: "image", media: {…}}`;
 * 4. `data` itself: `{type: "image", media_url, mime_type, …}` (flat).
 * In it the link is `url` (or `link`, `media_url`, …) and base64 bytes `base64` (or `data`), plain or
 * as a `data:` URL. A voice note is `type: "voice"` / `"ptt"`, or audio marked `voice`/`ptt: true`.
 */
export function readIncomingMedia(data: IDataObject): IncomingMedia | undefined {
	const declaredType = asString(data.type)?.toLowerCase();
	const type = declaredType === undefined ? undefined : INCOMING_MEDIA_TYPES[declaredType];
	if (!type || !declaredType) return undefined;
	const candidates = [data[declaredType], data[type], data.content, data.media, data];
	for (const candidate of candidates) {
		if (!isObject(candidate)) continue;
		const source = mediaSource(candidate);
		if (!source) continue;
		const voice =
			declaredType === 'voice' ||
			declaredType === 'ptt' ||
			candidate.voice === true ||
			candidate.ptt === true;
		return {
			type,
			voice,
			source,
			mimeType: firstString(candidate, MEDIA_FIELDS.mimeType) ?? dataUrlMimeType(source),
			fileName: firstString(candidate, MEDIA_FIELDS.fileName),
			size: firstSize(candidate),
			caption: firstString(candidate, MEDIA_FIELDS.caption),
		};
	}
	return undefined;
}

function mediaSource(media: IDataObject): IncomingMediaSource | undefined {
	const url = firstString(media, MEDIA_FIELDS.url);
	if (url !== undefined) return url.startsWith('data:') ? { base64: url } : { url };
	const base64 = firstString(media, MEDIA_FIELDS.base64);
	return base64 === undefined ? undefined : { base64 };
}

/** `data:audio/ogg;base64,…` names its MIME type. */
function dataUrlMimeType(source: IncomingMediaSource): string | undefined {
	if (!('base64' in source)) return undefined;
	return /^data:([\w.+-]+\/[\w.+-]+)/.exec(source.base64)?.[1];
}

function firstString(object: IDataObject, names: readonly string[]): string | undefined {
	for (const name of names) {
		const value = asString(object[name]);
		if (value !== undefined) return value;
	}
	return undefined;
}

/** A declared size in bytes: a number, or digits as text (WhatsApp's `fileLength` is a string). */
function firstSize(object: IDataObject): number | undefined {
	for (const name of MEDIA_FIELDS.size) {
		const size = toNumber(object[name]);
		if (size !== undefined && size >= 0) return size;
	}
	return undefined;
}

// ---------------------------------------------------------------------------------------------
// Answers to a question (Send and Wait, docs/wire-format.md "Replies Send and Wait reads").

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
	const text = typeof content === 'string' ? content : isObject(content) ? asString(content.body) : undefined;
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
	const content = data.content;
	const text = typeof content === 'string' ? content : isObject(content) ? asString(content.body) : undefined;
	return {
		ids: [data.id, data.message_id].filter((id): id is string => asString(id) !== undefined),
		incoming: ['in', 'incoming', 'inbound'].includes(direction),
		from: data.from,
		sessionId: data.session_id,
		createdAt: data.created_at ?? data.received_at ?? data.timestamp,
		text,
	};
}
