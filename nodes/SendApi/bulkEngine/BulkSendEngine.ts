/**
 * The rate-aware bulk sending engine: spreadsheet rows in, one outcome per row out, sent at the
 * fastest pace SendApi's limits allow and never faster. Every dispatch must fit all windows at
 * once (RunCapacity); work starts as soon as a window has room, which makes the schedule optimal
 * for the "last message starts as early as possible" measure (see `optimalMs`).
 *
 * What the run cannot see it learns from the answers: X-RateLimit-Remaining (other clients of the
 * key) caps how many requests may start before the reset; a 429 pauses everything for Retry-After,
 * or only its session when it is the session's own anti-ban limit; a session that cannot send is
 * left out and its rows move to the others; the plan's daily quota found spent ends every row not
 * yet started. Every row ends with exactly one outcome.
 */
import {
	assertEngineOpts,
	engineSettings,
	isNonNegativeNumber,
	type EngineSettings,
} from './engineOptions';
import { resolveBulkLimits, type ResolvedBulkLimits } from './limits';
import {
	failureReason,
	mayHaveBeenSent,
	noSessionReason,
	balanceLowReason,
	planQuotaSpentReason,
	RowOutcomes,
} from './outcomes';
import { buildJobs, forecastDailyQuota, isValidRow, type Job } from './planning';
import { RunCapacity, type SessionChoice } from './RunCapacity';
import { asSendResult, isRefusal, thrownAsFailure } from './sendResults';
import type {
	BulkOutcome,
	BulkRow,
	EngineOpts,
	SendFailure,
	SendResult,
	ValidBulkRow,
} from './types';
import { attemptsMade, keyAfterFailure, mayTryAgain, retryDelayMs, type Unit } from './units';

/** Sends every row under the limits; resolves with one outcome per input row, in input order. */
export async function runBulkSend<P = unknown>(opts: EngineOpts<P>): Promise<BulkOutcome[]> {
	return new BulkSendRun(opts).run();
}

type Step = { dispatch: Unit } | { waitMs: number };

class BulkSendRun<P> {
	private readonly rows: readonly BulkRow<P>[];

	private readonly sessions: readonly string[];

	private readonly limits: ResolvedBulkLimits;

	private readonly settings: EngineSettings;

	private readonly capacity: RunCapacity;

	private readonly outcomes: RowOutcomes;

	private sessionDayLeft: number[] = [];

	private jobs: Job[] = [];

	private nextJob = 0;

	/** Rows taken off a session that cannot send, waiting for another session (before new jobs). */
	private moved: Job[] = [];

	/** Why each session was found unable to send (undefined: it can). */
	private readonly sessionDown: Array<string | undefined>;

	private retries: Unit[] = [];

	private readonly inFlight = new Set<Promise<void>>();

	/**
	 * Set once SendApi says the plan's day is spent or the balance is too low: why the rows not
	 * yet started end.
	 */
	private planQuotaReason: string | undefined;

	private roundRobin = 0;

	constructor(private readonly opts: EngineOpts<P>) {
		assertEngineOpts(opts);
		this.rows = opts.rows;
		this.sessions = opts.sessions;
		this.limits = resolveBulkLimits(opts.limits);
		this.settings = engineSettings(opts);
		this.capacity = new RunCapacity(this.limits, opts.sessions.length);
		this.outcomes = new RowOutcomes(opts.rows);
		this.sessionDown = opts.sessions.map(() => undefined);
	}

	async run(): Promise<BulkOutcome[]> {
		this.capacity.followServerBudget(this.opts.serverRateLimit, this.settings.now(), 0);
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
		return this.outcomes.collect();
	}

	/** Invalid rows and rows over today's quota are decided before the first send. */
	private settleBeforeSending(): void {
		this.rows.forEach((row, position) => {
			if (!isValidRow(row)) {
				this.outcomes.finish([position], {
					status: 'not_sent',
					reason: row.invalidReason,
					attempts: 0,
				});
			}
		});
		const forecast = forecastDailyQuota(this.rows, this.sessions, this.limits, this.opts.sentToday);
		this.outcomes.finish(forecast.refused, {
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
		const held = this.capacity.heldFor(now);
		if (held > 0) return { waitMs: held };
		let waitMs = Infinity;
		for (let i = 0; i < this.retries.length; i++) {
			const retry = this.retries[i];
			const delay = Math.max(
				retry.notBefore - now,
				this.capacity.delayFor(retry.session, retry.positions.length, now),
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

	/** The session that can send soonest (see RunCapacity.chooseSession), round-robin. */
	private chooseSession(now: number): SessionChoice | undefined {
		return this.capacity.chooseSession(now, this.roundRobin, (session) =>
			this.sessionDown[session] === undefined ? this.sessionDayLeft[session] : 0,
		);
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
			keyRound: job.keyRound ?? 0,
		};
		if (job.kind === 'one') {
			this.jobTaken(job);
			return { ...unit, positions: [job.position] };
		}
		const size = Math.min(
			job.positions.length - job.next,
			this.settings.maxRecipientsPerBulk,
			this.capacity.planRoom(now),
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
		this.capacity.reserve(unit.session, weight);
		// Day budgets count rows, not attempts: retries reuse the Idempotency-Key, so a row is
		// delivered at most once however often it is tried.
		if (unit.attempt === 1) this.sessionDayLeft[unit.session] -= weight;
		const tracked: Promise<void> = this.invoke(unit)
			.then((result) => this.settle(unit, result))
			.finally(() => this.inFlight.delete(tracked));
		this.inFlight.add(tracked);
	}

	private invoke(unit: Unit): Promise<SendResult> {
		const { attempt, keyRound } = unit;
		const request = { sessionId: this.sessions[unit.session], attempt, keyRound };
		try {
			const pending = unit.bulk
				? this.opts.sendBulk({ ...request, rows: unit.positions.map((p) => this.validRow(p)) })
				: this.opts.sendOne({ ...request, row: this.validRow(unit.positions[0]) });
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
		this.capacity.settle(unit.session, unit.positions.length, now, nothingSent);
		// The settling request is still in the in-flight set: the others are the rest.
		this.capacity.followServerBudget(result.rateLimit, now, this.inFlight.size - 1);
		if (result.ok) {
			this.outcomes.finish(unit.positions, {
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
	 * 429: every dispatch pauses for Retry-After, then the same unit is tried again. Other
	 * retryable failures back off exponentially on their own. The plan's day spent or the balance
	 * too low: the unit ends with SendApi's answer, and so does every row not yet started
	 * (stopForPlanQuota).
	 *
	 * Rows are moved to another session only when nothing of them can have gone out: a unit whose
	 * earlier answer was lost (`unsettled`) stays on its session whatever SendApi says now, since
	 * another session means another Idempotency-Key, and moving it could send it twice. Likewise
	 * a retry keeps its key only while the unit is unsettled; one refused with every answer
	 * received gets the next key (keyAfterFailure). This is the one place those rules live (with
	 * takeSessionOutOfService); callers only report answers.
	 */
	private handleFailure(refusedUnit: Unit, failure: SendFailure, now: number): void {
		const waited = failure.refused === true && isNonNegativeNumber(failure.retryAfterMs) ? 1 : 0;
		const { unsettled, keyRound } = keyAfterFailure(refusedUnit, failure);
		const unit = {
			...refusedUnit,
			waitedOut: (refusedUnit.waitedOut ?? 0) + waited,
			unsettled,
			keyRound,
		};
		if (failure.planQuotaExceeded === true || failure.balanceLow === true) {
			this.stopForPlanQuota(failure);
			this.endUnit(unit, failure.reason);
			return;
		}
		if (failure.sessionUnavailable === true) {
			this.takeSessionOutOfService(unit.session, failure.reason);
			if (unsettled) {
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
		const canRetry = mayTryAgain(unit, failure, this.settings.maxAttempts);
		if (canRetry && !unsettled && this.planQuotaReason !== undefined) {
			// Nothing of it went out, and the day is spent: a retry could only be refused.
			this.endUnit(unit, this.planQuotaReason);
			return;
		}
		if (failure.sessionLimited === true && retryAfterMs !== undefined) {
			// Only this session waits. Rows SendApi refused outright (nothing was sent) go to the
			// first session free; a unit whose earlier answer was lost waits for this one (below).
			this.capacity.pauseSession(unit.session, now + retryAfterMs);
			if (canRetry && !unsettled && !this.aborted()) {
				this.move(unit);
				return;
			}
		} else if (retryAfterMs !== undefined) {
			this.capacity.pauseAll(now + retryAfterMs);
		}
		if (canRetry && !this.aborted()) {
			const delay = retryAfterMs ?? this.backoff(unit.attempt);
			this.retries.push({ ...unit, attempt: unit.attempt + 1, notBefore: now + delay });
			return;
		}
		this.endUnit(unit, failureReason(failure, attemptsMade(unit), canRetry));
	}

	/** The unit's rows end not_sent on its session, after the attempts it made. */
	private endUnit(unit: Unit, reason: string): void {
		this.outcomes.finish(unit.positions, {
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
		const earlier = {
			earlierAttempts: attemptsMade(unit),
			earlierWaits: unit.waitedOut ?? 0,
			keyRound: unit.keyRound,
		};
		this.moved.push(
			unit.positions.length === 1
				? { kind: 'one', position: unit.positions[0], ...earlier }
				: { kind: 'group', positions: unit.positions, next: 0, ...earlier },
		);
	}

	/**
	 * SendApi says the plan's daily quota is spent (the node's daily limit is set higher than the
	 * account really has). It does not come back within the run, so nothing new is sent: every row
	 * not yet started ends now, without a request, with SendApi's words and the numbers the run
	 * knows. Retries of rows SendApi refused outright end too (they could only be refused again);
	 * a retry whose earlier answer was lost is still made, since only its answer (same
	 * Idempotency-Key) tells whether the row went out. Requests in flight are answered as usual.
	 * A balance too low (balanceLow) stops the run the same way, with its own reason.
	 */
	private stopForPlanQuota(failure: SendFailure): void {
		if (this.planQuotaReason !== undefined) return;
		const said = failure.reason;
		const sentByRun = this.outcomes.counts.sent + this.outcomes.counts.queued;
		this.planQuotaReason =
			failure.balanceLow === true
				? balanceLowReason(said, sentByRun)
				: planQuotaSpentReason(said, sentByRun, this.opts.sentToday, this.limits);
		const refusedOutright = this.retries.filter((retry) => !retry.unsettled);
		this.endWaitingWork(this.planQuotaReason, refusedOutright);
	}

	/**
	 * No session can take the waiting rows any more: all that are left cannot send, or their
	 * day budgets went to rows moved over from sessions that could not. The rows end not_sent.
	 */
	private giveUpWaitingJobs(): void {
		this.finishWaitingJobs(noSessionReason(this.sessions, this.sessionDown, this.limits));
		this.reportProgress();
	}

	/** Every row that has not left yet (moved rows and fresh jobs) ends not_sent with `reason`. */
	private finishWaitingJobs(reason: string): void {
		for (let job = this.currentJob(); job; job = this.currentJob()) {
			const positions = job.kind === 'one' ? [job.position] : job.positions.slice(job.next);
			const attempts = job.earlierAttempts ?? 0;
			this.outcomes.finish(positions, { status: 'not_sent', reason, attempts });
			this.jobTaken(job);
		}
	}

	private backoff(attempt: number): number {
		const { random, backoffBaseMs, backoffCapMs } = this.settings;
		return retryDelayMs(attempt, random, backoffBaseMs, backoffCapMs);
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
			this.outcomes.finish(retry.positions, {
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

	private reportProgress(): void {
		this.opts.onProgress?.(this.outcomes.progress(this.capacity.trackedEntries()));
	}
}
