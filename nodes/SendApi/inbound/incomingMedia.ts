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
import { usualExtension } from '../transport/mime';
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

	const mimeType = media.mimeType ?? download.mimeType ?? 'application/octet-stream';
	const fileName = mediaFileName(media, download.fileName, String(json.message_id ?? ''), mimeType);
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
 * Content-Disposition); for every other type `<message id>.<extension of its MIME type>`, since
 * WhatsApp photos and voice notes have no name worth keeping.
 */
export function mediaFileName(
	media: Pick<IncomingMedia, 'type' | 'fileName'>,
	downloadedName: string | undefined,
	messageId: string,
	mimeType: string,
): string {
	const senderName = media.fileName ?? downloadedName;
	if (media.type === 'document' && senderName) return senderName;
	const base = messageId.replace(/[^\w.-]+/g, '_') || media.type;
	return `${base}.${extensionFor(mimeType)}`;
}

/** A known MIME type's usual extension, else its plain subtype (`image/heic` → heic), else `bin`. */
function extensionFor(mimeType: string): string {
	const known = usualExtension(mimeType);
	if (known) return known;
	const subtype = /^[\w.+-]+\/([\w-]+)$/.exec(mimeType)?.[1];
	return subtype && subtype !== 'octet-stream' ? subtype.toLowerCase() : 'bin';
}
