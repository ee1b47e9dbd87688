/**
 * The file of an incoming message. SendApi documents `message.received` with `content: {body}` for
 * text only: how an image, voice note or document arrives is OUR GUESS. Every likely shape is read
 * here and nowhere else; the trigger only asks `readIncomingMedia`. docs/wire-format.md ("Incoming
 * media") lists the shapes.
 */
import type { IDataObject } from 'n8n-workflow';

import { isObject } from '../json';
import { asString, toNumber } from './fieldValues';

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
