/**
 * The file of an incoming media message, as n8n binary data on the item. Whatever happens here the
 * event is not lost: a file that cannot be had (too large, a broken link, a time-out) leaves the
 * item without binary and with `media_error` saying why.
 */
import type { BinaryHelperFunctions, IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { SendApiContext } from '../transport';
import type { IncomingMedia } from '../transport/wire/incomingMedia';
import { readIncomingMedia } from '../transport/wire/incomingMedia';
import { fetchMedia, tooLarge } from '../transport/mediaDownload';
import {
	mimeEssence,
	mimeTypeOfBytes,
	mimeTypeOfExtension,
	usualExtension,
} from '../transport/mime';
import type { SendApiEvent } from './event';

/** A webhook call or an execution alike: it downloads through the transport and keeps binary data. */
export type IncomingMediaContext = SendApiContext & {
	helpers: Pick<BinaryHelperFunctions, 'prepareBinaryData'>;
};

/** What the node's media options say. */
export interface MediaSettings {
	download: boolean;
	binaryPropertyName: string;
	maxBytes: number;
}

/**
 * The item for an event: `json` as given, plus, for an incoming media message, `media` (type,
 * MIME type, file name, size) and, when the settings say download, the file as binary or
 * `media_error`. The settings are read only for a media message, and a failure to read them is a
 * `media_error` too. Never throws.
 */
export async function withMedia(
	this: IncomingMediaContext,
	delivery: SendApiEvent,
	json: IDataObject,
	readSettings: () => MediaSettings,
): Promise<INodeExecutionData> {
	if (delivery.event !== 'message.received') return { json };
	const media = readIncomingMedia(delivery.data);
	if (!media) return { json };
	if (json.text === undefined && media.caption !== undefined) json.text = media.caption;
	json.media = describeMedia(media);
	try {
		const settings = readSettings();
		if (!settings.download) return { json };
		return await downloadInto.call(this, media, json, settings);
	} catch (error) {
		json.media_error = `The media could not be read: ${(error as Error).message}`;
		return { json };
	}
}

async function downloadInto(
	this: IncomingMediaContext,
	media: IncomingMedia,
	json: IDataObject,
	settings: MediaSettings,
): Promise<INodeExecutionData> {
	if (media.size !== undefined && media.size > settings.maxBytes) {
		return withError(json, tooLarge(media.size, settings.maxBytes));
	}
	const download = await fetchMedia.call(this, media.source, { maxBytes: settings.maxBytes });
	if (!download.ok) return withError(json, download);

	const { mimeType, extension } = fileType(media, download.data, download.mimeType);
	const fileName = mediaFileName(
		media,
		download.fileName,
		String(json.message_id ?? ''),
		extension,
	);
	const binary = await this.helpers.prepareBinaryData(download.data, fileName, mimeType);
	json.media = {
		...(json.media as IDataObject),
		mime_type: mimeType,
		file_name: fileName,
		size: download.data.length,
	};
	return { json, binary: { [settings.binaryPropertyName]: binary } };
}

function withError(json: IDataObject, failure: { message: string }): INodeExecutionData {
	json.media_error = failure.message;
	return { json };
}

/** What the event says about the file, before (or without) downloading it. */
function describeMedia(media: IncomingMedia): IDataObject {
	const described: IDataObject = { type: media.type, voice: media.voice };
	if (media.mimeType !== undefined) described.mime_type = media.mimeType;
	if (media.fileName !== undefined) described.file_name = media.fileName;
	if (media.size !== undefined) described.size = media.size;
	if ('url' in media.source) described.url = media.source.url;
	return described;
}

/**
 * The sender's file name for a document (from the event, else the download's
 * Content-Disposition); for every other type `<message id>.<extension>`, since WhatsApp photos and
 * voice notes have no name worth keeping.
 */
export function mediaFileName(
	media: Pick<IncomingMedia, 'type' | 'fileName'>,
	downloadedName: string | undefined,
	messageId: string,
	extension: string,
): string {
	const senderName = media.fileName ?? downloadedName;
	if (media.type === 'document' && senderName) return senderName;
	const base = messageId.replace(/[^\w.-]+/g, '_') || media.type;
	return `${base}.${extension}`;
}

/**
 * The file's MIME type (as declared, parameters kept) and extension. Transcription services pick
 * the format by the extension, so it comes from the first that knows: the declared MIME type
 * without its parameters (`audio/ogg; codecs=opus` → ogg), the link's own extension, the file's
 * first bytes, the declared subtype (`image/heic` → heic); else `bin`.
 */
export function fileType(
	media: Pick<IncomingMedia, 'mimeType' | 'source'>,
	bytes: Uint8Array,
	downloadedMimeType?: string,
): { mimeType: string; extension: string } {
	const declared = [media.mimeType, downloadedMimeType].find(isKnownType);
	const linked = linkExtension(media.source);
	const sniffed = mimeTypeOfBytes(bytes);
	const extension =
		(declared && usualExtension(declared)) ??
		linked ??
		(sniffed && usualExtension(sniffed)) ??
		(declared && plainSubtype(declared)) ??
		'bin';
	const mimeType =
		declared ?? (linked && mimeTypeOfExtension(linked)) ?? sniffed ?? 'application/octet-stream';
	return { mimeType, extension };
}

/** A MIME type that says something: present, and not the "any bytes" application/octet-stream. */
function isKnownType(mimeType: string | undefined): mimeType is string {
	return (
		mimeType !== undefined && !['', 'application/octet-stream'].includes(mimeEssence(mimeType))
	);
}

/** The link's extension when the MIME table knows it (`…/file.pdf?sig=…` → pdf). */
function linkExtension(source: IncomingMedia['source']): string | undefined {
	if (!('url' in source)) return undefined;
	let path: string;
	try {
		path = new URL(source.url).pathname;
	} catch {
		return undefined;
	}
	const extension = /\.([a-z0-9]{1,5})$/i.exec(path)?.[1].toLowerCase();
	return extension && mimeTypeOfExtension(extension) ? extension : undefined;
}

/** `image/heic` → heic. */
function plainSubtype(mimeType: string): string | undefined {
	return /^[\w.+-]+\/([\w-]+)$/.exec(mimeEssence(mimeType))?.[1];
}
