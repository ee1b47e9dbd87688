import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { SendApiErrorInfo } from './wire/errorBody';
import { isBalanceLow } from './wire/errorBody';
import { PHONE_FIX } from './phoneAdvice';

/** What the user should do about an error, by SendApi error type/code or HTTP status. */
const ADVICE: Record<string, string> = {
	missing_api_key: 'Add your SendApi API key to the credential.',
	invalid_api_key: 'Check the API key in the SendApi credential: SendApi does not recognise it.',
	revoked_api_key: 'This API key was revoked. Create a new key in the SendApi dashboard.',
	expired_api_key: 'This API key has expired. Create a new key in the SendApi dashboard.',
	insufficient_scope:
		'This API key is not allowed to do this. Give it the needed scope in SendApi.',
	quota_exceeded:
		'Your SendApi plan quota is used up for now. Wait for it to reset or upgrade the plan.',
	balance_low:
		'Your SendApi balance is too low: nothing was sent. Top up the SendApi balance in the SendApi dashboard, then run it again.',
	rate_limit_exceeded:
		'SendApi is rate limiting this API key. Slow down, or use Send Bulk which paces itself.',
	sending_limited:
		'SendApi is limiting sends from this WhatsApp session (anti-ban). Spread sends over time or over more sessions.',
	content_blocked: 'SendApi blocked this content. Change the message text or media.',
	invalid_phone: PHONE_FIX,
	session_not_connected: 'Scan the session QR code with WhatsApp first (Session → Get QR Code).',
};

const ADVICE_BY_CODE: Record<string, string> = {
	'4001': 'invalid_phone',
	'4010': 'missing_api_key',
	'4011': 'invalid_api_key',
	'4012': 'revoked_api_key',
	'4013': 'expired_api_key',
	'4020': 'quota_exceeded',
	'4029': 'rate_limit_exceeded',
	'4030': 'insufficient_scope',
};

const ADVICE_BY_STATUS: Record<number, string> = {
	401: 'Check the API key in the SendApi credential.',
	402: ADVICE.quota_exceeded,
	403: ADVICE.insufficient_scope,
	404: 'SendApi has no such resource. Check the ID (session, message or group) and the credential Base URL.',
	409: 'SendApi refused this because of the current state (e.g. the session is not connected, or the request was already sent with other content).',
	410: 'This resource is gone from SendApi (e.g. the session was deleted).',
	422: 'SendApi could not process these values. Check the fields named in the error.',
	429: ADVICE.rate_limit_exceeded,
};

/**
 * A 404 about a session: the id is wrong (a typo, another account's session, or one deleted since),
 * which only listing the account's sessions can put right.
 */
const UNKNOWN_SESSION =
	'The session ID is wrong: this SendApi account has no session with that ID. Use the ID of one of its sessions (Session → Get Many lists them).';

export interface ApiErrorDetails {
	status?: number;
	info: SendApiErrorInfo;
	itemIndex?: number;
	/** What the node was doing, e.g. "POST /whatsapp/send". */
	request: string;
}

/**
 * One NodeApiError for both documented error shapes. It keeps SendApi's type, code, message and
 * request id (the request id is what SendApi support asks for) in the message, the description
 * and the error's context, so they survive n8n's error display and continueOnFail output.
 */
export function toNodeApiError(node: INode, details: ApiErrorDetails): NodeApiError {
	const { status, info, itemIndex, request } = details;
	const label = [info.type, info.code].filter((part) => part !== undefined).join(' ');
	const summary = info.message ?? `SendApi answered HTTP ${status ?? '?'}`;
	const message = `SendApi: ${summary}${label ? ` (${label})` : ''}`;
	const fix = sentences([
		adviceFor(info, status),
		info.param ? `Field: ${info.param}.` : undefined,
	]);
	const description = sentences([
		fix,
		`Request: ${request}.`,
		info.requestId ? `SendApi request id: ${info.requestId}.` : undefined,
	]);

	const response: JsonObject = {
		message: summary,
		httpCode: status === undefined ? null : String(status),
		type: info.type ?? null,
		code: info.code ?? null,
		param: info.param ?? null,
		request_id: info.requestId ?? null,
	};
	const error = new NodeApiError(node, response, {
		message,
		description,
		httpCode: status === undefined ? undefined : String(status),
		itemIndex,
	});
	error.context.sendApi = { ...response };
	// The part of the description that says what to change, which a model reads in the message
	// when the node runs as an AI Agent's tool (see helpers/aiTool.ts).
	if (fix) error.context.fix = fix;
	return error;
}

function sentences(parts: Array<string | undefined>): string {
	return parts.filter(Boolean).join(' ');
}

function adviceFor(info: SendApiErrorInfo, status?: number): string | undefined {
	// Its forms are wire/errorBody.ts's choice; a 402 is otherwise read as quota_exceeded.
	if (isBalanceLow(status, info)) return ADVICE.balance_low;
	const byType = info.type ? ADVICE[info.type] : undefined;
	const codeKey = info.code === undefined ? undefined : String(info.code);
	const byCode = codeKey ? (ADVICE[codeKey] ?? ADVICE[ADVICE_BY_CODE[codeKey] ?? '']) : undefined;
	const known = byCode ?? byType;
	if (known) return known;
	if (isUnknownSession(info, status)) return UNKNOWN_SESSION;
	return status === undefined ? undefined : ADVICE_BY_STATUS[status];
}

/**
 * Whether SendApi says the session does not exist: a 404 naming `session_id` as the field at fault,
 * or whose message speaks of a session ("No such session: sess_x", "Session not found").
 */
function isUnknownSession(info: SendApiErrorInfo, status?: number): boolean {
	if (status !== 404) return false;
	return info.param === 'session_id' || /\bsession\b/i.test(info.message ?? '');
}
