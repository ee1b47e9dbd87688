/**
 * SendApi's two error shapes read into one, and what a refusal means for a send: the session
 * cannot send, a daily quota is spent (the plan's or one session's), the balance is too low, or
 * the session's own anti-ban limit was hit. docs/wire-format.md ("Answers the node reads") explains each choice.
 */
import { isObject } from '../json';
import { asString } from './fieldValues';

/** The two documented error shapes, read into one. */
export interface SendApiErrorInfo {
	type?: string;
	code?: string | number;
	message?: string;
	param?: string;
	requestId?: string;
}

export function readErrorBody(
	body: unknown,
	headers: Record<string, unknown> = {},
): SendApiErrorInfo {
	const error = isObject(body) && isObject(body.error) ? body.error : undefined;
	const meta = isObject(body) && isObject(body.meta) ? body.meta : undefined;
	const requestId = meta?.request_id ?? headers['x-request-id'];
	const fallbackMessage =
		isObject(body) && typeof body.message === 'string'
			? body.message
			: typeof body === 'string' && body.trim()
				? body.trim().slice(0, 300)
				: undefined;
	return {
		type: asString(error?.type),
		code: typeof error?.code === 'number' ? error.code : asString(error?.code),
		message: asString(error?.message) ?? fallbackMessage,
		param: asString(error?.param),
		requestId: asString(requestId),
	};
}

/**
 * Whether a refused send says the session itself cannot send, so nothing was sent and another
 * session could send it. SendApi documents the session states (PENDING, CONNECTED, DISCONNECTED)
 * and that 409 and 410 occur, not the error body: our choice is an error typed or coded
 * `session_not_connected`, or a 404, 409 or 410 that names `session_id` as the field at fault.
 */
export function isSessionUnavailable(status: number | undefined, info: SendApiErrorInfo): boolean {
	if (info.type === SESSION_NOT_CONNECTED || info.code === SESSION_NOT_CONNECTED) return true;
	return info.param === 'session_id' && (status === 404 || status === 409 || status === 410);
}

const SESSION_NOT_CONNECTED = 'session_not_connected';

/**
 * Whom a `quota_exceeded` refusal (HTTP 402, code 4020) is about, or undefined for any other
 * answer. SendApi documents the error, not its reach, so this is our choice: 'session' (that
 * session's own daily allowance is spent, the others may still send) when the error names
 * `session_id` as the field at fault, or its message names `session_id` or a session's daily cap
 * ("Session sess_1 daily quota …", "per-session limit", "… for this session"); otherwise 'plan'
 * (the account's day is spent: nothing more goes out today from any session). A 402 without a
 * type or code is taken as quota_exceeded, the only 402 SendApi documents.
 */
export function quotaExceededScope(
	status: number | undefined,
	info: SendApiErrorInfo,
): 'plan' | 'session' | undefined {
	if (!isQuotaExceeded(status, info)) return undefined;
	const namesSession = info.param === 'session_id' || SESSION_QUOTA_WORDS.test(info.message ?? '');
	return namesSession ? 'session' : 'plan';
}

function isQuotaExceeded(status: number | undefined, info: SendApiErrorInfo): boolean {
	if (isBalanceLow(status, info)) return false;
	if (info.type === QUOTA_EXCEEDED || info.code === QUOTA_EXCEEDED) return true;
	if (String(info.code) === QUOTA_EXCEEDED_CODE) return true;
	return status === 402 && info.type === undefined && info.code === undefined;
}

const QUOTA_EXCEEDED = 'quota_exceeded';
const QUOTA_EXCEEDED_CODE = '4020';

/** Words by which a quota_exceeded message says it is about one session. */
const SESSION_QUOTA_WORDS = new RegExp(
	[
		String.raw`\bsession_id\b`, // the field itself
		String.raw`\bper[- ]session\b`, // "per-session daily quota"
		String.raw`\bsession(?:'s)?(?:\s+[\w-]+)?\s+(?:daily|day)\b`, // "Session sess_1 daily quota"
		String.raw`\bfor\s+(?:(?:this|the|that)\s+)?session\b`, // "… exceeded for this session"
	].join('|'),
	'i',
);

/**
 * Whether SendApi refused because the account's balance is too low (4021 "balance low"). SendApi
 * documents the code and its name, not the body or the status, so this is our choice: code 4021
 * (a number in the coded shape, a string in the other), a type or code `balance_low` or
 * `insufficient_balance`, or a 402 without another known type or code whose message speaks of
 * the balance or credit ("Insufficient balance", "Top up your credit"). Nothing was sent, and
 * the balance does not come back by itself within a run.
 */
export function isBalanceLow(status: number | undefined, info: SendApiErrorInfo): boolean {
	const named = [info.type, info.code === undefined ? undefined : String(info.code)];
	if (named.some((name) => name !== undefined && BALANCE_LOW_NAMES.includes(name))) return true;
	const generic = info.type === undefined || info.type === 'invalid_request_error';
	return (
		status === 402 && generic && info.code === undefined && BALANCE_WORDS.test(info.message ?? '')
	);
}

const BALANCE_LOW_NAMES = ['4021', 'balance_low', 'insufficient_balance'];
const BALANCE_WORDS = /\b(?:balance|credits?|top[- ]?up)\b/i;

/**
 * Whether a 429 is about the session alone (its anti-ban limit) rather than the plan or the key:
 * SendApi's documented type for it is `sending_limited`.
 */
export function isSessionLimit(info: SendApiErrorInfo): boolean {
	return info.type === 'sending_limited' || info.code === 'sending_limited';
}
