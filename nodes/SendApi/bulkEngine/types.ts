/**
 * Types of the bulk sending engine. The engine is pure TypeScript: no n8n imports, no timers of
 * its own; the clock, the sleep and the two send calls are handed in.
 */

/** What a row's reason says when SendApi may have sent it although the run could not tell. */
export const MAY_HAVE_BEEN_SENT = 'SendApi may have sent it';

/**
 * The limits one run must respect, all at once. "Window" is the sliding rate window (one minute
 * for SendApi); "day" caps are checked up front against what was already sent today.
 * Every count is a positive integer, or Infinity where a limit does not apply.
 */
export interface BulkLimits {
	/** Length of the rate window in ms. Default 60,000 (SendApi limits are per minute). */
	windowMs?: number;
	/** Messages per window for the plan (all sessions together). */
	planMessagesPerWindow: number;
	/** Messages per day for the plan. */
	planMessagesPerDay: number;
	/** HTTP requests per window per API key; a `/send-bulk` call is one request. */
	requestsPerWindow: number;
	/** Anti-ban: messages per window per session. Default 30. */
	sessionMessagesPerWindow?: number;
	/** Anti-ban: messages per day per session. Default 1,000. */
	sessionMessagesPerDay?: number;
}

/** A spreadsheet row already found invalid upstream: reported as not_sent, never sent. */
export interface InvalidBulkRow {
	index: number;
	invalidReason: string;
}

/** A row ready to send. */
export interface ValidBulkRow<P = unknown> {
	index: number;
	invalidReason?: undefined;
	/** Recipient, already normalised (E.164). */
	to: string;
	/**
	 * Identifies the resolved message content: rows with the same key carry the same message and
	 * may share one `/send-bulk` call.
	 */
	messageKey: string;
	/** Whatever the caller needs to build the request; the engine never looks inside. */
	payload: P;
}

export type BulkRow<P = unknown> = InvalidBulkRow | ValidBulkRow<P>;

/** What the server said about the API key's request budget (from the X-RateLimit-* headers). */
export interface RateLimitInfo {
	limit?: number;
	remaining?: number;
	/** When the budget refills, in the same time base as the engine's `now()` (ms). */
	resetAtMs?: number;
}

export interface SendSuccess {
	ok: true;
	/** message_id for a single send, batch_id for a bulk call. */
	id?: string;
	/** Default: 'sent' for a single send, 'queued' for a bulk call (SendApi queues bulk sends). */
	status?: 'sent' | 'queued';
	rateLimit?: RateLimitInfo;
}

export interface SendFailure {
	ok: false;
	/** Set on HTTP 429 (from Retry-After): every dispatch pauses this long. */
	retryAfterMs?: number;
	/** True for 429, 5xx and connection failures; false for anything a retry cannot fix. */
	retryable: boolean;
	/**
	 * SendApi refused the request before sending anything (a 429; implied by sessionUnavailable,
	 * planQuotaExceeded and balanceLow): its messages do not count against the message windows; the request
	 * itself still does.
	 */
	refused?: boolean;
	reason: string;
	/**
	 * The session cannot send at all (not connected, deleted, its own daily quota spent) and
	 * nothing was sent: the engine stops using the session for the rest of the run and moves its
	 * rows to the other sessions.
	 */
	sessionUnavailable?: boolean;
	/**
	 * SendApi says the plan's daily quota is spent (quota_exceeded about the whole plan) and
	 * nothing was sent. A day's quota does not come back within a run: nothing new is sent, and
	 * every row not yet started ends not_sent with this reason and the run's numbers. Requests
	 * already in flight are answered as SendApi answers them.
	 */
	planQuotaExceeded?: boolean;
	/**
	 * SendApi says the account's balance is too low (4021) and nothing was sent. It is handled
	 * as planQuotaExceeded is (a balance is not topped up within a run), with a reason that says
	 * to top up the balance.
	 */
	balanceLow?: boolean;
	/**
	 * The 429 is about this session alone (its anti-ban limit, which other senders on the same
	 * WhatsApp number may have used up): only this session pauses for `retryAfterMs`, and the rows
	 * go to whichever session can take them first.
	 */
	sessionLimited?: boolean;
	rateLimit?: RateLimitInfo;
	/**
	 * SendApi answered from its idempotency store (`Idempotent-Replayed: true`): the refusal is what
	 * it keeps under the request's key, so nothing was sent under that key, whatever was lost before.
	 */
	replayed?: boolean;
}

export type SendResult = SendSuccess | SendFailure;

/**
 * A retry repeats the same row(s) on the same session with `attempt` + 1, so the request body is
 * identical. The caller derives the Idempotency-Key from the rows, the session and `keyRound`: the
 * same round must give the same key (SendApi answers 409 to a reused key with a different body,
 * and never sends twice for the same key); the engine moves to the next round only when nothing
 * can have been sent (see keyAfterFailure in units.ts).
 */
export interface SendOneRequest<P = unknown> {
	row: ValidBulkRow<P>;
	sessionId: string;
	/** 1 for the first try. */
	attempt: number;
	/** 0 for the first key; the next one after each refusal with every answer received. */
	keyRound: number;
}

export interface SendBulkRequest<P = unknown> {
	/** 1..maxRecipientsPerBulk rows sharing one `messageKey`. */
	rows: ValidBulkRow<P>[];
	sessionId: string;
	attempt: number;
	keyRound: number;
}

export interface BulkOutcome {
	index: number;
	status: 'sent' | 'queued' | 'not_sent';
	/** The session of the last attempt, when there was one. */
	sessionId?: string;
	/** message_id (single send) or batch_id (bulk call). */
	id?: string;
	reason?: string;
	/** Send attempts made for this row (0 when it was never sent). */
	attempts: number;
}

export interface BulkProgress {
	total: number;
	/** Rows with a final outcome. */
	done: number;
	sent: number;
	queued: number;
	notSent: number;
	/** Entries held by all of the run's rate windows together: a gauge of the engine's memory. */
	trackedWindowEntries: number;
}

/** Anything with an `aborted` flag: an AbortSignal or a plain object. */
export interface AbortLike {
	readonly aborted: boolean;
}

export interface EngineOpts<P = unknown> {
	rows: readonly BulkRow<P>[];
	/** Session ids to spread the rows over (at least one, no duplicates). */
	sessions: readonly string[];
	limits: BulkLimits;
	/** Today's usage so far, as read from the API before the run. */
	sentToday?: { plan: number; perSession?: Readonly<Record<string, number>> };
	/**
	 * The key's request budget as SendApi gave it just before the run (e.g. in the answers to the
	 * usage check), so even the first requests respect what other clients of the key have used.
	 */
	serverRateLimit?: RateLimitInfo;
	/** Recipients per `/send-bulk` call, 1..500. Default 500 (the API's maximum). */
	maxRecipientsPerBulk?: number;
	/** Send rows with the same `messageKey` through `/send-bulk`; false: single sends only. */
	groupIdentical: boolean;
	/** Smallest group worth a bulk call; smaller groups go as single sends. Default 2. */
	minGroupSize?: number;
	sendOne: (req: SendOneRequest<P>) => Promise<SendResult>;
	sendBulk: (req: SendBulkRequest<P>) => Promise<SendResult>;
	/** Clock in ms. Default Date.now. */
	now?: () => number;
	/**
	 * Waits `ms`. Required: the engine owns no timers (n8n nodes must not call setTimeout), so the
	 * node passes n8n-workflow's `sleep` and tests pass a virtual one.
	 */
	sleep: (ms: number) => Promise<void>;
	/** Checked between steps; once aborted, rows not yet sent end as not_sent 'cancelled'. */
	signal?: AbortLike;
	/** Tries per row (or per bulk chunk) including the first. Default 5. */
	maxAttempts?: number;
	/** Requests in flight at once. Default 4. */
	concurrency?: number;
	/** For retry jitter, in [0, 1). Default Math.random. */
	random?: () => number;
	/** First retry delay for retryable failures without Retry-After. Default 1,000 ms. */
	backoffBaseMs?: number;
	/** Longest retry delay. Default 60,000 ms. */
	backoffCapMs?: number;
	/**
	 * Longest single sleep: long waits are taken in slices this size, so an abort or a server
	 * answer that arrives mid-wait is acted on within this time. Default 1,000 ms.
	 */
	pollMs?: number;
	onProgress?: (progress: BulkProgress) => void;
}
