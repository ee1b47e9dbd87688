export { runBulkSend } from './BulkSendEngine';
export { retryDelayMs } from './units';
export {
	concurrencyForSessions,
	DEFAULT_WINDOW_MS,
	effectiveRatePerWindow,
	MAX_RECIPIENTS_PER_BULK,
	optimalMs,
	PLAN_LIMITS,
	PLAN_MAX_SESSIONS,
	resolveBulkLimits,
	SESSION_MESSAGES_PER_DAY,
	SESSION_MESSAGES_PER_WINDOW,
} from './limits';
export type { PlanName, ResolvedBulkLimits } from './limits';
export { buildJobs, forecastDailyQuota, isValidRow } from './planning';
export type { DailyForecast, Job, SentToday } from './planning';
export { HeldWindow } from './HeldWindow';
export { SlidingWindowLimiter } from './SlidingWindowLimiter';
export type { SlidingWindowLimiterOpts } from './SlidingWindowLimiter';
export { MAY_HAVE_BEEN_SENT } from './types';
export type {
	AbortLike,
	BulkLimits,
	BulkOutcome,
	BulkProgress,
	BulkRow,
	EngineOpts,
	InvalidBulkRow,
	RateLimitInfo,
	SendBulkRequest,
	SendFailure,
	SendOneRequest,
	SendResult,
	SendSuccess,
	ValidBulkRow,
} from './types';
