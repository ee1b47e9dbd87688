/**
 * The engine's two send callbacks over the transport. Each call is exactly one HTTP attempt
 * (`attemptRequest`): retrying, pacing and pausing are the engine's job, so the transport's own
 * retry loop is not used here. Every outcome, failures included, becomes a SendResult.
 */
import { createHash, randomUUID } from 'crypto';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type {
	RateLimitInfo,
	SendBulkRequest,
	SendFailure,
	SendOneRequest,
	SendResult,
	ValidBulkRow,
} from '../../../bulkEngine';
import { MAY_HAVE_BEEN_SENT } from '../../../bulkEngine';
import type { ToolRunError } from '../../../helpers/aiTool';
import { inModelTerms } from '../../../helpers/aiTool';
import { asSentence } from '../../../helpers/validation';
import type { AttemptOutcome } from '../../../transport';
import {
	attemptRequest,
	isCancelled,
	isReplayedRefusal,
	leftUnanswered,
	uuidShaped,
} from '../../../transport';
import { isObject } from '../../../transport/json';
import type { RateLimitState } from '../../../transport/retryPolicy';
import { MAX_RETRY_AFTER_MS } from '../../../transport/retryPolicy';
import { unwrapEnvelope, WHATSAPP_PREFIX } from '../../../transport/wire/envelope';
import type { SendApiErrorInfo } from '../../../transport/wire/errorBody';
import {
	isBalanceLow,
	isSessionLimit,
	isSessionUnavailable,
	quotaExceededScope,
} from '../../../transport/wire/errorBody';
import { readMessageId } from '../../../transport/wire/ids';
import type { MessageFragment } from '../../../transport/wire/messageBodies';
import { sendBody, sendBulkBody } from '../../../transport/wire/messageBodies';

type Row = ValidBulkRow<MessageFragment>;

export interface SenderOpts {
	/** `delay_ms` for bulk calls. */
	delayMs?: number;
	/** The engine's clock: X-RateLimit-Reset is converted into it. */
	now: () => number;
	/** A tool run: refusals carry SendApi's advice in the reason, which is all a model reads. */
	forModel?: boolean;
}

export interface BulkSender {
	sendOne: (req: SendOneRequest<MessageFragment>) => Promise<SendResult>;
	sendBulk: (req: SendBulkRequest<MessageFragment>) => Promise<SendResult>;
}

export function createBulkSender(context: IExecuteFunctions, opts: SenderOpts): BulkSender {
	const keys = new IdempotencyKeys();
	const unsure = new UnansweredAttempts();
	const attempt = async (path: string, body: IDataObject, itemIndex: number, key: string) => {
		const outcome = await attemptRequest.call(context, 'POST', `${WHATSAPP_PREFIX}${path}`, {
			body,
			itemIndex,
			idempotencyKey: key,
		});
		unsure.note(key, outcome);
		return outcome;
	};
	return {
		sendOne: async ({ row, sessionId, keyRound }) => {
			const key = keys.forRow(row.index, sessionId, keyRound);
			const outcome = await attempt(
				'/send',
				sendBody(sessionId, row.to, row.payload),
				row.index,
				key,
			);
			return unsure.qualify(key, toSendResult(context, outcome, 'one', opts.now, opts.forModel));
		},
		sendBulk: async ({ rows, sessionId, keyRound }) => {
			const key = keys.forChunk(rows[0].index, rows.length, sessionId, keyRound);
			const body = bulkBody(sessionId, rows, opts.delayMs);
			const outcome = await attempt('/send-bulk', body, rows[0].index, key);
			return unsure.qualify(key, toSendResult(context, outcome, 'bulk', opts.now, opts.forModel));
		},
	};
}

/**
 * Requests whose answer was lost (connection dropped, 5xx, unreadable answer): SendApi may have
 * acted on them. A later attempt with the same key settles it when it is answered (SendApi replays
 * what it did) or answered with a kept refusal (`Idempotent-Replayed`), but a fresh 429 or another
 * lost answer does not, since those can come before SendApi looks at the key. If the row is given
 * up while still unsettled, its reason says it may have been sent, so nobody re-sends it blindly.
 */
class UnansweredAttempts {
	private readonly keys = new Set<string>();

	note(key: string, outcome: AttemptOutcome): void {
		if (outcome.kind === 'ok' || isReplayedRefusal(outcome)) this.keys.delete(key);
		else if (leftUnanswered(outcome)) this.keys.add(key);
	}

	qualify(key: string, result: SendResult): SendResult {
		if (result.ok || !this.keys.has(key) || result.reason.includes(MAY_HAVE_BEEN_SENT))
			return result;
		// Only the wording: keeping such rows on their session (the same key is safe there, a new
		// session is a new key) is the engine's rule, which knows them as unsettled.
		return {
			...result,
			reason: `${result.reason}; an earlier answer was lost, so ${MAY_HAVE_BEEN_SENT}`,
		};
	}
}

function bulkBody(sessionId: string, rows: Row[], delayMs?: number): IDataObject {
	const recipients = rows.map((row) => row.to);
	return sendBulkBody(sessionId, recipients, rows[0].payload, delayMs);
}

/**
 * Idempotency-Keys derived from a random secret per run, the row (or the first row and size of a
 * bulk chunk), the session and the engine's key round: the engine retries the very same request,
 * so the same derivation gives the same key on every attempt of a round, with nothing to remember
 * per row. The engine starts a new round only when nothing can have been sent (a refusal with
 * every answer received): SendApi may keep a refusal under its key. Rows taken off a session (it
 * cannot send, or its anti-ban limit refused them) may go out with another session_id, or in a
 * chunk of another size: a different body, so they need (and get) a different key; the same first
 * row, size, session and round always make the same chunk.
 * The keys are shaped as UUID v4, the format SendApi documents.
 */
export class IdempotencyKeys {
	private readonly secret = randomUUID();

	forRow(index: number, sessionId: string, keyRound = 0): string {
		return this.derive(`row:${index}:${sessionId}`, keyRound);
	}

	forChunk(firstIndex: number, size: number, sessionId: string, keyRound = 0): string {
		return this.derive(`chunk:${firstIndex}:${size}:${sessionId}`, keyRound);
	}

	private derive(name: string, keyRound: number): string {
		const round = keyRound > 0 ? `#${keyRound}` : '';
		return uuidShaped(createHash('sha256').update(`${this.secret}:${name}${round}`).digest());
	}
}

export function toSendResult(
	context: IExecuteFunctions,
	outcome: AttemptOutcome,
	kind: 'one' | 'bulk',
	now: () => number,
	forModel = false,
): SendResult {
	const rateLimit = toEngineRateLimit(outcome.response?.rateLimit, now);
	if (outcome.kind === 'ok') {
		const answer = unwrapEnvelope(outcome.response.body);
		const body = isObject(answer) ? answer : {};
		return kind === 'one'
			? { ok: true, status: 'sent', id: readMessageId(body), rateLimit }
			: { ok: true, status: 'queued', id: readBatchId(body), rateLimit };
	}
	const failure = toSendFailure(context, outcome, rateLimit, forModel);
	// The engine decides from it whether the row's key may change (units.ts, keyAfterFailure).
	return isReplayedRefusal(outcome) ? { ...failure, replayed: true } : failure;
}

function toSendFailure(
	context: IExecuteFunctions,
	outcome: Exclude<AttemptOutcome, { kind: 'ok' }>,
	rateLimit: RateLimitInfo | undefined,
	forModel: boolean,
): SendFailure {
	const reason = forModel
		? inModelTerms(outcome.error as ToolRunError).message
		: outcome.error.message;
	if (isCancelled(context)) {
		// The request had left: only SendApi knows whether it went out.
		return {
			ok: false,
			retryable: false,
			reason: `cancelled while in flight (${reason}); ${MAY_HAVE_BEEN_SENT}`,
		};
	}
	if (outcome.kind === 'rateLimited') {
		const wait = outcome.retryAfterMs;
		const sessionLimited = isSessionLimit(sendApiError(outcome.error).info);
		if (wait !== undefined && wait > MAX_RETRY_AFTER_MS) {
			// E.g. a session's day cap: pausing for hours helps no row. A session at its cap is
			// left for the rest of the run (its rows move to the others); a plan-wide one ends the row.
			const seconds = Math.ceil(wait / 1000);
			return {
				ok: false,
				retryable: false,
				refused: true,
				sessionUnavailable: sessionLimited,
				reason: `${reason}; SendApi asked to wait ${seconds} s`,
				rateLimit,
			};
		}
		return {
			ok: false,
			retryable: true,
			refused: true,
			retryAfterMs: wait,
			sessionLimited,
			reason,
			rateLimit,
		};
	}
	const refusal = sendApiError(outcome.error);
	if (outcome.kind === 'failed' && isBalanceLow(refusal.status, refusal.info)) {
		// Handled as the plan's quota is: nothing was sent, and no session sends until topped up.
		const refused = { ok: false, retryable: false, refused: true, rateLimit } as const;
		return { ...refused, balanceLow: true, reason: withFix(reason, outcome.error) };
	}
	const quota =
		outcome.kind === 'failed' ? quotaExceededScope(refusal.status, refusal.info) : undefined;
	if (quota !== undefined) return quotaRefusal(quota, reason, rateLimit);
	const sessionUnavailable =
		outcome.kind === 'failed' && isSessionUnavailable(refusal.status, refusal.info);
	return {
		ok: false,
		retryable: outcome.kind === 'retryable',
		sessionUnavailable,
		reason,
		rateLimit,
	};
}

/**
 * quota_exceeded: nothing was sent, and a day's quota does not come back within a run. One
 * session's: that session is left out, as one that cannot send (its rows move to the others).
 * The plan's: nothing more is started (the engine ends the rows still waiting).
 */
function quotaRefusal(
	scope: 'plan' | 'session',
	reason: string,
	rateLimit: RateLimitInfo | undefined,
): SendFailure {
	const refused = { ok: false, retryable: false, refused: true, reason, rateLimit } as const;
	return scope === 'session'
		? { ...refused, sessionUnavailable: true }
		: { ...refused, planQuotaExceeded: true };
}

/** The reason followed by SendApi's fix (transport/errors.ts), unless it holds it already. */
function withFix(reason: string, error: Error): string {
	const fix = error instanceof NodeApiError ? error.context.fix : undefined;
	if (typeof fix !== 'string' || reason.includes(fix)) return reason;
	return `${asSentence(reason)} ${fix}`;
}

/** SendApi's error fields, which the transport keeps on the error's context (transport/errors.ts). */
function sendApiError(error: Error): { status?: number; info: SendApiErrorInfo } {
	const fields = error instanceof NodeApiError ? error.context.sendApi : undefined;
	if (!isObject(fields)) return { info: {} };
	const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
	// The coded error shape numbers its codes (4020), the other names them (`quota_exceeded`).
	const code = typeof fields.code === 'number' ? fields.code : text(fields.code);
	const status = Number(fields.httpCode);
	return {
		status: Number.isFinite(status) ? status : undefined,
		info: {
			type: text(fields.type),
			code,
			param: text(fields.param),
			message: text(fields.message),
		},
	};
}

/**
 * X-RateLimit-Reset is wall-clock time (Unix seconds, which the transport turns into epoch ms);
 * the engine runs on a monotonic clock, so the reset is moved into it as "that long from now".
 */
export function toEngineRateLimit(
	state: RateLimitState | undefined,
	now: () => number,
	wallNow: number = Date.now(),
): RateLimitInfo | undefined {
	if (!state) return undefined;
	const resetAtMs = state.resetAtMs === undefined ? undefined : now() + (state.resetAtMs - wallNow);
	return { limit: state.limit, remaining: state.remaining, resetAtMs };
}

function readBatchId(body: IDataObject): string | undefined {
	const id = body.batch_id ?? body.id;
	return id === undefined || id === null ? undefined : String(id);
}
