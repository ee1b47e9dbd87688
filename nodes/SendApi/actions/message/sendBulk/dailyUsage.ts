/**
 * How many messages already went out today, read before the first send so the engine can refuse
 * up front the rows the daily limits cannot carry. One `GET /messages` per count with
 * `per_page=1`: only `meta.total` is needed.
 *
 * If a count cannot be read, the run goes on as if nothing had been sent today and says so in an
 * execution hint. Refusing to send would turn a failed convenience read into a failed campaign,
 * while SendApi still enforces its day caps: rows past them come back refused (402 quota_exceeded
 * or 429 sending_limited) and are reported not_sent with SendApi's reason, so no row is lost
 * either way; only the clean up-front reason is.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { SentToday } from '../../../bulkEngine';
import { apiRequestFull } from '../../../transport';
import { readPageMeta, WHATSAPP_PREFIX } from '../../../transport/wire/envelope';
import { messagesQuery } from '../../../transport/wire/messageBodies';
import type { RateLimitState } from '../../../transport/retryPolicy';

export interface DailyUsage {
	sentToday: SentToday;
	/** Requests made (they count against the key's request budget too). */
	requests: number;
	/** Set when a count could not be read and 0 was assumed. */
	problem?: string;
	/** The key's request budget as the most recent of these answers gave it (lowest remaining). */
	rateLimit?: RateLimitState;
}

/** Midnight UTC of the day `now` is in, as ISO 8601 (SendApi's day is assumed to be the UTC day). */
export function startOfTodayUtc(now: Date = new Date()): string {
	return new Date(
		Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()),
	).toISOString();
}

export async function readDailyUsage(
	context: IExecuteFunctions,
	sessions: readonly string[],
	now: Date = new Date(),
): Promise<DailyUsage> {
	const fromDate = startOfTodayUtc(now);
	const count = async (sessionId?: string): Promise<Count> => {
		try {
			return await sentSince(context, fromDate, sessionId);
		} catch (error) {
			const whose = sessionId === undefined ? 'plan' : `session ${sessionId}`;
			return { sent: 0, problem: `${whose}: ${error.message}` };
		}
	};
	const counts = await Promise.all([undefined, ...sessions].map(count));
	const [plan, ...perSession] = counts.map((result) => result.sent);
	const problems = counts.flatMap((result) => (result.problem ? [result.problem] : []));
	const sentToday: SentToday = {
		plan,
		perSession: Object.fromEntries(sessions.map((id, position) => [id, perSession[position]])),
	};
	const usage: DailyUsage = { sentToday, requests: sessions.length + 1 };
	const rateLimit = lowestRemaining(counts.map((result) => result.rateLimit));
	if (rateLimit) usage.rateLimit = rateLimit;
	if (problems.length > 0) {
		usage.problem =
			`Could not read how many messages went out today (${problems.join('; ')}), so 0 was assumed. ` +
			'Rows beyond the daily limits will be refused by SendApi and reported as not sent.';
	}
	return usage;
}

interface Count {
	sent: number;
	problem?: string;
	rateLimit?: RateLimitState;
}

async function sentSince(
	context: IExecuteFunctions,
	fromDate: string,
	sessionId?: string,
): Promise<Count> {
	const qs = { ...messagesQuery({ direction: 'out', fromDate, sessionId }), page: 1, per_page: 1 };
	const response = await apiRequestFull.call(context, 'GET', `${WHATSAPP_PREFIX}/messages`, { qs });
	const total = readPageMeta(response.body).total;
	if (total === undefined) throw new Error('the answer has no meta.total');
	return { sent: total, rateLimit: response.rateLimit };
}

/** The counts run in parallel: the answer SendApi counted last shows the least remaining. */
function lowestRemaining(states: Array<RateLimitState | undefined>): RateLimitState | undefined {
	let lowest: RateLimitState | undefined;
	for (const state of states) {
		if (state?.remaining === undefined) continue;
		if (!lowest || state.remaining < (lowest.remaining as number)) lowest = state;
	}
	return lowest;
}
