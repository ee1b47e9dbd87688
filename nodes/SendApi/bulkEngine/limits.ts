import { isPositiveIntegerOrInfinity } from './SlidingWindowLimiter';
import type { BulkLimits } from './types';

export type ResolvedBulkLimits = Readonly<Required<BulkLimits>>;

export type PlanName = 'starter' | 'growth' | 'business' | 'enterprise';

export const DEFAULT_WINDOW_MS = 60_000;

/** SendApi's `/send-bulk` takes at most 500 recipients. */
export const MAX_RECIPIENTS_PER_BULK = 500;

/** SendApi's anti-ban caps, the same on every plan. */
export const SESSION_MESSAGES_PER_WINDOW = 30;
export const SESSION_MESSAGES_PER_DAY = 1_000;

function plan(
	planMessagesPerWindow: number,
	planMessagesPerDay: number,
	requestsPerWindow: number,
): ResolvedBulkLimits {
	return Object.freeze({
		windowMs: DEFAULT_WINDOW_MS,
		planMessagesPerWindow,
		planMessagesPerDay,
		requestsPerWindow,
		sessionMessagesPerWindow: SESSION_MESSAGES_PER_WINDOW,
		sessionMessagesPerDay: SESSION_MESSAGES_PER_DAY,
	});
}

/** SendApi's published limits per plan (per minute / per day). */
export const PLAN_LIMITS: Readonly<Record<PlanName, ResolvedBulkLimits>> = Object.freeze({
	starter: plan(10, 500, 60),
	growth: plan(60, 5_000, 300),
	business: plan(200, 50_000, 1_000),
	// Assumption: SendApi publishes no message limits for Enterprise (only 2,000 requests/min).
	// 1,000/min and 500,000/day are our own conservative stand-ins; override them if the
	// account has contractual numbers.
	enterprise: plan(1_000, 500_000, 2_000),
});

/** Connected sessions each plan allows (Enterprise: unlimited). */
export const PLAN_MAX_SESSIONS: Readonly<Record<PlanName, number>> = Object.freeze({
	starter: 1,
	growth: 3,
	business: 10,
	enterprise: Infinity,
});

/** Requests one session may have in flight at once, and the most for a whole run. */
export const CONCURRENCY_PER_SESSION = 4;
export const MAX_CONCURRENCY = 32;

/**
 * Requests in flight at once for a run over `sessionCount` sessions. SendApi spaces a session's
 * messages by 1–3 s (anti-ban), so an answer may take that long: with a fixed 4 in flight, 2 s
 * answers carry only 120 messages a minute, below Business's 200. Four per session keep every
 * session busy (30/min each needs far fewer); capacity is reserved at dispatch, so more in flight
 * can never push a window over.
 */
export function concurrencyForSessions(sessionCount: number): number {
	return Math.min(MAX_CONCURRENCY, CONCURRENCY_PER_SESSION * Math.max(1, sessionCount));
}

/** Fills the defaults and rejects anything that is not a positive integer (or Infinity). */
export function resolveBulkLimits(limits: BulkLimits): ResolvedBulkLimits {
	if (typeof limits !== 'object' || limits === null) {
		throw new TypeError('bulk limits: an object is required');
	}
	const resolved: ResolvedBulkLimits = {
		windowMs: limits.windowMs ?? DEFAULT_WINDOW_MS,
		planMessagesPerWindow: limits.planMessagesPerWindow,
		planMessagesPerDay: limits.planMessagesPerDay,
		requestsPerWindow: limits.requestsPerWindow,
		sessionMessagesPerWindow: limits.sessionMessagesPerWindow ?? SESSION_MESSAGES_PER_WINDOW,
		sessionMessagesPerDay: limits.sessionMessagesPerDay ?? SESSION_MESSAGES_PER_DAY,
	};
	const { windowMs, ...counts } = resolved;
	if (!Number.isFinite(windowMs) || windowMs <= 0) {
		throw new TypeError(`bulk limits: windowMs must be a positive number, got ${String(windowMs)}`);
	}
	for (const [name, value] of Object.entries(counts)) {
		if (!isPositiveIntegerOrInfinity(value)) {
			throw new TypeError(
				`bulk limits: ${name} must be a positive integer or Infinity, got ${String(value)}`,
			);
		}
	}
	return Object.freeze(resolved);
}

/**
 * Single sends one window can carry with `sessionCount` sessions: the tightest of the plan's
 * message window, the key's request window and the sessions' anti-ban windows together.
 */
export function effectiveRatePerWindow(limits: BulkLimits, sessionCount: number): number {
	const resolved = resolveBulkLimits(limits);
	return Math.min(
		resolved.planMessagesPerWindow,
		resolved.requestsPerWindow,
		resolved.sessionMessagesPerWindow * sessionCount,
	);
}

/**
 * When the last of `messageCount` single sends may start under a perfect schedule, measured from
 * the first: the first R go at 0, the next R at one window, and so on (R =
 * `effectiveRatePerWindow`), so it is floor((N - 1) / R) windows. Day caps are not part of it:
 * count only the rows that will be sent.
 */
export function optimalMs(
	messageCount: number,
	limits: BulkLimits,
	sessions: number | readonly string[],
): number {
	const sessionCount = typeof sessions === 'number' ? sessions : sessions.length;
	if (!Number.isInteger(sessionCount) || sessionCount < 1) {
		throw new TypeError(`optimalMs: at least one session is required, got ${String(sessionCount)}`);
	}
	if (messageCount <= 1) return 0;
	const rate = effectiveRatePerWindow(limits, sessionCount);
	if (rate === Infinity) return 0;
	return Math.floor((messageCount - 1) / rate) * resolveBulkLimits(limits).windowMs;
}
