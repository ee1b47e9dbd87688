/**
 * What each row ends with: the book that gives every row exactly one outcome (and counts them for
 * progress), and the texts of the reasons a row ends not_sent.
 */
import type { ResolvedBulkLimits } from './limits';
import type { SentToday } from './planning';
import { MAY_HAVE_BEEN_SENT } from './types';
import type { BulkOutcome, BulkProgress, BulkRow, SendFailure } from './types';

/** One outcome per row, by position in the input; a second one for a row is an engine bug. */
export class RowOutcomes {
	private readonly outcomes: Array<BulkOutcome | undefined>;

	readonly counts = { done: 0, sent: 0, queued: 0, notSent: 0 };

	constructor(private readonly rows: readonly BulkRow[]) {
		this.outcomes = new Array<BulkOutcome | undefined>(rows.length);
	}

	finish(positions: readonly number[], fields: Omit<BulkOutcome, 'index'>): void {
		for (const position of positions) {
			if (this.outcomes[position]) {
				throw new Error(`bulk engine: row at position ${position} would be reported twice`);
			}
			this.outcomes[position] = { index: this.rows[position].index, ...definedOnly(fields) };
			this.count(fields.status);
		}
	}

	progress(trackedWindowEntries: number): BulkProgress {
		return { total: this.rows.length, ...this.counts, trackedWindowEntries };
	}

	/** Every row has an outcome by now; a gap would be an engine bug, reported rather than lost. */
	collect(): BulkOutcome[] {
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

	private count(status: BulkOutcome['status']): void {
		this.counts.done++;
		if (status === 'sent') this.counts.sent++;
		else if (status === 'queued') this.counts.queued++;
		else this.counts.notSent++;
	}
}

/** A row given up after an answer was lost says so, so nobody re-sends it blindly. */
export function mayHaveBeenSent(reason: string): string {
	if (reason.includes(MAY_HAVE_BEEN_SENT)) return reason;
	return `${reason}; an earlier answer was lost, so ${MAY_HAVE_BEEN_SENT}`;
}

export function failureReason(failure: SendFailure, attempts: number, couldRetry: boolean): string {
	if (!failure.retryable) return failure.reason;
	if (couldRetry) return `cancelled (last attempt: ${failure.reason})`;
	return `${failure.reason} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'})`;
}

/**
 * Why rows end when SendApi says the plan's day is spent, with the numbers the run has then: what
 * it sent (queued counts, it was accepted), today's usage as read before the run, and the daily
 * limit it was given.
 */
export function planQuotaSpentReason(
	said: string,
	sentByRun: number,
	sentToday: SentToday | undefined,
	limits: ResolvedBulkLimits,
): string {
	const before = sentToday
		? `${sentToday.plan} were already sent today before the run`
		: 'what was sent today before the run was not read';
	const dayLimit = limits.planMessagesPerDay;
	const setting = dayLimit === Infinity ? 'not set' : `${dayLimit} messages/day on the plan`;
	return (
		`daily limit: SendApi refused a send with "${said}" after this run had sent ${sentByRun}; ` +
		`${before}; the node's daily limit is ${setting}; this row was not started`
	);
}

/**
 * Why rows end when SendApi says the account's balance is too low, with what the run sent
 * before: nothing goes out from any session until the balance is topped up.
 */
export function balanceLowReason(said: string, sentByRun: number): string {
	return (
		`balance low: SendApi refused a send with "${said}" after this run had sent ${sentByRun}; ` +
		'top up the SendApi balance, then send the rows not sent again; this row was not started'
	);
}

/** Why waiting rows end when no session can take them; `down` says why each session cannot send. */
export function noSessionReason(
	sessions: readonly string[],
	down: ReadonlyArray<string | undefined>,
	limits: ResolvedBulkLimits,
): string {
	const unable = sessions
		.map((id, session) => ({ id, reason: down[session] }))
		.filter((entry) => entry.reason !== undefined);
	const downText = unable.map((entry) => `${entry.id}: ${String(entry.reason)}`).join('; ');
	if (unable.length === sessions.length) return `no session can send (${downText})`;
	return (
		`daily limit: the sessions that can send have no anti-ban day budget left ` +
		`(${limits.sessionMessagesPerDay}/day each); sessions that cannot send: ${downText}`
	);
}

function definedOnly<T extends object>(fields: T): T {
	const copy = { ...fields };
	for (const key of Object.keys(copy) as Array<keyof T>) {
		if (copy[key] === undefined) delete copy[key];
	}
	return copy;
}
