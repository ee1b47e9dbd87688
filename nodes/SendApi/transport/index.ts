/**
 * The only module that talks HTTP to SendApi. It owns the base URL, authentication (through the
 * credential's `authenticate`, applied by n8n's httpRequestWithAuthentication), idempotency keys,
 * envelope unwrapping, error mapping, retries and pagination.
 */
import { createHash, randomUUID } from 'crypto';
import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';

import { isObject } from './json';

import { MAX_PAGE_SIZE, readListItems, readPageMeta, unwrapEnvelope } from './wire/envelope';
import { readErrorBody } from './wire/errorBody';
import { stringifyIds } from './wire/ids';
import { toNodeApiError } from './errors';
import type { RateLimitState } from './retryPolicy';
import { backoffDelayMs, MAX_RETRY_AFTER_MS, readRateLimit, retryAfterMs } from './retryPolicy';

export type SendApiContext =
	IExecuteFunctions | ILoadOptionsFunctions | IHookFunctions | IWebhookFunctions;

export const CREDENTIAL_TYPE = 'sendApiApi';
export const DEFAULT_BASE_URL = 'https://sendapi.co/v1';

/**
 * Retry settings. Module-level so tests can shorten the waits; nodes never change them.
 * `maxAttempts` counts the first try.
 */
export const retrySettings = {
	maxAttempts: 5,
	requestTimeoutMs: 30_000,
	backoff: backoffDelayMs,
};

export interface ApiRequestOptions {
	body?: IDataObject;
	qs?: IDataObject;
	/** The input item this request serves: named in errors. */
	itemIndex?: number;
	/** POSTs get a key per item and request unless one is given (see `idempotencyKeyFor`). */
	idempotencyKey?: string;
	/** Answer these statuses instead of throwing (e.g. 404 while checking a webhook exists). */
	acceptStatuses?: number[];
}

export interface ApiResponse {
	status: number;
	headers: Record<string, unknown>;
	body: unknown;
	rateLimit?: RateLimitState;
}

/** The result of one attempt, classified so callers (retry loop, bulk engine) can decide. */
export type AttemptOutcome =
	| { kind: 'ok'; response: ApiResponse }
	| { kind: 'rateLimited'; error: NodeApiError; retryAfterMs?: number; response: ApiResponse }
	| { kind: 'retryable'; error: Error; response?: ApiResponse }
	| { kind: 'failed'; error: Error; response?: ApiResponse };

/** One HTTP exchange with SendApi, no retry. */
export async function attemptRequest(
	this: SendApiContext,
	method: IHttpRequestMethods,
	endpoint: string,
	options: ApiRequestOptions & { idempotencyKey?: string },
): Promise<AttemptOutcome> {
	const request = `${method} ${endpoint}`;
	const requestOptions: IHttpRequestOptions = {
		method,
		url: `${await baseUrl.call(this, options.itemIndex)}${endpoint}`,
		qs: options.qs,
		body: options.body,
		json: true,
		headers: options.idempotencyKey ? { 'Idempotency-Key': options.idempotencyKey } : {},
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: retrySettings.requestTimeoutMs,
	};

	let raw: { statusCode: number; headers: Record<string, unknown>; body: unknown };
	try {
		raw = await this.helpers.httpRequestWithAuthentication.call(
			this,
			CREDENTIAL_TYPE,
			requestOptions,
		);
	} catch (error) {
		if (error instanceof NodeOperationError || isCancelled(this)) return { kind: 'failed', error };
		return { kind: 'retryable', error: connectionError(this, error, request, options.itemIndex) };
	}

	const response: ApiResponse = {
		status: raw.statusCode,
		headers: lowerCaseKeys(raw.headers ?? {}),
		body: raw.body,
		rateLimit: undefined,
	};
	response.rateLimit = readRateLimit(response.headers);
	return classify(this, response, request, options);
}

function classify(
	context: SendApiContext,
	response: ApiResponse,
	request: string,
	options: ApiRequestOptions,
): AttemptOutcome {
	const { status } = response;
	// Every answer, success or error, is read with string ids (`stringifyIds`): what comes out of
	// an operation then has one id type whichever dialect the server speaks.
	const parsed = parseBody(response.body);
	const body = stringifyIds(parsed.value);
	if ((status >= 200 && status < 300) || options.acceptStatuses?.includes(status)) {
		if (parsed.ok) return { kind: 'ok', response: { ...response, body } };
		const error = new NodeApiError(
			context.getNode(),
			{ message: 'Malformed response', httpCode: String(status) },
			{
				message: 'SendApi sent an answer that is not valid JSON',
				description: `Request: ${request}. The request is retried with the same Idempotency-Key.`,
				itemIndex: options.itemIndex,
			},
		);
		return { kind: 'retryable', error, response };
	}

	const error = toNodeApiError(context.getNode(), {
		status,
		info: readErrorBody(body, response.headers),
		itemIndex: options.itemIndex,
		request,
	});
	if (status === 429) {
		return {
			kind: 'rateLimited',
			error,
			retryAfterMs: retryAfterMs(response.headers, Date.now()),
			response,
		};
	}
	if (status >= 500 || status === 408) return { kind: 'retryable', error, response };
	return { kind: 'failed', error, response };
}

/**
 * One logical request with retries: 429 waits `Retry-After` (capped), 5xx and connection errors
 * back off exponentially with jitter. A retry carries the same Idempotency-Key as long as an
 * attempt's answer may have been lost, so SendApi performs a POST at most once however often it is
 * retried; a request refused with every answer received was not performed, and its retry after a
 * 429 gets a new key (`KeyedAttempts`), which SendApi cannot answer with a kept refusal.
 */
export async function apiRequestFull(
	this: SendApiContext,
	method: IHttpRequestMethods,
	endpoint: string,
	options: ApiRequestOptions = {},
): Promise<ApiResponse> {
	const keyed =
		method === 'POST'
			? new KeyedAttempts(
					options.idempotencyKey ?? idempotencyKeyFor(this, method, endpoint, options),
				)
			: undefined;
	// A key the caller gave is the caller's to keep; only derived keys are renewed.
	const renew = options.idempotencyKey
		? undefined
		: () => idempotencyKeyFor(this, method, endpoint, options);
	for (let attempt = 1; ; attempt++) {
		const outcome = await attemptRequest.call(this, method, endpoint, {
			...options,
			idempotencyKey: keyed?.key,
		});
		if (outcome.kind === 'ok') return outcome.response;
		keyed?.note(outcome);
		if (outcome.kind === 'failed' || attempt >= retrySettings.maxAttempts) {
			if (renew) keyed?.forgetIfRefused(outcome);
			throw outcome.error;
		}

		const wait =
			outcome.kind === 'rateLimited' && outcome.retryAfterMs !== undefined
				? Math.min(outcome.retryAfterMs, MAX_RETRY_AFTER_MS)
				: retrySettings.backoff(attempt);
		if (renew && outcome.kind === 'rateLimited') keyed?.renewIfRefused(outcome, renew);
		await waitUnlessCancelled(this, wait);
		if (isCancelled(this)) throw outcome.error;
	}
}

/**
 * The Idempotency-Key of one logical request, and whether it must be kept: an attempt whose answer
 * was lost (connection error, 5xx, unreadable answer) may have been performed, and only its key can
 * tell, until SendApi answers the key with a kept refusal (`isReplayedRefusal`). Otherwise the
 * request was refused with nothing done, and a new key is safe: SendApi may keep refusals under
 * their key (undocumented), answering every retry with the stored 429.
 */
class KeyedAttempts {
	private unanswered = false;

	constructor(public key: string) {}

	note(outcome: AttemptOutcome): void {
		if (leftUnanswered(outcome)) this.unanswered = true;
		else if (isReplayedRefusal(outcome)) this.unanswered = false;
	}

	/** After a 429: a new key for the retry, unless an answer was lost. */
	renewIfRefused(outcome: AttemptOutcome, renew: () => string): void {
		if (this.unanswered) return;
		noteRefusal(this.key, outcome.response);
		this.key = renew();
	}

	/** Given up: n8n's Retry On Fail gets a new key, unless an answer was lost. */
	forgetIfRefused(outcome: AttemptOutcome): void {
		if (!this.unanswered) noteRefusal(this.key, outcome.response);
	}
}

/**
 * The attempt's answer was lost or is not SendApi's final word (connection error, time-out, 5xx,
 * unreadable answer): SendApi may have performed it. Shared by every retry path that decides
 * whether a key may change (this transport, Send Bulk's engine through its sender).
 */
export function leftUnanswered(outcome: AttemptOutcome): boolean {
	return outcome.kind === 'retryable';
}

/**
 * SendApi answered a refusal from its idempotency store (`Idempotent-Replayed: true`): what it
 * keeps under the key is a refusal, so nothing was performed under it, whatever was lost before.
 */
export function isReplayedRefusal(outcome: AttemptOutcome): boolean {
	if (outcome.kind !== 'rateLimited' && outcome.kind !== 'failed') return false;
	return String(outcome.response?.headers['idempotent-replayed']).toLowerCase() === 'true';
}

/**
 * A POST's Idempotency-Key when the caller has none. For an input item of a node run it is derived
 * from the execution, the node, its run index, the item and the request itself: n8n's "Retry On
 * Fail" runs the node again within the same execution, so items that already went out (or whose
 * answer was lost) carry the same key again and SendApi does not send them twice. A loop running
 * the node again (next run index), another item or a changed request gets a different key.
 * Anything else (no item, no execution id) gets a random key. Shaped as UUID v4, as SendApi asks.
 */
export function idempotencyKeyFor(
	context: SendApiContext,
	method: IHttpRequestMethods,
	endpoint: string,
	options: ApiRequestOptions,
): string {
	const identity = itemIdentity(context, options.itemIndex);
	if (!identity) return randomUUID();
	const request = JSON.stringify([
		identity,
		method,
		endpoint,
		options.qs ?? {},
		options.body ?? {},
	]);
	const derive = (round: number) =>
		uuidShaped(createHash('sha256').update(`${request}#${round}`).digest());
	let key = derive(0);
	for (let round = 1; refusedKeys.has(key); round++) key = derive(round);
	return key;
}

/**
 * Derived keys whose request SendApi refused with a 4xx answer (429 included), so nothing was done.
 * A retry (the transport's own after a 429, or n8n's Retry On Fail, the session may have
 * reconnected meanwhile) must be a new request: whether SendApi keeps a refusal under its key for
 * 24 h, and would only replay it, is undocumented. Memory of this process only, oldest forgotten first.
 */
const refusedKeys = new Set<string>();
const MAX_REFUSED_KEYS = 10_000;

function noteRefusal(key: string, response: ApiResponse | undefined): void {
	const status = response?.status;
	if (status === undefined || status < 400 || status >= 500 || status === 408) return;
	refusedKeys.add(key);
	if (refusedKeys.size > MAX_REFUSED_KEYS)
		refusedKeys.delete(refusedKeys.values().next().value as string);
}

function itemIdentity(
	context: SendApiContext,
	itemIndex: number | undefined,
): unknown[] | undefined {
	const execute = context as Partial<IExecuteFunctions>;
	if (itemIndex === undefined || typeof execute.getWorkflowDataProxy !== 'function')
		return undefined;
	const executionId = execute.getExecutionId?.();
	if (!executionId) return undefined;
	const runIndex = execute.getWorkflowDataProxy(itemIndex).$runIndex as unknown;
	const node = context.getNode();
	return [executionId, node.id ?? node.name, runIndex, itemIndex];
}

/** The first 16 bytes of a digest, with the UUID v4 version and variant bits set. */
export function uuidShaped(digest: Buffer): string {
	const bytes = Buffer.from(digest.subarray(0, 16));
	bytes[6] = (bytes[6] & 0x0f) | 0x40;
	bytes[8] = (bytes[8] & 0x3f) | 0x80;
	const hex = bytes.toString('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A request whose answer is unwrapped from SendApi's `{data: …}` envelope. An answer that is not
 * an object (empty, or a bare value) comes back as `{}` or `{value}` so callers always get JSON.
 */
export async function apiRequest(
	this: SendApiContext,
	method: IHttpRequestMethods,
	endpoint: string,
	options: ApiRequestOptions = {},
): Promise<IDataObject> {
	const response = await apiRequestFull.call(this, method, endpoint, options);
	const answer = unwrapEnvelope(response.body);
	if (isObject(answer)) return answer;
	return answer === undefined || answer === null || answer === ''
		? {}
		: { value: answer as IDataObject[string] };
}

/** One page of a list endpoint, with its `meta`. */
export async function apiRequestPage(
	this: SendApiContext,
	endpoint: string,
	qs: IDataObject,
	options: Omit<ApiRequestOptions, 'qs'> = {},
) {
	const response = await apiRequestFull.call(this, 'GET', endpoint, { ...options, qs });
	return { items: readListItems(response.body), meta: readPageMeta(response.body) };
}

/**
 * Return All: walks `page` 1…`last_page` with full pages. Stops early at `limit` items, or on a
 * short or empty page when SendApi sends no `meta` (so a missing meta cannot loop forever).
 */
export async function apiRequestAllItems(
	this: SendApiContext,
	endpoint: string,
	qs: IDataObject = {},
	options: Omit<ApiRequestOptions, 'qs'> & { limit?: number } = {},
): Promise<IDataObject[]> {
	const { limit, ...requestOptions } = options;
	const perPage = limit === undefined ? MAX_PAGE_SIZE : Math.min(MAX_PAGE_SIZE, Math.max(1, limit));
	const results: IDataObject[] = [];
	let previousFirstId: unknown;
	for (let page = 1; ; page++) {
		const { items, meta } = await apiRequestPage.call(
			this,
			endpoint,
			{ ...qs, page, per_page: perPage },
			requestOptions,
		);
		// A server that ignores `page` repeats page 1: stop instead of looping on it forever.
		if (
			page > 1 &&
			items.length > 0 &&
			items[0].id !== undefined &&
			items[0].id === previousFirstId
		)
			return results;
		previousFirstId = items[0]?.id;
		results.push(...items);
		if (limit !== undefined && results.length >= limit) return results.slice(0, limit);
		const lastPage = meta.lastPage ?? (items.length < perPage ? page : page + 1);
		if (items.length === 0 || page >= lastPage) return results;
	}
}

/** The credential's Base URL without a trailing slash (the API's root, and the origin trusted with the key). */
export async function baseUrl(this: SendApiContext, itemIndex?: number): Promise<string> {
	const credentials = await this.getCredentials<{ baseUrl?: string }>(CREDENTIAL_TYPE, itemIndex);
	const configured = (credentials.baseUrl ?? '').trim() || DEFAULT_BASE_URL;
	return configured.replace(/\/+$/, '');
}

function parseBody(body: unknown): { ok: boolean; value: unknown } {
	if (typeof body !== 'string') return { ok: true, value: body };
	if (body.trim() === '') return { ok: true, value: undefined };
	try {
		return { ok: true, value: JSON.parse(body) };
	} catch {
		return { ok: false, value: body };
	}
}

function connectionError(
	context: SendApiContext,
	error: Error,
	request: string,
	itemIndex?: number,
) {
	const cause = (error as { code?: string }).code ?? error.message;
	return new NodeApiError(
		context.getNode(),
		{ message: error.message, code: cause ?? null },
		{
			message: `Could not reach SendApi (${cause})`,
			description: `Request: ${request}. Check the credential Base URL and your network; the request was retried with the same Idempotency-Key.`,
			itemIndex,
		},
	);
}

/** Header names in lower case, so every lookup needs one spelling only. */
export function lowerCaseKeys(headers: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(
		Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]),
	);
}

/**
 * Asks n8n's own waiting URL of a Send and Wait execution whether it still waits (see
 * `verdictFromProbe` in wait/ownership.ts). The one request of this package that does not go to
 * SendApi: it must not carry the SendApi credential (the URL is n8n's, signed by n8n), so it uses
 * n8n's plain `httpRequest`. `undefined` when n8n did not answer (unreachable from itself, say).
 */
export async function probeWaitingUrl(
	this: IExecuteFunctions,
	url: string,
): Promise<{ status: number; body: unknown } | undefined> {
	try {
		const raw = (await this.helpers.httpRequest({
			method: 'GET',
			url,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: 10_000,
		})) as { statusCode: number; body: unknown };
		const body = Buffer.isBuffer(raw.body) ? raw.body.toString('utf8') : raw.body;
		return { status: raw.statusCode, body };
	} catch {
		return undefined;
	}
}

export function isCancelled(context: SendApiContext): boolean {
	return (
		'getExecutionCancelSignal' in context && context.getExecutionCancelSignal()?.aborted === true
	);
}

/** Waits in short steps so a cancelled execution stops within a quarter of a second. */
export async function waitUnlessCancelled(context: SendApiContext, ms: number): Promise<void> {
	const until = Date.now() + ms;
	while (!isCancelled(context)) {
		const left = until - Date.now();
		if (left <= 0) return;
		await sleep(Math.min(left, 250));
	}
}
