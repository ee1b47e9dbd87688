/**
 * One dispatch (a single row or a bulk chunk) and its tries: how many it made, which of them
 * count against maxAttempts, whether it may be tried again, and how long to wait before that.
 */
import { ENGINE_DEFAULTS } from './engineOptions';
import { isRefusal } from './sendResults';
import type { SendFailure } from './types';

/**
 * One dispatch: a single row or a bulk chunk. It keeps its session and its rows for every retry,
 * so a retry repeats the very same request (same body, so the same Idempotency-Key is valid).
 */
export interface Unit {
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
	/**
	 * Which Idempotency-Key its requests carry (the sender derives the key from it): the same
	 * while the unit is unsettled, the next one after each refusal otherwise (keyAfterFailure).
	 */
	keyRound: number;
}

/**
 * Whether a unit is unsettled after `failure` (its rows may have gone out), and the key round of
 * its retry. Any failure that is not a refusal leaves it unsettled; a refusal SendApi answered from
 * its idempotency store (`replayed`) settles it, since what SendApi keeps under the key is then a
 * refusal: nothing was sent under it. A settled unit cannot have been sent, so its retry gets a
 * new key: SendApi may keep a refusal under its key (undocumented) and answer every retry with the
 * stored 429. An unsettled unit keeps its key: only that key's answer tells whether it went out.
 */
export function keyAfterFailure(
	unit: Unit,
	failure: SendFailure,
): Pick<Unit, 'unsettled' | 'keyRound'> {
	const unsettled = !isRefusal(failure) || (unit.unsettled && failure.replayed !== true);
	return { unsettled, keyRound: unsettled ? unit.keyRound : unit.keyRound + 1 };
}

/**
 * However many of them were 429s waited out, a row is tried at most this many times maxAttempts
 * (a server that only ever answers 429 must still end the run).
 */
const MAX_ATTEMPTS_WITH_WAITS = 10;

/** Share of the nominal backoff added at random, so failures at one instant retry apart. */
const JITTER_RATIO = 0.25;

/** Attempts the unit's rows have made, on this session and on any they were moved from. */
export function attemptsMade(unit: Unit): number {
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

/** Whether the failure may be retried, and the unit has tries left. */
export function mayTryAgain(unit: Unit, failure: SendFailure, maxAttempts: number): boolean {
	return (
		failure.retryable &&
		countedAttempts(unit) < maxAttempts &&
		attemptsMade(unit) < maxAttempts * MAX_ATTEMPTS_WITH_WAITS
	);
}

/**
 * Delay before retry number `attempt + 1` after a retryable failure without Retry-After:
 * exponential from `baseMs`, plus up to 25 % jitter, never above `capMs`.
 */
export function retryDelayMs(
	attempt: number,
	random: () => number,
	baseMs: number = ENGINE_DEFAULTS.backoffBaseMs,
	capMs: number = ENGINE_DEFAULTS.backoffCapMs,
): number {
	const nominal = Math.min(capMs, baseMs * 2 ** (attempt - 1));
	const jitter = Math.min(Math.max(random(), 0), 1);
	return Math.min(capMs, nominal * (1 + JITTER_RATIO * jitter));
}
