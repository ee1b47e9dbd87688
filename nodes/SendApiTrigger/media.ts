/**
 * The file of an incoming media message, as n8n binary data on the item. Whatever happens here the
 * event is not lost: a file that cannot be had (too large, a broken link, a time-out) leaves the
 * item without binary and with `media_error` saying why, and the workflow still starts.
 */
import type { IDataObject, INodeExecutionData, INodeProperties, IWebhookFunctions } from 'n8n-workflow';

import type { IncomingMedia } from '../SendApi/transport/wire/incomingMedia';
import { readIncomingMedia } from '../SendApi/transport/wire/incomingMedia';
import { fetchMedia, tooLarge } from '../SendApi/transport/mediaDownload';
import { usualExtension } from '../SendApi/transport/mime';
import type { SendApiEvent } from './helpers';

export const DEFAULT_MAX_MEDIA_MB = 25;
const BYTES_PER_MB = 1024 * 1024;

export const mediaProperties: INodeProperties[] = [
	{
		displayName: 'Download Media',
		name: 'downloadMedia',
		type: 'boolean',
		default: true,
		description:
			'Whether to download the file of an incoming image, video, audio or voice note, document or sticker (Message Received) and pass it on as binary data',
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		hint: 'The name of the output binary field to put the file in',
		displayOptions: { show: { downloadMedia: [true] } },
	},
	{
		displayName: 'Max Media Size (MB)',
		name: 'maxMediaSize',
		type: 'number',
		default: DEFAULT_MAX_MEDIA_MB,
		typeOptions: { minValue: 0.01, numberPrecision: 2 },
		description:
			'Larger files are not downloaded: the workflow still starts, with media_error saying why',
		displayOptions: { show: { downloadMedia: [true] } },
	},
];

interface MediaSettings {
	download: boolean;
	binaryPropertyName: string;
	maxBytes: number;
}

function mediaSettings(context: IWebhookFunctions): MediaSettings {
	const maxMb = Number(context.getNodeParameter('maxMediaSize', DEFAULT_MAX_MEDIA_MB));
	const property = String(context.getNodeParameter('binaryPropertyName', 'data') ?? '').trim();
	return {
		download: context.getNodeParameter('downloadMedia', true) !== false,
		binaryPropertyName: property || 'data',
		maxBytes: Math.floor((Number.isFinite(maxMb) && maxMb > 0 ? maxMb : DEFAULT_MAX_MEDIA_MB) * BYTES_PER_MB),
	};
}

/**
 * The workflow's item for a delivery: `json` as given, plus, for an incoming media message with
 * Download Media on, `media` (type, MIME type, file name, size) and the file as binary, or
 * `media_error`. Never throws.
 */
export async function withMedia(
	this: IWebhookFunctions,
	delivery: SendApiEvent,
	json: IDataObject,
): Promise<INodeExecutionData> {
	if (delivery.event !== 'message.received') return { json };
	const media = readIncomingMedia(delivery.data);
	if (!media) return { json };
	if (json.text === undefined && media.caption !== undefined) json.text = media.caption;
	json.media = describeMedia(media);
	try {
		const settings = mediaSettings(this);
		if (!settings.download) return { json };
		return await downloadInto.call(this, media, json, settings);
	} catch (error) {
		json.media_error = `The media could not be read: ${(error as Error).message}`;
		return { json };
	}
}

async function downloadInto(
	this: IWebhookFunctions,
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
