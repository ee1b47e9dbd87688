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
	/** Undefined: the event names no MIME type and the download says application/octet-stream. */
	mimeType?: string;
	fileName?: string;
	/** Send `Content-Length` (default true); false answers chunked, so only reading tells the size. */
	declareLength: boolean;
	host: 'sendapi' | 'public';
	/** Send the headers and the first bytes, then hold the rest until the client closes (a stuck link). */
	stall: boolean;
}

/** One download of a stored file, as the serving side saw it end. */
export interface MediaDownloadLog {
	fileId: string;
	/** `complete`: every byte was written; `closed_by_client`: the client closed the connection first. */
	end: 'open' | 'complete' | 'closed_by_client';
}

export interface SampleFile {
	bytes: Buffer;
	/** Undefined: no MIME type anywhere (the event has none, the download is application/octet-stream). */
	mimeType?: string;
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
			// What WhatsApp reports for a voice note.
			return { bytes: voiceNote(), mimeType: 'audio/ogg; codecs=opus' };
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
	/** The link ends in this file extension, e.g. `pdf` (default: the link has none). */
	linkExtension?: string;
	/** The download sends its headers and first bytes, then holds the rest (default false). */
	stall?: boolean;
	/**
	 * How a voice note is marked: `voice: true` on the audio (default), or WhatsApp's own message
	 * type `ptt` ("push to talk") with no flag.
	 */
	voiceAs?: 'voice' | 'ptt';
	caption?: string;
}

/** Where a stored file can be fetched, given the two servers' origins. */
export interface MediaOrigins {
	sendapi: string;
	public: string;
}

export class MediaStore {
	readonly files = new Map<string, MediaFile>();
	/** Every download of a stored file, in order, on either host. */
	readonly downloads: MediaDownloadLog[] = [];
	private seq = 0;

	clear(): void {
		this.files.clear();
		this.downloads.length = 0;
	}

	/** A download of `file` starts: its log entry, which the server updates when it ends. */
	logDownload(file: MediaFile): MediaDownloadLog {
		const entry: MediaDownloadLog = { fileId: file.id, end: 'open' };
		this.downloads.push(entry);
		return entry;
	}

	add(
		file: SampleFile,
		host: 'sendapi' | 'public',
		declareLength = true,
		stall = false,
		extension?: string,
	): MediaFile {
		const name = `media_${++this.seq}_${Date.now().toString(36)}`;
		const id = extension === undefined ? name : `${name}.${extension}`;
		const stored: MediaFile = {
			id,
			bytes: file.bytes,
			mimeType: file.mimeType,
			fileName: file.fileName,
			declareLength,
			host,
			stall,
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
		const media: Record<string, unknown> = this.source(options, file, origins);
		if (file.mimeType !== undefined) media.mime_type = file.mimeType;
		if (file.fileName !== undefined) media.filename = file.fileName;
		if (options.declareSize !== false) media.size = file.bytes.length;
		if (options.caption !== undefined) media.caption = options.caption;
		const ptt = options.type === 'voice' && options.voiceAs === 'ptt';
		const type = ptt ? 'ptt' : options.type === 'voice' ? 'audio' : options.type;
		if (options.type === 'voice' && !ptt) media.voice = true;
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
			return {
				base64: `data:${file.mimeType ?? 'application/octet-stream'};base64,${file.bytes.toString('base64')}`,
			};
		const host = options.host ?? 'sendapi';
		if (options.broken)
			return { url: `${origins.sendapi}/v1/whatsapp/media/media_missing_${++this.seq}` };
		const stored = this.add(
			file,
			'public',
			options.declareLength,
			options.stall,
			options.linkExtension,
		);
		if (host === 'public') return { url: `${origins.public}/files/${stored.id}` };
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
