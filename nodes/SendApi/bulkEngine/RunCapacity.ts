/**
 * Every limit a dispatch must fit at once, for one run: the plan's messages and the key's
 * requests per window, each session's anti-ban window and its own pause after a 429, a pause for
 * all after a 429, and the key's request budget as SendApi reports it. The run asks how long
 * until a unit fits, takes capacity when it dispatches and settles it when the answer is in.
 */
import { HeldWindow } from './HeldWindow';
import type { ResolvedBulkLimits } from './limits';
import type { RateLimitInfo } from './types';

/**
 * What SendApi last said about the API key's request budget, which other clients of the key
 * share: how many more requests this run may start before `resetAt`.
 */
interface ServerBudget {
	left: number;
	resetAt: number;
}

export interface SessionChoice {
	session: number;
	delay: number;
	/** Messages this session may take right now (0 when delay > 0). */
	room: number;
}

export class RunCapacity {
	private readonly planWindow: HeldWindow;

	private readonly requestWindow: HeldWindow;

	private readonly sessionWindows: HeldWindow[];

	/** No dispatch to a session before this instant (its own 429: anti-ban limit). */
	private readonly sessionPausedUntil: number[];

	/** No dispatch before this instant (server's Retry-After or exhausted request budget). */
	private pausedUntil = -Infinity;

	private serverBudget: ServerBudget | undefined;

	constructor(
		private readonly limits: ResolvedBulkLimits,
		sessionCount: number,
	) {
		const { windowMs } = limits;
		this.planWindow = new HeldWindow({ limit: limits.planMessagesPerWindow, windowMs });
		this.requestWindow = new HeldWindow({ limit: limits.requestsPerWindow, windowMs });
		this.sessionWindows = Array.from(
			{ length: sessionCount },
			() => new HeldWindow({ limit: limits.sessionMessagesPerWindow, windowMs }),
		);
		this.sessionPausedUntil = this.sessionWindows.map(() => -Infinity);
	}

	/** How long nothing at all may be dispatched: a pause for all, or the key's budget spent. */
	heldFor(now: number): number {
		if (this.pausedUntil > now) return this.pausedUntil - now;
		return this.serverBudgetWait(now);
	}

	/** Time until `weight` messages (one request) fit the shared windows and this session's. */
	delayFor(session: number, weight: number, now: number): number {
		return Math.max(
			this.planWindow.delayUntilAllowed(now, weight),
			this.requestWindow.delayUntilAllowed(now, 1),
			this.sessionWindows[session].delayUntilAllowed(now, weight),
			this.sessionPausedUntil[session] - now,
		);
	}

	/**
	 * The session that can send soonest, ties going round-robin from `first`: the first session
	 * that has room now wins at once (nobody can be sooner), which also spreads the load evenly.
	 * Only when none has room are all scanned for the earliest. `dayLeft` is what each session may
	 * still send today (0 for one that cannot send).
	 */
	chooseSession(
		now: number,
		first: number,
		dayLeft: (session: number) => number,
	): SessionChoice | undefined {
		const shared = Math.max(
			this.planWindow.delayUntilAllowed(now, 1),
			this.requestWindow.delayUntilAllowed(now, 1),
		);
		const count = this.sessionWindows.length;
		let soonest: SessionChoice | undefined;
		for (let k = 0; k < count; k++) {
			const session = (first + k) % count;
			const left = dayLeft(session);
			if (left < 1) continue;
			const window = this.sessionWindows[session];
			const room = Math.min(window.available(now), left);
			const paused = Math.max(0, this.sessionPausedUntil[session] - now);
			if (shared === 0 && room >= 1 && paused === 0) return { session, delay: 0, room };
			const delay = Math.max(shared, paused, room >= 1 ? 0 : window.delayUntilAllowed(now, 1));
			if (!soonest || delay < soonest.delay) soonest = { session, delay, room: 0 };
		}
		return soonest;
	}

	/** Messages the plan's window admits right now. */
	planRoom(now: number): number {
		return this.planWindow.available(now);
	}

	/** A request of `weight` messages leaves for `session`: its capacity is taken everywhere. */
	reserve(session: number, weight: number): void {
		this.planWindow.reserve(weight);
		this.requestWindow.reserve(1);
		this.sessionWindows[session].reserve(weight);
		if (this.serverBudget) this.serverBudget.left--;
	}

	/**
	 * The answer is in, so the request has reached SendApi (or never will): from now on its weight
	 * is held for exactly one window. A failed attempt stays counted: the server may have counted
	 * it too. Except for the messages of a send SendApi refused (a 429, a session that cannot
	 * send, a spent daily quota): nothing was sent, so (our choice, SendApi is silent) they do not
	 * count; the request still does.
	 */
	settle(session: number, weight: number, now: number, nothingSent: boolean): void {
		this.requestWindow.settle(now, 1);
		if (nothingSent) {
			this.planWindow.release(weight);
			this.sessionWindows[session].release(weight);
			return;
		}
		this.planWindow.settle(now, weight);
		this.sessionWindows[session].settle(now, weight);
	}

	/** Nothing is dispatched before `instant`. */
	pauseAll(instant: number): void {
		this.pausedUntil = Math.max(this.pausedUntil, instant);
	}

	/** Nothing is dispatched to `session` before `instant`. */
	pauseSession(session: number, instant: number): void {
		this.sessionPausedUntil[session] = Math.max(this.sessionPausedUntil[session], instant);
	}

	/**
	 * Our windows only see this run; the server sees every client of the key. Each answer's
	 * X-RateLimit-Remaining, less this run's other requests still in flight (the server may not
	 * have counted them yet), is how many more requests may start before X-RateLimit-Reset. A
	 * reset further than one window away is taken as clock skew (a 429 would correct us anyway);
	 * an answer without the headers leaves pacing to our own windows.
	 */
	followServerBudget(
		rateLimit: RateLimitInfo | undefined,
		now: number,
		othersInFlight: number,
	): void {
		const remaining = rateLimit?.remaining;
		if (typeof remaining !== 'number' || !Number.isFinite(remaining)) {
			this.serverBudget = undefined;
			return;
		}
		const latestReset = now + this.limits.windowMs;
		const resetAtMs = rateLimit?.resetAtMs;
		const resetAt =
			typeof resetAtMs === 'number' && resetAtMs > now
				? Math.min(resetAtMs, latestReset)
				: latestReset;
		this.serverBudget = { left: Math.max(0, remaining - othersInFlight), resetAt };
	}

	/** Entries held by all the windows together: a gauge of the engine's memory. */
	trackedEntries(): number {
		return this.sessionWindows.reduce(
			(sum, window) => sum + window.size,
			this.planWindow.size + this.requestWindow.size,
		);
	}

	/**
	 * How long the server's budget holds dispatches back. Once its reset has passed, one request
	 * goes out alone: its answer tells how much the reset freed (a sliding window frees only what
	 * has aged out), and meanwhile nothing can overshoot.
	 */
	private serverBudgetWait(now: number): number {
		const budget = this.serverBudget;
		if (!budget || budget.left >= 1) return 0;
		if (now < budget.resetAt) return budget.resetAt - now;
		this.serverBudget = { left: 1, resetAt: now + this.limits.windowMs };
		return 0;
	}
}
