/**
 * Downloading the file of an incoming WhatsApp message. Part of the transport because it is HTTP
 * and may carry the credential. The rule: the API key goes only to the credential's own origin
 * (scheme, host and port of its Base URL), through httpRequestWithAuthentication; any other link
 * (a CDN, a storage bucket) is fetched with the plain `this.helpers.httpRequest`, so the key never
 * reaches a third party. n8n's verification gate accepts the plain request because it is not made
 * in a function that reads the credential (its rule `no-http-request-with-manual-auth`).
 *
 * The download is bounded: a declared `Content-Length` above the limit is refused before any byte
 * is read (and its connection closed at once), and the body is read as a stream that is cut off
 * once it passes the limit, so a server that declares nothing (or lies) cannot make n8n hold more
 * than the limit. A download that takes longer than the time-out says so.
 */
import type { IHttpRequestOptions } from 'n8n-workflow';

import type { IncomingMediaSource } from './wire/incomingMedia';
import type { SendApiContext } from './index';
import { baseUrl, CREDENTIAL_TYPE, lowerCaseKeys } from './index';

/** How long one download may take (SendApi waits for the webhook's answer meanwhile). */
export const MEDIA_TIMEOUT_MS = 20_000;

export type MediaFailureReason =
	'too_large' | 'not_found' | 'http_error' | 'network' | 'timeout' | 'invalid';

export interface MediaFailure {
	ok: false;
	reason: MediaFailureReason;
	message: string;
	status?: number;
}

export type MediaDownload =
	{ ok: true; data: Buffer; mimeType?: string; fileName?: string } | MediaFailure;

/** What n8n hands back for `encoding: 'stream'` (a Node readable; node code may not import `stream`). */
interface ByteStream extends AsyncIterable<unknown> {
	destroy(): void;
	on?(event: 'error', listener: () => void): unknown;
}

export interface MediaDownloadOptions {
	maxBytes: number;
	timeoutMs?: number;
}

interface RawResponse {
	statusCode: number;
	headers: Record<string, unknown>;
	body: unknown;
}

/** The bytes of a media source: decoded from the event, or downloaded from its link. */
export async function fetchMedia(
	this: SendApiContext,
	source: IncomingMediaSource,
	options: MediaDownloadOptions,
): Promise<MediaDownload> {
	if ('base64' in source) return decodeBase64Media(source.base64, options.maxBytes);
	const url = parseHttpUrl(source.url);
	if (!url) return failure('invalid', `The media link is not an http(s) URL: ${source.url}`);
	const withKey = await isCredentialOrigin.call(this, url);
	const timeoutMs = options.timeoutMs ?? MEDIA_TIMEOUT_MS;
	// Aborting the request is what closes its connection: n8n may hand the body back wrapped in a
	// stream whose destroy() never reaches the socket before the first read.
	const connection = new AbortController();
	const request = mediaRequest(url, timeoutMs, connection.signal);
	const started = Date.now();
	try {
		const response = withKey
			? await requestWithCredential.call(this, request)
			: await requestWithoutCredential.call(this, request);
		return await readMediaResponse(response, url, options.maxBytes, () => connection.abort());
	} catch (error) {
		return downloadFailure(error as Error, url, Date.now() - started, timeoutMs);
	}
}

/**
 * A request that failed or broke off. n8n's time-out surfaces as `ECONNABORTED`/`ETIMEDOUT` before
 * the answer, and as a plain `aborted` while its body is read: both are reported as the time-out
 * once it has passed.
 */
function downloadFailure(
	error: Error,
	url: URL,
	elapsedMs: number,
	timeoutMs: number,
): MediaFailure {
	const code = (error as { code?: string }).code;
	const timedOut =
		code === 'ECONNABORTED' ||
		code === 'ETIMEDOUT' ||
		/\btime(?:d)?[- ]?out\b/i.test(error.message) ||
		elapsedMs >= timeoutMs;
	const where = `Could not download the media from ${url.host}`;
	if (timedOut)
		return failure('timeout', `${where}: it timed out after ${formatSeconds(timeoutMs)}`);
	return failure('network', `${where} (${code ?? error.message})`);
}

function formatSeconds(ms: number): string {
	return `${Number((ms / 1000).toFixed(1))} s`;
}

/** Whether the link is on the credential's Base URL origin, the only one given the API key. */
async function isCredentialOrigin(this: SendApiContext, url: URL): Promise<boolean> {
	const base = parseHttpUrl(await baseUrl.call(this));
	return base !== undefined && base.origin === url.origin;
}

function mediaRequest(url: URL, timeoutMs: number, signal: AbortSignal): IHttpRequestOptions {
	return {
		method: 'GET',
		url: url.toString(),
		encoding: 'stream',
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: timeoutMs,
		abortSignal: signal,
		// A link on SendApi's host may redirect to storage elsewhere: the key stays behind.
		sendCredentialsOnCrossOriginRedirect: false,
	};
}

async function requestWithCredential(
	this: SendApiContext,
	request: IHttpRequestOptions,
): Promise<RawResponse> {
	return (await this.helpers.httpRequestWithAuthentication.call(
		this,
		CREDENTIAL_TYPE,
		request,
	)) as RawResponse;
}

/** Deliberately unauthenticated: the link is not SendApi's, so it must not see the API key. */
async function requestWithoutCredential(
	this: SendApiContext,
	request: IHttpRequestOptions,
): Promise<RawResponse> {
	return (await this.helpers.httpRequest(request)) as RawResponse;
}

async function readMediaResponse(
	response: RawResponse,
	url: URL,
	maxBytes: number,
	closeConnection: () => void,
): Promise<MediaDownload> {
	const headers = lowerCaseKeys(response.headers ?? {});
	const status = response.statusCode;
	const discard = () => discardBody(response.body, closeConnection);
	if (status < 200 || status >= 300) {
		discard();
		const reason = status === 404 || status === 410 ? 'not_found' : 'http_error';
		return failure(
			reason,
			`The media link answered HTTP ${status} (${url.host}${url.pathname})`,
			status,
		);
	}
	const declared = Number(headers['content-length']);
	if (Number.isFinite(declared) && declared > maxBytes) {
		discard();
		return tooLarge(declared, maxBytes);
	}
	const read = await readBounded(response.body, maxBytes);
	if (read === 'too_large') return tooLarge(undefined, maxBytes);
	return {
		ok: true,
		data: read,
		mimeType: contentType(headers['content-type']),
		fileName: dispositionFileName(headers['content-disposition']),
	};
}

/** The body's bytes, or `too_large` as soon as more than `maxBytes` arrived (then the rest is dropped). */
async function readBounded(body: unknown, maxBytes: number): Promise<Buffer | 'too_large'> {
	if (Buffer.isBuffer(body)) return body.length > maxBytes ? 'too_large' : body;
	if (typeof body === 'string') return readBounded(Buffer.from(body), maxBytes);
	if (!isReadable(body)) return Buffer.alloc(0);
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of body) {
		const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
		size += bytes.length;
		if (size > maxBytes) {
			body.destroy();
			return 'too_large';
		}
		chunks.push(bytes);
	}
	return Buffer.concat(chunks);
}

/** Bytes sent in the event itself: `data:<mime>;base64,…` or bare base64. */
export function decodeBase64Media(value: string, maxBytes: number): MediaDownload {
	const match = /^data:[^,]*?;base64,/.exec(value);
	const payload = (match ? value.slice(match[0].length) : value).replace(/\s+/g, '');
	// 4 base64 characters carry 3 bytes: refuse an oversized file before decoding it.
	const estimated = Math.floor((payload.length * 3) / 4);
	if (estimated - 2 > maxBytes) return tooLarge(estimated, maxBytes);
	if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(payload) || payload.length === 0) {
		return failure('invalid', 'The media in the event is not valid base64');
	}
	const data = Buffer.from(payload, 'base64');
	if (data.length > maxBytes) return tooLarge(data.length, maxBytes);
	return { ok: true, data };
}

export function tooLarge(size: number | undefined, maxBytes: number): MediaFailure {
	const what =
		size === undefined ? 'The file is larger' : `The file (${formatBytes(size)}) is larger`;
	return failure(
		'too_large',
		`${what} than the Max Media Size of ${formatBytes(maxBytes)}: not downloaded`,
	);
}

export function formatBytes(bytes: number): string {
	if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(2))} MB`;
	if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
	return `${bytes} bytes`;
}

function failure(reason: MediaFailureReason, message: string, status?: number): MediaFailure {
	return status === undefined
		? { ok: false, reason, message }
		: { ok: false, reason, message, status };
}

function parseHttpUrl(value: string): URL | undefined {
	try {
		const url = new URL(value);
		return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
	} catch {
		return undefined;
	}
}

function contentType(value: unknown): string | undefined {
	const type = typeof value === 'string' ? value.split(';')[0].trim().toLowerCase() : '';
	return type && type !== 'application/octet-stream' ? type : undefined;
}

/** `attachment; filename="invoice.pdf"` (or RFC 5987 `filename*=UTF-8''…`). */
function dispositionFileName(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	const extended = /filename\*\s*=\s*[^']*'[^']*'([^;]+)/i.exec(value);
	if (extended) {
		try {
			return decodeURIComponent(extended[1].trim());
		} catch {
			return undefined;
		}
	}
	const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(value);
	return plain?.[1].trim() || undefined;
}

function isReadable(value: unknown): value is ByteStream {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as ByteStream).destroy === 'function' &&
		Symbol.asyncIterator in value
	);
}

/** Drops an unread body: the connection is closed first, then the stream (whose abort error is expected). */
function discardBody(body: unknown, closeConnection: () => void): void {
	if (isReadable(body)) body.on?.('error', () => undefined);
	closeConnection();
	if (isReadable(body)) body.destroy();
}
