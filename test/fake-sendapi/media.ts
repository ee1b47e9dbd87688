/**
 * Incoming media for the fake SendApi: the files its incoming messages link to, the sample files,
 * and the event `data` of an incoming media message in each shape the package reads
 * (docs/wire-format.md, "Incoming media": undocumented by SendApi, so these are our guesses too).
 *
 * Files live in one of two places:
 * - `sendapi`: on the fake's own host, `GET /v1/whatsapp/media/<id>`, which wants the API key
 *   (a link on SendApi's host is assumed to be as protected as the rest of its API);
 * - `public`: on a second server (another port, so another origin), `GET /files/<id>`, no key
 *   (a CDN or storage bucket). It logs every request so tests can see no key was sent there.
 * `redirect`: the link is on the fake's host and answers 302 to the file on the public server.
 */
import { qrPng } from './png';

export type IncomingMediaType = 'image' | 'video' | 'audio' | 'voice' | 'document' | 'sticker';
/** Where in the event the media object sits (see `readIncomingMedia` in transport/wire/incomingMedia.ts). */
export type IncomingMediaShape = 'typed' | 'content' | 'media' | 'flat';
export type MediaHost = 'sendapi' | 'public' | 'redirect';

export interface MediaFile {
	id: string;
	bytes: Buffer;
	mimeType: string;
	fileName?: string;
	/** Send `Content-Length` (default true); false answers chunked, so only reading tells the size. */
	declareLength: boolean;
	host: 'sendapi' | 'public';
}

export interface SampleFile {
	bytes: Buffer;
	mimeType: string;
	fileName?: string;
}

/** A tiny Ogg/Opus-looking voice note: the Ogg capture pattern and the OpusHead marker, then noise. */
function voiceNote(): Buffer {
	const head = Buffer.concat([
		Buffer.from('OggS\0\x02', 'latin1'),
		Buffer.alloc(20),
		Buffer.from('OpusHead\x01\x01', 'latin1'),
	]);
	const body = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 37 + 11) % 256));
	return Buffer.concat([head, body]);
}

function pdf(): Buffer {
	return Buffer.from(
		'%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n' +
			'trailer<</Root 1 0 R>>\n%%EOF\n',
		'latin1',
	);
}

/** The file each incoming media type sends unless a test gives its own. */
export function sampleFile(type: IncomingMediaType): SampleFile {
	switch (type) {
		case 'image':
		case 'sticker':
			return {
				bytes: qrPng(`incoming-${type}`),
				mimeType: type === 'sticker' ? 'image/webp' : 'image/png',
			};
		case 'voice':
			return { bytes: voiceNote(), mimeType: 'audio/ogg' };
		case 'audio':
			return { bytes: voiceNote(), mimeType: 'audio/mpeg' };
		case 'video':
			return {
				bytes: Buffer.concat([Buffer.from('\0\0\0\x18ftypmp42', 'latin1'), Buffer.alloc(200, 7)]),
				mimeType: 'video/mp4',
			};
		case 'document':
			return { bytes: pdf(), mimeType: 'application/pdf', fileName: 'Invoice 2026-11.pdf' };
	}
}

export interface IncomingMediaOptions {
	type: IncomingMediaType;
	/** Default: `sampleFile(type)`. */
	file?: SampleFile;
	/** Default 'typed'. */
	shape?: IncomingMediaShape;
	/** 'link' (default) or the bytes in the event as base64 ('dataUrl': as a `data:` URL). */
	source?: 'link' | 'base64' | 'dataUrl';
	/** Where a link points (default 'sendapi'). */
	host?: MediaHost;
	/** The link answers 404 (the file is not stored). */
	broken?: boolean;
	/** Put `size` in the event (default true). */
	declareSize?: boolean;
	/** Answer the download with `Content-Length` (default true). */
	declareLength?: boolean;
	caption?: string;
}

/** Where a stored file can be fetched, given the two servers' origins. */
export interface MediaOrigins {
	sendapi: string;
	public: string;
}

export class MediaStore {
	readonly files = new Map<string, MediaFile>();
	private seq = 0;

	clear(): void {
		this.files.clear();
	}

	add(file: SampleFile, host: 'sendapi' | 'public', declareLength = true): MediaFile {
		const id = `media_${++this.seq}_${Date.now().toString(36)}`;
		const stored: MediaFile = {
			id,
			bytes: file.bytes,
			mimeType: file.mimeType,
			fileName: file.fileName,
			declareLength,
			host,
		};
		this.files.set(id, stored);
		return stored;
	}

	get(id: string, host: 'sendapi' | 'public'): MediaFile | undefined {
		const file = this.files.get(id);
		return file?.host === host ? file : undefined;
	}

	/**
	 * The `data` of a `message.received` for a media message (without message_id, session_id, from,
	 * received_at, which the caller adds), storing the file it links to.
	 */
	incomingData(options: IncomingMediaOptions, origins: MediaOrigins): Record<string, unknown> {
		const file = options.file ?? sampleFile(options.type);
		const media: Record<string, unknown> = {
			...this.source(options, file, origins),
			mime_type: file.mimeType,
		};
		if (file.fileName !== undefined) media.filename = file.fileName;
		if (options.declareSize !== false) media.size = file.bytes.length;
		if (options.caption !== undefined) media.caption = options.caption;
		const type = options.type === 'voice' ? 'audio' : options.type;
		if (options.type === 'voice') media.voice = true;
		switch (options.shape ?? 'typed') {
			case 'typed':
				return { type, [type]: media };
			case 'content':
				return { type, content: media };
			case 'media':
				return { type, media };
			case 'flat':
				return { type, ...flatten(media) };
		}
	}

	private source(
		options: IncomingMediaOptions,
		file: SampleFile,
		origins: MediaOrigins,
	): Record<string, unknown> {
		const source = options.source ?? 'link';
		if (source === 'base64') return { base64: file.bytes.toString('base64') };
		if (source === 'dataUrl')
			return { base64: `data:${file.mimeType};base64,${file.bytes.toString('base64')}` };
		const host = options.host ?? 'sendapi';
		if (options.broken)
			return { url: `${origins.sendapi}/v1/whatsapp/media/media_missing_${++this.seq}` };
		if (host === 'public')
			return {
				url: `${origins.public}/files/${this.add(file, 'public', options.declareLength).id}`,
			};
		const stored = this.add(file, 'public', options.declareLength);
		if (host === 'redirect')
			return { url: `${origins.sendapi}/v1/whatsapp/media/${stored.id}?redirect=1` };
		stored.host = 'sendapi';
		return { url: `${origins.sendapi}/v1/whatsapp/media/${stored.id}` };
	}
}

/** The flat shape names its link `media_url` and its bytes `base64`, beside `type`. */
function flatten(media: Record<string, unknown>): Record<string, unknown> {
	const { url, ...rest } = media;
	return url === undefined ? rest : { media_url: url, ...rest };
}
