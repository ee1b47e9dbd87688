/**
 * Sliding-window limit enforcement: requests per window per API key, plan messages per window and
 * per day per API key, anti-ban messages per window and per day per session, and a per-session
 * daily quota. Refusing what is over a limit is a property of this fake (SendApi documents the
 * limits, not how it enforces them). Refused messages are never counted; refused requests count
 * against the key's request window unless `refusedRequestsCount` is off (docs/wire-format.md).
 */

export interface FakeLimits {
	/** Length of the "minute" window (default 60000; benchmarks scale it down). */
	windowMs: number;
	/** Per API key, all requests. */
	requestsPerWindow: number;
	/** Per API key, messages (a send-bulk counts one per recipient). */
	planMessagesPerWindow: number;
	planMessagesPerDay: number;
	/** Anti-ban per session (real: 30). */
	sessionMessagesPerWindow: number;
	/** Real: 1000. */
	sessionMessagesPerDay: number;
	/** Length of the "day" window (default 86 400 000; scale it down together with windowMs). */
	dayMs: number;
	/**
	 * Per session, a daily message quota of the account (not the anti-ban cap): past it a send is
	 * refused with 402 quota_exceeded naming the session. SendApi documents no such quota; it
	 * stands for an account whose sessions have their own allowance.
	 */
	sessionQuotaPerDay: number;
	/**
	 * Which documented error shape a 402 quota_exceeded takes: 'coded'
	 * `{success:false, error:{type:"quota_exceeded", message, code:4020}, meta}` (the session named
	 * only in the message) or 'param' `{error:{type:"invalid_request_error", code:"quota_exceeded",
	 * param?, message}}` (a session's quota names `param: "session_id"`).
	 */
	quotaErrorShape: QuotaErrorShape;
	/**
	 * Whether a request SendApi refuses (429 for the request limit, or refused later by a message
	 * limit) still counts in the key's requests window. SendApi does not say; the default is the
	 * stricter reading, every attempt counts (as test/bulkEngine/harness.ts checks it).
	 */
	refusedRequestsCount: boolean;
	/**
	 * Per API key, the prepaid balance in messages (never renewed): past it a send is refused with
	 * 4021 "balance low", HTTP 402, in the shape quotaErrorShape picks: 'coded' `{error:{type:
	 * "balance_low", code:4021, message}}`, 'param' `{error:{type:"invalid_request_error", code:
	 * "insufficient_balance", message}}`. SendApi documents only the code and its name.
	 */
	balanceMessages: number;
}

export type QuotaErrorShape = 'coded' | 'param';

export const DEFAULT_LIMITS: FakeLimits = {
	windowMs: 60_000,
	requestsPerWindow: Infinity,
	planMessagesPerWindow: Infinity,
	planMessagesPerDay: Infinity,
	sessionMessagesPerWindow: Infinity,
	sessionMessagesPerDay: Infinity,
	dayMs: 86_400_000,
	sessionQuotaPerDay: Infinity,
	quotaErrorShape: 'coded',
	refusedRequestsCount: true,
	balanceMessages: Infinity,
};

/** SendApi's Starter plan (the smallest), for a realistic sandbox. */
export const STARTER_LIMITS: Partial<FakeLimits> = {
	requestsPerWindow: 60,
	planMessagesPerWindow: 10,
	planMessagesPerDay: 500,
	sessionMessagesPerWindow: 30,
	sessionMessagesPerDay: 1000,
};

/** Value reported in X-RateLimit-Limit when requests are unlimited. */
export const UNLIMITED_HEADER_VALUE = 1_000_000;

export interface WindowEntry {
	t: number;
	n: number;
}

/** A sliding log of weighted hits. */
export class SlidingWindow {
	private entries: WindowEntry[] = [];

	private prune(now: number, span: number): void {
		let i = 0;
		while (i < this.entries.length && this.entries[i].t <= now - span) i++;
		if (i > 0) this.entries.splice(0, i);
	}

	total(now: number, span: number): number {
		this.prune(now, span);
		let sum = 0;
		for (const e of this.entries) sum += e.n;
		return sum;
	}

	oldest(now: number, span: number): WindowEntry | undefined {
		this.prune(now, span);
		return this.entries[0];
	}

	/** null when `n` more fit under `limit`; otherwise ms until they would. */
	retryAfter(now: number, span: number, limit: number, n: number): number | null {
		if (!Number.isFinite(limit)) return null;
		let acc = this.total(now, span);
		if (acc + n <= limit) return null;
		if (n > limit) return span; // can never fit in one window
		for (const e of this.entries) {
			acc -= e.n;
			if (acc + n <= limit) return e.t + span - now;
		}
		return span;
	}

	add(t: number, n: number): WindowEntry {
		const e = { t, n };
		// Keep the log ordered even if a test clock goes backwards.
		let i = this.entries.length;
		while (i > 0 && this.entries[i - 1].t > t) i--;
		this.entries.splice(i, 0, e);
		return e;
	}

	remove(e: WindowEntry): void {
		const i = this.entries.indexOf(e);
		if (i >= 0) this.entries.splice(i, 1);
	}
}

export type LimitRefusal = {
	status: 402 | 429;
	type: 'rate_limit_exceeded' | 'sending_limited' | 'quota_exceeded' | 'balance_low';
	code: 4029 | 4020 | 4021;
	message: string;
	retryAfterMs: number;
	/** A 402's reach: the whole plan, or one session's own daily quota. */
	scope?: 'plan' | 'session';
};

function windowOf(map: Map<string, SlidingWindow>, key: string): SlidingWindow {
	let w = map.get(key);
	if (!w) {
		w = new SlidingWindow();
		map.set(key, w);
	}
	return w;
}

export class Limiter {
	limits: FakeLimits;
	private readonly requests = new Map<string, SlidingWindow>();
	private readonly planWindow = new Map<string, SlidingWindow>();
	private readonly planDay = new Map<string, SlidingWindow>();
	private readonly sessionWindow = new Map<string, SlidingWindow>();
	private readonly sessionDay = new Map<string, SlidingWindow>();
	/** Messages paid from each API key's balance. */
	private readonly spent = new Map<string, number>();

	constructor(limits?: Partial<FakeLimits>) {
		this.limits = { ...DEFAULT_LIMITS, ...limits };
	}

	set(l: Partial<FakeLimits>): void {
		this.limits = { ...this.limits, ...l };
	}

	reset(limits?: Partial<FakeLimits>): void {
		this.limits = { ...DEFAULT_LIMITS, ...limits };
		for (const m of [
			this.requests,
			this.planWindow,
			this.planDay,
			this.sessionWindow,
			this.sessionDay,
			this.spent,
		])
			m.clear();
	}

	/** Counts one request; one over the limit is refused, and counted if refused ones count. */
	hitRequest(
		apiKey: string,
		now: number,
	): { ok: true; entry: WindowEntry } | { ok: false; retryAfterMs: number } {
		const w = windowOf(this.requests, apiKey);
		const wait = w.retryAfter(now, this.limits.windowMs, this.limits.requestsPerWindow, 1);
		if (wait === null) return { ok: true, entry: w.add(now, 1) };
		if (this.limits.refusedRequestsCount) w.add(now, 1);
		return { ok: false, retryAfterMs: wait };
	}

	/** A counted request was refused later by a message limit: forget it if refused ones do not count. */
	undoRequest(apiKey: string, entry: WindowEntry): void {
		if (!this.limits.refusedRequestsCount) this.requests.get(apiKey)?.remove(entry);
	}

	/** X-RateLimit-* headers for this key, as of `now`. */
	rateHeaders(apiKey: string, now: number, refused = false): Record<string, string> {
		const { windowMs, requestsPerWindow } = this.limits;
		const limit = Number.isFinite(requestsPerWindow) ? requestsPerWindow : UNLIMITED_HEADER_VALUE;
		const w = windowOf(this.requests, apiKey);
		const used = w.total(now, windowMs);
		const oldest = w.oldest(now, windowMs);
		const resetMs = (oldest ? oldest.t : now) + windowMs;
		const headers: Record<string, string> = {
			'X-RateLimit-Limit': String(limit),
			'X-RateLimit-Remaining': String(refused ? 0 : Math.max(0, limit - used)),
			'X-RateLimit-Reset': String(Math.ceil(resetMs / 1000)),
		};
		// A scaled-down "minute" needs a finer reset than whole seconds (like Retry-After-Ms).
		if (windowMs < 60_000) headers['X-RateLimit-Reset-Ms'] = String(Math.ceil(resetMs));
		return headers;
	}

	/** Counts `n` messages against plan and session limits, or refuses all of them. */
	hitMessages(apiKey: string, sessionKey: string, n: number, now: number): LimitRefusal | null {
		const L = this.limits;
		const pd = windowOf(this.planDay, apiKey);
		const pw = windowOf(this.planWindow, apiKey);
		const sd = windowOf(this.sessionDay, sessionKey);
		const sw = windowOf(this.sessionWindow, sessionKey);
		const spent = this.spent.get(apiKey) ?? 0;
		if (spent + n > L.balanceMessages)
			return {
				status: 402,
				type: 'balance_low',
				code: 4021,
				message: `Balance too low: ${L.balanceMessages - spent} of the ${n} messages are paid for`,
				retryAfterMs: 0,
			};
		let wait = pd.retryAfter(now, L.dayMs, L.planMessagesPerDay, n);
		if (wait !== null)
			return {
				status: 402,
				type: 'quota_exceeded',
				code: 4020,
				message: `Daily message quota of ${L.planMessagesPerDay} exceeded for this plan`,
				retryAfterMs: wait,
				scope: 'plan',
			};
		wait = sd.retryAfter(now, L.dayMs, L.sessionQuotaPerDay, n);
		if (wait !== null)
			return {
				status: 402,
				type: 'quota_exceeded',
				code: 4020,
				message: `Session ${sessionKey} daily quota of ${L.sessionQuotaPerDay} messages exceeded`,
				retryAfterMs: wait,
				scope: 'session',
			};
		wait = pw.retryAfter(now, L.windowMs, L.planMessagesPerWindow, n);
		if (wait !== null)
			return {
				status: 429,
				type: 'rate_limit_exceeded',
				code: 4029,
				message: `Plan limit of ${L.planMessagesPerWindow} messages per minute exceeded`,
				retryAfterMs: wait,
			};
		wait = sd.retryAfter(now, L.dayMs, L.sessionMessagesPerDay, n);
		if (wait !== null)
			return {
				status: 429,
				type: 'sending_limited',
				code: 4029,
				message: `Session daily limit of ${L.sessionMessagesPerDay} messages reached (anti-ban)`,
				retryAfterMs: wait,
			};
		wait = sw.retryAfter(now, L.windowMs, L.sessionMessagesPerWindow, n);
		if (wait !== null)
			return {
				status: 429,
				type: 'sending_limited',
				code: 4029,
				message: `Session limit of ${L.sessionMessagesPerWindow} messages per minute reached (anti-ban)`,
				retryAfterMs: wait,
			};
		pd.add(now, n);
		pw.add(now, n);
		sd.add(now, n);
		sw.add(now, n);
		this.spent.set(apiKey, spent + n);
		return null;
	}

	/** Counts `n` messages against the session's anti-ban windows only; false when over them. */
	hitSessionMessages(sessionKey: string, n: number, now: number): boolean {
		const L = this.limits;
		const sd = windowOf(this.sessionDay, sessionKey);
		const sw = windowOf(this.sessionWindow, sessionKey);
		if (sd.retryAfter(now, L.dayMs, L.sessionMessagesPerDay, n) !== null) return false;
		if (sw.retryAfter(now, L.windowMs, L.sessionMessagesPerWindow, n) !== null) return false;
		sd.add(now, n);
		sw.add(now, n);
		return true;
	}
}
