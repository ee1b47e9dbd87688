/**
 * The options for the file of an incoming media message, and reading them: the trigger's, and
 * Wait for Follow-up Messages' (which fetches a burst's files the same way).
 */
import type { INodeProperties } from 'n8n-workflow';

import type { MediaSettings } from './incomingMedia';

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

/** Reads one of the options above by name (a webhook's or an item's getNodeParameter). */
export type MediaOptionReader = (name: string, fallback: unknown) => unknown;

export function mediaSettings(read: MediaOptionReader): MediaSettings {
	const maxMb = Number(read('maxMediaSize', DEFAULT_MAX_MEDIA_MB));
	const property = String(read('binaryPropertyName', 'data') ?? '').trim();
	return {
		download: read('downloadMedia', true) !== false,
		binaryPropertyName: property || 'data',
		maxBytes: Math.floor(
			(Number.isFinite(maxMb) && maxMb > 0 ? maxMb : DEFAULT_MAX_MEDIA_MB) * BYTES_PER_MB,
		),
	};
}
