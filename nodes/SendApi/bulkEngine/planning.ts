/**
 * What the engine decides before the first send: which rows today's quota can still carry, and
 * which rows travel together in bulk calls. Pure functions over row positions (indexes into the
 * input array), so duplicate or odd `index` values never confuse the bookkeeping.
 */
import type { ResolvedBulkLimits } from './limits';
import type { BulkRow, ValidBulkRow } from './types';

export interface DailyForecast {
	/** Positions of valid rows the quota can carry, in input order. */
	accepted: number[];
	/** Positions of valid rows beyond the quota, in input order. */
	refused: number[];
	/** Why the refused rows are refused (undefined when none are). */
	refusedReason?: string;
	/** Messages each session may still send today, by session position. */
	sessionDayLeft: number[];
}

export interface SentToday {
	plan: number;
	perSession?: Readonly<Record<string, number>>;
}

/**
 * Rows are taken in input order until the smaller of two budgets runs out: the plan's messages
 * left today, and the sessions' anti-ban messages left today added up. A row past that point is
 * refused before anything is sent, because starting rows the quota cannot finish only produces
 * half-done runs that the API would refuse anyway.
 */
export function forecastDailyQuota(
	rows: readonly BulkRow[],
	sessions: readonly string[],
	limits: ResolvedBulkLimits,
	sentToday: SentToday = { plan: 0 },
): DailyForecast {
	const planLeft = Math.max(0, limits.planMessagesPerDay - sentToday.plan);
	const sessionSent = sessions.map((id) => sentToday.perSession?.[id] ?? 0);
	const sessionDayLeft = sessionSent.map((sent) =>
		Math.max(0, limits.sessionMessagesPerDay - sent),
	);
	const sessionsLeft = sessionDayLeft.reduce((sum, left) => sum + left, 0);
	const carried = Math.min(planLeft, sessionsLeft);

	const accepted: number[] = [];
	const refused: number[] = [];
	rows.forEach((row, position) => {
		if (!isValidRow(row)) return;
		(accepted.length < carried ? accepted : refused).push(position);
	});
	if (refused.length === 0) return { accepted, refused, sessionDayLeft };

	const refusedReason =
		planLeft <= sessionsLeft
			? `daily limit: ${limits.planMessagesPerDay} messages/day on the plan, ` +
				`${sentToday.plan} already sent today, ${planLeft} left; this row was not started`
			: `daily limit: ${limits.sessionMessagesPerDay} messages/day per session ` +
				`on ${sessions.length} session(s), ${sum(sessionSent)} already sent today, ` +
				`${sessionsLeft} left; this row was not started`;
	return { accepted, refused, refusedReason, sessionDayLeft };
}

/** A unit of fresh work: one row, or a group of same-content rows handed out chunk by chunk. */
export type Job = (
	{ kind: 'one'; position: number } | { kind: 'group'; positions: number[]; next: number }
) & {
	/** Rows moved off a session: what they did there (see Unit). */
	earlierAttempts?: number;
	earlierWaits?: number;
	keyRound?: number;
};

/**
 * Orders the accepted rows into jobs, each at the place of its first row. With grouping on, rows
 * sharing a `messageKey` form one group job when there are at least `minGroupSize` of them;
 * the rest are single sends.
 */
export function buildJobs(
	rows: readonly BulkRow[],
	accepted: readonly number[],
	groupIdentical: boolean,
	minGroupSize: number,
): Job[] {
	if (!groupIdentical) return accepted.map((position) => ({ kind: 'one', position }));

	const groups = new Map<string, number[]>();
	for (const position of accepted) {
		const key = (rows[position] as ValidBulkRow).messageKey;
		const members = groups.get(key);
		if (members) members.push(position);
		else groups.set(key, [position]);
	}

	const jobs: Job[] = [];
	for (const position of accepted) {
		const members = groups.get((rows[position] as ValidBulkRow).messageKey) as number[];
		if (members.length < minGroupSize) jobs.push({ kind: 'one', position });
		else if (members[0] === position) jobs.push({ kind: 'group', positions: members, next: 0 });
	}
	return jobs;
}

export function isValidRow<P>(row: BulkRow<P>): row is ValidBulkRow<P> {
	return typeof row.invalidReason !== 'string';
}

function sum(values: readonly number[]): number {
	return values.reduce((total, value) => total + value, 0);
}
