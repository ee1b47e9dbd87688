/**
 * Image, video, audio and document messages: a public link, or a file sent as base64 whose MIME
 * type must fit the message type (documents take anything).
 */
import type { MediaContent, MessageContent, MessageType } from '../transport/wire/messageBodies';
import { mimeTypeOfExtension, usualExtension } from '../transport/mime';
import type { MediaInput, MessageInput } from './input';
import { FIELD_LABELS, MessageInputError } from './inputError';
import { optionalText } from './values';

const MIME_TYPE = /^[\w.+-]+\/[\w.+-]+$/;

/** What a message type needs its file to be; documents take anything. */
const MEDIA_FAMILY: Partial<Record<MessageType, string>> = {
	image: 'image',
	video: 'video',
	audio: 'audio',
};

export function validateImageOrVideo(
	input: Extract<MessageInput, { type: 'image' | 'video' }>,
): MessageContent {
	return {
		type: input.type,
		media: validateMedia(input.type, input.media),
		caption: optionalText(input.caption),
	};
}

export function validateAudio(input: Extract<MessageInput, { type: 'audio' }>): MessageContent {
	return { type: 'audio', media: validateMedia('audio', input.media) };
}

export function validateDocument(
	input: Extract<MessageInput, { type: 'document' }>,
): MessageContent {
	const media = validateMedia('document', input.media);
	const fileName =
		optionalText(input.fileName) ??
		('fileName' in media ? media.fileName : fileNameFromUrl(media.url));
	if (!fileName) {
		throw new MessageInputError(
			FIELD_LABELS.fileName,
			'is empty',
			'A document needs a file name with its extension, e.g. invoice.pdf.',
			'fileName',
		);
	}
	return { type: 'document', media, fileName, caption: optionalText(input.caption) };
}

function validateMedia(type: MessageType, media: MediaInput): MediaContent {
	if (media.source === 'url') return { url: requireUrl(media.url) };
	const property = media.property ?? 'data';
	const label = FIELD_LABELS.binaryPropertyName;
	if (!media.base64) {
		throw new MessageInputError(
			label,
			`"${property}" is an empty file`,
			undefined,
			'binaryPropertyName',
		);
	}
	const fileName = optionalText(media.fileName);
	const mimeType = resolveMimeType(media.mimeType, fileName);
	const family = MEDIA_FAMILY[type];
	if (family && mimeType !== 'application/octet-stream' && !mimeType.startsWith(`${family}/`)) {
		throw new MessageInputError(
			label,
			`"${property}" holds ${fileName ? `"${fileName}" (${mimeType})` : mimeType}, not ${anArticle(family)} ${family}`,
			`Pick the binary field that holds the ${family}, or send it as a Document.`,
			'binaryPropertyName',
		);
	}
	return {
		base64: media.base64,
		mimeType,
		fileName: fileName ?? `${type}${extensionFor(mimeType)}`,
	};
}

/** n8n reports unknown files as application/octet-stream; the file name often knows better. */
function resolveMimeType(mimeType: string | undefined, fileName: string | undefined): string {
	const declared = (mimeType ?? '').split(';')[0].trim().toLowerCase();
	if (MIME_TYPE.test(declared) && declared !== 'application/octet-stream') return declared;
	const extension = fileName?.split('.').pop() ?? '';
	return mimeTypeOfExtension(extension) ?? 'application/octet-stream';
}

function extensionFor(mimeType: string): string {
	const extension = usualExtension(mimeType);
	return extension ? `.${extension}` : '';
}

function requireUrl(value: unknown): string {
	const text = typeof value === 'string' ? value.trim() : '';
	const fix =
		'Enter a public http(s) link SendApi can download, or switch Media Source to Binary Field.';
	if (text === '') throw new MessageInputError(FIELD_LABELS.mediaUrl, 'is empty', fix, 'url');
	let url: URL | undefined;
	try {
		url = new URL(text);
	} catch {
		url = undefined;
	}
	if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
		throw new MessageInputError(
			FIELD_LABELS.mediaUrl,
			`"${text}" is not an http(s) URL`,
			fix,
			'url',
		);
	}
	return text;
}

function fileNameFromUrl(url: string): string | undefined {
	const last = new URL(url).pathname.split('/').pop() ?? '';
	try {
		return optionalText(decodeURIComponent(last));
	} catch {
		return optionalText(last);
	}
}

function anArticle(word: string): string {
	return /^[aeiou]/.test(word) ? 'an' : 'a';
}
