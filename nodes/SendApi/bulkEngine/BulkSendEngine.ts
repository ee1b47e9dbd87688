/**
 * The rate-aware bulk sending engine: spreadsheet rows in, one outcome per row out, sent at the
 * fastest pace SendApi's limits allow and never faster.
 *
 * Every dispatch must fit, at the moment it is made, into all windows at once: the plan's
 * messages per window, the API key's requests per window (a bulk call is one request), and the
 * chosen session's anti-ban window. Capacity is taken when a request is dispatched and held until
 * its answer, then for one more window (HeldWindow): SendApi counts the request when it arrives,
 * which is somewhere in between, so neither requests in flight nor network latency can ever push
 * a server window over. Work starts as soon as a window has room (bursts at window boundaries),
 * which is what makes the schedule optimal for the "last message starts as early as possible"
 * measure; see `optimalMs`. Latency costs one round trip per window on top of it.
 *
 * What the run cannot see it learns from the answers: X-RateLimit-Remaining (other clients of the
 * key) caps how many requests may start before the reset; a 429 pauses everything for Retry-After,
 * or only its session when it is the session's own anti-ban limit; a session that cannot send is
 * left out and its rows move to the others; the plan's daily quota found spent ends every row not
 * yet started. Every row ends with exactly one outcome.
 */
import { HeldWindow } from './HeldWindow';
import { resolveBulkLimits, type ResolvedBulkLimits } from './limits';
import { buildJobs, forecastDailyQuota, isValidRow, type Job } from './planning';
import { MAY_HAVE_BEEN_SENT } from './types';
import type {
	BulkOutcome,
	BulkRow,
	EngineOpts,
	RateLimitInfo,
	SendFailure,
	SendResult,
	ValidBulkRow,
} from './types';

/** SendApi's `/send-bulk` takes at most 500 recipients. */
export const MAX_RECIPIENTS_PER_BULK = 500;

const DEFAULTS = {
	maxRecipientsPerBulk: MAX_RECIPIENTS_PER_BULK,
	minGroupSize: 2,
	maxAttempts: 5,
	concurrency: 4,
	backoffBaseMs: 1_000,
	backoffCapMs: 60_000,
	pollMs: 1_000,
} as const;

/**
 * However many of them were 429s waited out, a row is tried at most this many times maxAttempts
 * (a server that only ever answers 429 must still end the run).
 */
const MAX_ATTEMPTS_WITH_WAITS = 10;

/** Share of the nominal backoff added at random, so failures at one instant retry apart. */
const JITTER_RATIO = 0.25;

/** Sends every row under the limits; resolves with one outcome per input row, in input order. */
export async function runBulkSend<P = unknown>(opts: EngineOpts<P>): Promise<BulkOutcome[]> {
	return new BulkSendRun(opts).run();
}

/**
 * Delay before retry number `attempt + 1` after a retryable failure without Retry-After:
 * exponential from `baseMs`, plus up to 25 % jitter, never above `capMs`.
 */
export function retryDelayMs(
	attempt: number,
	random: () => number,
	baseMs: number = DEFAULTS.backoffBaseMs,
	capMs: number = DEFAULTS.backoffCapMs,
): number {
	const nominal = Math.min(capMs, baseMs * 2 ** (attempt - 1));
	const jitter = Math.min(Math.max(random(), 0), 1);
	return Math.min(capMs, nominal * (1 + JITTER_RATIO * jitter));
}

/**
 * One dispatch: a single row or a bulk chunk. It keeps its session and its rows for every retry,
 * so a retry repeats the very same request (same body, so the same Idempotency-Key is valid).
 */
interface Unit {
	positions: number[];
	bulk: boolean;
	session: number;
	/** Number of the attempt this unit will make on its session when dispatched. */
	attempt: number;
	/** Attempts its rows made on sessions they were moved away from. */
	earlierAttempts: number;
	/**
	 * Of all its attempts, those SendApi refused with a 429 and a Retry-After: nothing was sent
	 * and SendApi said when to come back, which happens as often as other executions on the same
	 * key or number fill the window first. They do not use up maxAttempts (see countedAttempts).
	 */
	waitedOut?: number;
	notBefore: number;
	/**
	 * An earlier attempt failed without SendApi refusing it (5xx, lost connection): the rows may
	 * have gone out, and only a retry with the same Idempotency-Key can tell.
	 */
	unsettled: boolean;
}

/**
 * What SendApi last said about the API key's request budget, which other clients of the key
 * share: how many more requests this run may start before `resetAt`.
 */
interface ServerBudget {
	left: number;
	resetAt: number;
}

interface SessionChoice {
	session: number;
	delay: number;
	/** Messages this session may take right now (0 when delay > 0). */
	room: number;
}

type Step = { dispatch: Unit } | { waitMs: number };

type Settings = Required<
	Pick<
		EngineOpts,
		| 'maxRecipientsPerBulk'
		| 'minGroupSize'
		| 'maxAttempts'
		| 'concurrency'
		| 'backoffBaseMs'
		| 'backoffCapMs'
		| 'pollMs'
		| 'now'
		| 'random'
	>
>;

class BulkSendRun<P> {
	private readonly rows: readonly BulkRow<P>[];

	private readonly sessions: readonly string[];

	private readonly limits: ResolvedBulkLimits;

	private readonly settings: Settings;

	private readonly outcomes: Array<BulkOutcome | undefined>;

	private readonly planWindow: HeldWindow;

	private readonly requestWindow: HeldWindow;

	private readonly sessionWindows: HeldWindow[];

	private sessionDayLeft: number[] = [];

	private jobs: Job[] = [];

	private nextJob = 0;

	/** Rows taken off a session that cannot send, waiting for another session (before new jobs). */
	private moved: Job[] = [];

	/** Why each session was found unable to send (undefined: it can). */
	private readonly sessionDown: Array<string | undefined>;

	/** No dispatch to a session before this instant (its own 429: anti-ban limit). */
	private readonly sessionPausedUntil: number[];

	private serverBudget: ServerBudget | undefined;

	private retries: Unit[] = [];

	private readonly inFlight = new Set<Promise<void>>();

	/** No dispatch before this instant (server's Retry-After or exhausted request budget). */
	private pausedUntil = -Infinity;

	/** Set once SendApi says the plan's day is spent: why the rows not yet started end. */
	private planQuotaReason: string | undefined;

	private roundRobin = 0;

	private readonly counts = { done: 0, sent: 0, queued: 0, notSent: 0 };

	constructor(private readonly opts: EngineOpts<P>) {
		assertEngineOpts(opts);
		this.rows = opts.rows;
		this.sessions = opts.sessions;
		this.limits = resolveBulkLimits(opts.limits);
		this.settings = {
			maxRecipientsPerBulk: opts.maxRecipientsPerBulk ?? DEFAULTS.maxRecipientsPerBulk,
			minGroupSize: opts.minGroupSize ?? DEFAULTS.minGroupSize,
			maxAttempts: opts.maxAttempts ?? DEFAULTS.maxAttempts,
			concurrency: opts.concurrency ?? DEFAULTS.concurrency,
			backoffBaseMs: opts.backoffBaseMs ?? DEFAULTS.backoffBaseMs,
			backoffCapMs: opts.backoffCapMs ?? DEFAULTS.backoffCapMs,
			pollMs: opts.pollMs ?? DEFAULTS.pollMs,
			now: opts.now ?? Date.now,
			random: opts.random ?? Math.random,
		};
		assertSettings(this.settings);
		this.outcomes = new Array<BulkOutcome | undefined>(opts.rows.length);
		this.sessionDown = opts.sessions.map(() => undefined);
		this.sessionPausedUntil = opts.sessions.map(() => -Infinity);
		const { windowMs } = this.limits;
		this.planWindow = new HeldWindow({ limit: this.limits.planMessagesPerWindow, windowMs });
		this.requestWindow = new HeldWindow({ limit: this.limits.requestsPerWindow, windowMs });
		this.sessionWindows = opts.sessions.map(
			() => new HeldWindow({ limit: this.limits.sessionMessagesPerWindow, windowMs }),
		);
	}

	async run(): Promise<BulkOutcome[]> {
		this.followServerBudget(this.opts.serverRateLimit, this.settings.now(), 0);
		this.settleBeforeSending();
		while (this.hasWork() || this.inFlight.size > 0) {
			if (this.aborted()) {
				await this.cancel();
				break;
			}
			if (!this.hasWork() || this.inFlight.size >= this.settings.concurrency) {
				await Promise.race(this.inFlight);
				continue;
			}
			const now = this.settings.now();
			const step = this.nextStep(now);
			if ('dispatch' in step) this.dispatch(step.dispatch, now);
			else if (step.waitMs === 0) continue;
			else if (step.waitMs === Infinity) await this.awaitAnswer();
			else await this.wait(step.waitMs);
		}
		return this.collectOutcomes();
	}

	/** Invalid rows and rows over today's quota are decided before the first send. */
	private settleBeforeSending(): void {
		this.rows.forEach((row, position) => {
			if (!isValidRow(row)) {
				this.finish([position], { status: 'not_sent', reason: row.invalidReason, attempts: 0 });
			}
		});
		const forecast = forecastDailyQuota(this.rows, this.sessions, this.limits, this.opts.sentToday);
		this.finish(forecast.refused, {
			status: 'not_sent',
			reason: forecast.refusedReason,
			attempts: 0,
		});
		this.sessionDayLeft = forecast.sessionDayLeft;
		this.jobs = buildJobs(
			this.rows,
			forecast.accepted,
			this.opts.groupIdentical,
			this.settings.minGroupSize,
		);
		this.reportProgress();
	}

	private hasWork(): boolean {
		return this.retries.length > 0 || this.currentJob() !== undefined;
	}

	/** Moved rows first: they were started before any row still waiting for its first try. */
	private currentJob(): Job | undefined {
		return this.moved[0] ?? this.jobs[this.nextJob];
	}

	private jobTaken(job: Job): void {
		if (this.moved[0] === job) this.moved.shift();
		else this.nextJob++;
	}

	private aborted(): boolean {
		return this.opts.signal?.aborted === true;
	}

	/**
	 * What to do at `now`: dispatch the first unit every window admits (retries first, so rows
	 * already started finish first), or wait until the earliest moment something may fit.
	 */
	private nextStep(now: number): Step {
		if (this.pausedUntil > now) return { waitMs: this.pausedUntil - now };
		const budgetWait = this.serverBudgetWait(now);
		if (budgetWait > 0) return { waitMs: budgetWait };
		let waitMs = Infinity;
		for (let i = 0; i < this.retries.length; i++) {
			const retry = this.retries[i];
			const delay = Math.max(
				retry.notBefore - now,
				this.delayFor(retry.session, retry.positions.length, now),
			);
			if (delay <= 0) {
				this.retries.splice(i, 1);
				return { dispatch: retry };
			}
			waitMs = Math.min(waitMs, delay);
		}
		const job = this.currentJob();
		if (job) {
			const choice = this.chooseSession(now);
			if (choice && choice.delay === 0) return { dispatch: this.takeUnit(job, choice, now) };
			if (choice) waitMs = Math.min(waitMs, choice.delay);
			else {
				this.giveUpWaitingJobs();
				if (waitMs === Infinity && this.inFlight.size === 0) return { waitMs: 0 };
			}
		}
		if (waitMs === Infinity && this.inFlight.size === 0) {
			// Unreachable while the day budgets add up (the forecast guarantees they do).
			throw new Error('bulk engine: rows are left that no window can ever admit');
		}
		return { waitMs };
	}

	/** Time until `weight` messages (one request) fit the shared windows and this session's. */
	private delayFor(session: number, weight: number, now: number): number {
		return Math.max(
			this.planWindow.delayUntilAllowed(now, weight),
			this.requestWindow.delayUntilAllowed(now, 1),
			this.sessionWindows[session].delayUntilAllowed(now, weight),
			this.sessionPausedUntil[session] - now,
		);
	}

	/**
	 * The session that can send soonest, ties going round-robin: the first session after the
	 * last one used that has room now wins at once (nobody can be sooner), which also spreads
	 * the load evenly. Only when none has room are all scanned for the earliest.
	 */
	private chooseSession(now: number): SessionChoice | undefined {
		const shared = Math.max(
			this.planWindow.delayUntilAllowed(now, 1),
			this.requestWindow.delayUntilAllowed(now, 1),
		);
		let soonest: SessionChoice | undefined;
		for (let k = 0; k < this.sessions.length; k++) {
			const session = (this.roundRobin + k) % this.sessions.length;
			const dayLeft = this.sessionDayLeft[session];
			if (dayLeft < 1 || this.sessionDown[session] !== undefined) continue;
			const window = this.sessionWindows[session];
			const room = Math.min(window.available(now), dayLeft);
			const paused = Math.max(0, this.sessionPausedUntil[session] - now);
			if (shared === 0 && room >= 1 && paused === 0) return { session, delay: 0, room };
			const delay = Math.max(shared, paused, room >= 1 ? 0 : window.delayUntilAllowed(now, 1));
			if (!soonest || delay < soonest.delay) soonest = { session, delay, room: 0 };
		}
		return soonest;
	}

	/**
	 * Takes the next unit off a job for `choice.session`. A group yields a chunk as large as every
	 * window admits right now (and ≤ maxRecipientsPerBulk): waiting for a full chunk would only
	 * start its first messages later. A chunk below minGroupSize goes as a single send.
	 */
	private takeUnit(job: Job, choice: SessionChoice, now: number): Unit {
		this.roundRobin = (choice.session + 1) % this.sessions.length;
		const unit = {
			bulk: false,
			session: choice.session,
			attempt: 1,
			earlierAttempts: job.earlierAttempts ?? 0,
			waitedOut: job.earlierWaits ?? 0,
			notBefore: now,
			unsettled: false,
		};
		if (job.kind === 'one') {
			this.jobTaken(job);
			return { ...unit, positions: [job.position] };
		}
		const size = Math.min(
			job.positions.length - job.next,
			this.settings.maxRecipientsPerBulk,
			this.planWindow.available(now),
			choice.room,
		);
		const bulk = size >= this.settings.minGroupSize;
		const taken = bulk ? size : 1;
		const positions = job.positions.slice(job.next, job.next + taken);
		job.next += taken;
		if (job.next === job.positions.length) this.jobTaken(job);
		return { ...unit, bulk, positions };
	}

	/** Reserves the unit's capacity in every window, then sends it without awaiting it. */
	private dispatch(unit: Unit, now: number): void {
		const weight = unit.positions.length;
		this.planWindow.reserve(weight);
		this.requestWindow.reserve(1);
		this.sessionWindows[unit.session].reserve(weight);
		if (this.serverBudget) this.serverBudget.left--;
		// Day budgets count rows, not attempts: retries reuse the Idempotency-Key, so a row is
		// delivered at most once however often it is tried.
		if (unit.attempt === 1) this.sessionDayLeft[unit.session] -= weight;
		const tracked: Promise<void> = this.invoke(unit)
			.then((result) => this.settle(unit, result))
			.finally(() => this.inFlight.delete(tracked));
		this.inFlight.add(tracked);
	}

	private invoke(unit: Unit): Promise<SendResult> {
		const sessionId = this.sessions[unit.session];
		const attempt = unit.attempt;
		try {
			const pending = unit.bulk
				? this.opts.sendBulk({
						rows: unit.positions.map((p) => this.validRow(p)),
						sessionId,
						attempt,
					})
				: this.opts.sendOne({ row: this.validRow(unit.positions[0]), sessionId, attempt });
			return Promise.resolve(pending).then(asSendResult, thrownAsFailure);
		} catch (error) {
			return Promise.resolve(thrownAsFailure(error));
		}
	}

	private validRow(position: number): ValidBulkRow<P> {
		return this.rows[position] as ValidBulkRow<P>;
	}

	private settle(unit: Unit, result: SendResult): void {
		const now = this.settings.now();
		const nothingSent = !result.ok && isRefusal(result);
		this.releaseCapacity(unit, now, nothingSent);
		// The settling request is still in the in-flight set: the others are the rest.
		this.followServerBudget(result.rateLimit, now, this.inFlight.size - 1);
		if (result.ok) {
			this.finish(unit.positions, {
				status: result.status ?? (unit.bulk ? 'queued' : 'sent'),
				sessionId: this.sessions[unit.session],
				id: result.id,
				attempts: attemptsMade(unit),
			});
		} else {
			this.handleFailure(unit, result, now);
		}
		this.reportProgress();
	}

	/**
	 * The answer is in, so the request has reached SendApi (or never will): from now on its weight
	 * is held for exactly one window. A failed attempt stays counted: the server may have counted
	 * it too. Except for the messages of a send SendApi refused (a 429, a session that cannot
	 * send, a spent daily quota): nothing was sent, so (our choice, SendApi is silent) they do not
	 * count; the request still does.
	 */
	private releaseCapacity(unit: Unit, now: number, nothingSent: boolean): void {
		const weight = unit.positions.length;
		this.requestWindow.settle(now, 1);
		if (nothingSent) {
			this.planWindow.release(weight);
			this.sessionWindows[unit.session].release(weight);
			return;
		}
		this.planWindow.settle(now, weight);
		this.sessionWindows[unit.session].settle(now, weight);
	}

	/**
	 * Our windows only see this run; the server sees every client of the key. Each answer's
	 * X-RateLimit-Remaining, less this run's other requests still in flight (the server may not
	 * have counted them yet), is how many more requests may start before X-RateLimit-Reset. A
	 * reset further than one window away is taken as clock skew (a 429 would correct us anyway);
	 * an answer without the headers leaves pacing to our own windows.
	 */
	private followServerBudget(
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
			typeof resetAtMs === 'number' && resetAtMs > now ? Math.min(resetAtMs, latestReset) : latestReset;
		this.serverBudget = { left: Math.max(0, remaining - othersInFlight), resetAt };
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

	/**
	 * 429: every dispatch pauses for Retry-After, then the same unit is tried again. Other
	 * retryable failures back off exponentially on their own. The plan's day spent: the unit ends
	 * with SendApi's answer, and so does every row not yet started (stopForPlanQuota).
	 *
	 * Rows are moved to another session only when nothing of them can have gone out: a unit whose
	 * earlier answer was lost (`unsettled`) stays on its session whatever SendApi says now, since
	 * another session means another Idempotency-Key, and moving it could send it twice. This is
	 * the one place that rule lives (with takeSessionOutOfService); callers only report answers.
	 */
	private handleFailure(refusedUnit: Unit, failure: SendFailure, now: number): void {
		const waited = failure.refused === true && isNonNegativeNumber(failure.retryAfterMs) ? 1 : 0;
		const unit = { ...refusedUnit, waitedOut: (refusedUnit.waitedOut ?? 0) + waited };
		if (failure.planQuotaExceeded === true) {
			this.stopForPlanQuota(failure.reason);
			this.endUnit(unit, failure.reason);
			return;
		}
		if (failure.sessionUnavailable === true) {
			this.takeSessionOutOfService(unit.session, failure.reason);
			if (unit.unsettled) {
				// An earlier attempt may have gone out: another session means a new Idempotency-Key.
				this.endUnit(unit, mayHaveBeenSent(failure.reason));
				return;
			}
			if (!this.aborted()) this.move(unit);
			else this.endUnit(unit, `cancelled (last attempt: ${failure.reason})`);
			return;
		}
		const retryAfterMs = isNonNegativeNumber(failure.retryAfterMs)
			? failure.retryAfterMs
			: undefined;
		const canRetry =
			failure.retryable &&
			countedAttempts(unit) < this.settings.maxAttempts &&
			attemptsMade(unit) < this.settings.maxAttempts * MAX_ATTEMPTS_WITH_WAITS;
		const unsettled = unit.unsettled || !isRefusal(failure);
		if (canRetry && !unsettled && this.planQuotaReason !== undefined) {
			// Nothing of it went out, and the day is spent: a retry could only be refused.
			this.endUnit(unit, this.planQuotaReason);
			return;
		}
		if (failure.sessionLimited === true && retryAfterMs !== undefined) {
			// Only this session waits. Rows SendApi refused outright (nothing was sent) go to the
			// first session free; a unit whose earlier answer was lost waits for this one (below).
			const session = unit.session;
			this.sessionPausedUntil[session] = Math.max(this.sessionPausedUntil[session], now + retryAfterMs);
			if (canRetry && !unsettled && !this.aborted()) {
				this.move(unit);
				return;
			}
		} else if (retryAfterMs !== undefined) {
			this.pauseUntil(now + retryAfterMs);
		}
		if (canRetry && !this.aborted()) {
			const delay = retryAfterMs ?? this.backoff(unit.attempt);
			this.retries.push({ ...unit, attempt: unit.attempt + 1, notBefore: now + delay, unsettled });
			return;
		}
		this.endUnit(unit, failureReason(failure, attemptsMade(unit), canRetry));
	}

	/** The unit's rows end not_sent on its session, after the attempts it made. */
	private endUnit(unit: Unit, reason: string): void {
		this.finish(unit.positions, {
			status: 'not_sent',
			sessionId: this.sessions[unit.session],
			reason,
			attempts: attemptsMade(unit),
		});
	}

	/**
	 * A session that cannot send (not connected, deleted) gets nothing more in this run; retries
	 * waiting for it that SendApi refused outright move to the other sessions now rather than each
	 * finding out with a request. A retry whose earlier answer was lost stays: it may have gone
	 * out, and only the same Idempotency-Key on the same session can tell (a new session is a new
	 * key, so moving it could send it twice).
	 */
	private takeSessionOutOfService(session: number, reason: string): void {
		if (this.sessionDown[session] !== undefined) return;
		this.sessionDown[session] = reason;
		const movable = this.retries.filter((retry) => retry.session === session && !retry.unsettled);
		this.retries = this.retries.filter((retry) => !movable.includes(retry));
		for (const retry of movable) this.move({ ...retry, attempt: retry.attempt - 1 });
	}

	/**
	 * Nothing was sent: the unit's rows go back to be handed to another session, and the day
	 * budget their first attempt took from this one is given back. Once the plan's day is spent
	 * no session can take them: they end here, as the rows not yet started did.
	 */
	private move(unit: Unit): void {
		this.sessionDayLeft[unit.session] += unit.positions.length;
		if (this.planQuotaReason !== undefined) {
			this.endUnit(unit, this.planQuotaReason);
			return;
		}
		const earlierAttempts = attemptsMade(unit);
		const earlierWaits = unit.waitedOut ?? 0;
		this.moved.push(
			unit.positions.length === 1
				? { kind: 'one', position: unit.positions[0], earlierAttempts, earlierWaits }
				: { kind: 'group', positions: unit.positions, next: 0, earlierAttempts, earlierWaits },
		);
	}

	/**
	 * SendApi says the plan's daily quota is spent (the node's daily limit is set higher than the
	 * account really has). It does not come back within the run, so nothing new is sent: every row
	 * not yet started ends now, without a request, with SendApi's words and the numbers the run
	 * knows. Retries of rows SendApi refused outright end too (they could only be refused again);
	 * a retry whose earlier answer was lost is still made, since only its answer (same
	 * Idempotency-Key) tells whether the row went out. Requests in flight are answered as usual.
	 */
	private stopForPlanQuota(said: string): void {
		if (this.planQuotaReason !== undefined) return;
		this.planQuotaReason = this.planQuotaSpentReason(said);
		const refusedOutright = this.retries.filter((retry) => !retry.unsettled);
		this.endWaitingWork(this.planQuotaReason, refusedOutright);
	}

	/**
	 * The numbers are the ones the run has when SendApi refuses: what it sent (queued counts, it
	 * was accepted), today's usage as read before the run, and the daily limit it was given.
	 */
	private planQuotaSpentReason(said: string): string {
		const sentByRun = this.counts.sent + this.counts.queued;
		const sentToday = this.opts.sentToday;
		const before = sentToday
			? `${sentToday.plan} were already sent today before the run`
			: 'what was sent today before the run was not read';
		const dayLimit = this.limits.planMessagesPerDay;
		const setting = dayLimit === Infinity ? 'not set' : `${dayLimit} messages/day on the plan`;
		return (
			`daily limit: SendApi refused a send with "${said}" after this run had sent ${sentByRun}; ` +
			`${before}; the node's daily limit is ${setting}; this row was not started`
		);
	}

	/**
	 * No session can take the waiting rows any more: all that are left cannot send, or their
	 * day budgets went to rows moved over from sessions that could not. The rows end not_sent.
	 */
	private giveUpWaitingJobs(): void {
		this.finishWaitingJobs(this.noSessionReason());
		this.reportProgress();
	}

	/** Every row that has not left yet (moved rows and fresh jobs) ends not_sent with `reason`. */
	private finishWaitingJobs(reason: string): void {
		for (let job = this.currentJob(); job; job = this.currentJob()) {
			const positions = job.kind === 'one' ? [job.position] : job.positions.slice(job.next);
			this.finish(positions, { status: 'not_sent', reason, attempts: job.earlierAttempts ?? 0 });
			this.jobTaken(job);
		}
	}

	private noSessionReason(): string {
		const down = this.sessions
			.map((id, session) => ({ id, reason: this.sessionDown[session] }))
			.filter((entry) => entry.reason !== undefined);
		const downText = down.map((entry) => `${entry.id}: ${String(entry.reason)}`).join('; ');
		if (down.length === this.sessions.length) return `no session can send (${downText})`;
		return (
			`daily limit: the sessions that can send have no anti-ban day budget left ` +
			`(${this.limits.sessionMessagesPerDay}/day each); sessions that cannot send: ${downText}`
		);
	}

	private backoff(attempt: number): number {
		const { random, backoffBaseMs, backoffCapMs } = this.settings;
		return retryDelayMs(attempt, random, backoffBaseMs, backoffCapMs);
	}

	private pauseUntil(instant: number): void {
		this.pausedUntil = Math.max(this.pausedUntil, instant);
	}

	/** Sleeps in slices of pollMs, so an abort or a server answer is seen within one slice. */
	private async wait(ms: number): Promise<void> {
		await this.opts.sleep(Math.min(ms, this.settings.pollMs));
	}

	/**
	 * Only answers to requests in flight can make room (their weight is held until then): wait
	 * for the next one, but no longer than one poll slice, so an abort is still seen in time.
	 */
	private async awaitAnswer(): Promise<void> {
		await Promise.race([...this.inFlight, this.opts.sleep(this.settings.pollMs)]);
	}

	/**
	 * Nothing new starts; what is in flight is awaited, because the request has left and only its
	 * answer tells whether the row went out (a failure then is not retried: see handleFailure).
	 */
	private async cancel(): Promise<void> {
		this.cancelWaitingWork();
		while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
	}

	private cancelWaitingWork(): void {
		this.endWaitingWork('cancelled', this.retries);
	}

	/**
	 * The one place that ends work that has not left: the given retries (each after the attempts
	 * it made) and every row not yet started, all not_sent with `reason`.
	 */
	private endWaitingWork(reason: string, retries: readonly Unit[]): void {
		for (const retry of retries) {
			this.finish(retry.positions, {
				status: 'not_sent',
				sessionId: this.sessions[retry.session],
				reason: retry.unsettled ? mayHaveBeenSent(reason) : reason,
				attempts: attemptsMade(retry) - 1,
			});
		}
		this.retries = this.retries.filter((retry) => !retries.includes(retry));
		this.finishWaitingJobs(reason);
		this.reportProgress();
	}

	private finish(positions: readonly number[], fields: Omit<BulkOutcome, 'index'>): void {
		for (const position of positions) {
			if (this.outcomes[position]) {
				throw new Error(`bulk engine: row at position ${position} would be reported twice`);
			}
			this.outcomes[position] = { index: this.rows[position].index, ...definedOnly(fields) };
			this.count(fields.status);
		}
	}

	private count(status: BulkOutcome['status']): void {
		this.counts.done++;
		if (status === 'sent') this.counts.sent++;
		else if (status === 'queued') this.counts.queued++;
		else this.counts.notSent++;
	}

	private reportProgress(): void {
		this.opts.onProgress?.({
			total: this.rows.length,
			...this.counts,
			trackedWindowEntries: this.trackedWindowEntries(),
		});
	}

	private trackedWindowEntries(): number {
		return this.sessionWindows.reduce(
			(sum, window) => sum + window.size,
			this.planWindow.size + this.requestWindow.size,
		);
	}

	/** Every row has an outcome by now; a gap would be an engine bug, reported rather than lost. */
	private collectOutcomes(): BulkOutcome[] {
		// Array.from, not map: map skips the holes of the sparse outcomes array.
		return Array.from(
			this.outcomes,
			(outcome, position) =>
				outcome ?? {
					index: this.rows[position].index,
					status: 'not_sent',
					reason: 'internal error: the row was never scheduled',
					attempts: 0,
				},
		);
	}
}

/** Attempts the unit's rows have made, on this session and on any they were moved from. */
/** A row given up after an answer was lost says so, so nobody re-sends it blindly. */
function mayHaveBeenSent(reason: string): string {
	if (reason.includes(MAY_HAVE_BEEN_SENT)) return reason;
	return `${reason}; an earlier answer was lost, so ${MAY_HAVE_BEEN_SENT}`;
}

function attemptsMade(unit: Unit): number {
	return unit.earlierAttempts + unit.attempt;
}

/**
 * Attempts that count against maxAttempts: all but the 429s waited out. A row that concurrent
 * executions keep beating to a full window is not failing; giving it up after five such turns
 * (seen with two Send Bulk runs on shared sessions) would leave it unsent for nothing.
 */
function countedAttempts(unit: Unit): number {
	return attemptsMade(unit) - (unit.waitedOut ?? 0);
}

/** SendApi refused the request, so nothing of it was sent. */
function isRefusal(failure: SendFailure): boolean {
	return (
		failure.refused === true ||
		failure.sessionUnavailable === true ||
		failure.planQuotaExceeded === true
	);
}

function failureReason(failure: SendFailure, attempts: number, couldRetry: boolean): string {
	if (!failure.retryable) return failure.reason;
	if (couldRetry) return `cancelled (last attempt: ${failure.reason})`;
	return `${failure.reason} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'})`;
}

/** A callback that resolves to something that is not a SendResult is a caller bug: no retry. */
function asSendResult(value: unknown): SendResult {
	if (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as SendResult).ok === 'boolean'
	) {
		return value as SendResult;
	}
	return { ok: false, retryable: false, reason: 'send callback returned no result' };
}

/**
 * The callbacks are meant to turn every HTTP outcome into a SendResult; a throw is unexpected,
 * so it is reported instead of retried (a retry could repeat a bug forever, with backoff).
 */
function thrownAsFailure(error: unknown): SendFailure {
	const message = error instanceof Error ? error.message : String(error);
	return { ok: false, retryable: false, reason: `send failed: ${message}` };
}

function definedOnly<T extends object>(fields: T): T {
	const copy = { ...fields };
	for (const key of Object.keys(copy) as Array<keyof T>) {
		if (copy[key] === undefined) delete copy[key];
	}
	return copy;
}

function isNonNegativeNumber(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function assertEngineOpts<P>(opts: EngineOpts<P>): void {
	if (typeof opts !== 'object' || opts === null) {
		throw new TypeError('runBulkSend: an options object is required');
	}
	if (!Array.isArray(opts.rows)) throw new TypeError('runBulkSend: rows must be an array');
	opts.rows.forEach(assertRow);
	assertSessions(opts.sessions);
	for (const name of ['sendOne', 'sendBulk', 'sleep'] as const) {
		if (typeof opts[name] !== 'function') {
			throw new TypeError(`runBulkSend: ${name} must be a function`);
		}
	}
	for (const name of ['now', 'random', 'onProgress'] as const) {
		if (opts[name] !== undefined && typeof opts[name] !== 'function') {
			throw new TypeError(`runBulkSend: ${name} must be a function when given`);
		}
	}
	if (typeof opts.groupIdentical !== 'boolean') {
		throw new TypeError('runBulkSend: groupIdentical must be true or false');
	}
	assertSentToday(opts.sentToday);
}

function assertRow(row: BulkRow<unknown>, position: number): void {
	const where = `runBulkSend: rows[${position}]`;
	if (typeof row !== 'object' || row === null || typeof row.index !== 'number') {
		throw new TypeError(`${where} must be an object with a numeric index`);
	}
	if (row.invalidReason !== undefined) {
		if (typeof row.invalidReason !== 'string') {
			throw new TypeError(`${where}.invalidReason must be a string`);
		}
		return;
	}
	if (typeof row.to !== 'string' || typeof row.messageKey !== 'string') {
		throw new TypeError(`${where} needs either invalidReason or both to and messageKey strings`);
	}
}

function assertSessions(sessions: readonly string[]): void {
	if (!Array.isArray(sessions) || sessions.length === 0) {
		throw new TypeError('runBulkSend: at least one session id is required');
	}
	if (sessions.some((id) => typeof id !== 'string' || id === '')) {
		throw new TypeError('runBulkSend: session ids must be non-empty strings');
	}
	if (new Set(sessions).size !== sessions.length) {
		// A session listed twice would get twice its anti-ban allowance.
		throw new TypeError('runBulkSend: session ids must be unique');
	}
}

function assertSentToday(sentToday: EngineOpts['sentToday']): void {
	if (sentToday === undefined) return;
	if (!isNonNegativeNumber(sentToday?.plan)) {
		throw new TypeError('runBulkSend: sentToday.plan must be a number ≥ 0');
	}
	for (const [id, sent] of Object.entries(sentToday.perSession ?? {})) {
		if (!isNonNegativeNumber(sent)) {
			throw new TypeError(`runBulkSend: sentToday.perSession[${id}] must be a number ≥ 0`);
		}
	}
}

function assertSettings(settings: Settings): void {
	assertInteger('maxRecipientsPerBulk', settings.maxRecipientsPerBulk, 1, MAX_RECIPIENTS_PER_BULK);
	assertInteger('minGroupSize', settings.minGroupSize, 1, Infinity);
	assertInteger('maxAttempts', settings.maxAttempts, 1, Infinity);
	assertInteger('concurrency', settings.concurrency, 1, Infinity);
	for (const name of ['backoffBaseMs', 'backoffCapMs', 'pollMs'] as const) {
		const value = settings[name];
		if (!Number.isFinite(value) || value <= 0) {
			throw new TypeError(`runBulkSend: ${name} must be a positive number, got ${String(value)}`);
		}
	}
	if (settings.backoffCapMs < settings.backoffBaseMs) {
		throw new TypeError('runBulkSend: backoffCapMs must not be below backoffBaseMs');
	}
}

function assertInteger(name: string, value: number, min: number, max: number): void {
	if (!Number.isInteger(value) || value < min || value > max) {
		const range = max === Infinity ? `≥ ${min}` : `${min}..${max}`;
		throw new TypeError(`runBulkSend: ${name} must be an integer ${range}, got ${String(value)}`);
	}
}
