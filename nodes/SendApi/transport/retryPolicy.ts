/**
 * How long to wait before trying a request again. Pure functions so the policy can be tested
 * without a server and shared by the transport and the bulk engine's sender.
 */

/** SendApi recommends exponential backoff from 1 s, capped at 60 s. */
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 60_000;

/** Never sit on a single Retry-After longer than this; past it the user is better told. */
export const MAX_RETRY_AFTER_MS = 120_000;

/** "Full jitter": spreads retries of many items so they do not hit the server in lockstep. */
export function backoffDelayMs(retryNumber: number, random: () => number = Math.random): number {
	const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, retryNumber - 1));
	return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Reads `Retry-After` (seconds or an HTTP date). The fake server's `Retry-After-Ms` is honoured
 * first because benchmarks shrink the minute to a few seconds; real SendApi only sends seconds.
 */
export function retryAfterMs(headers: Record<string, unknown>, nowMs: number): number | undefined {
	const precise = Number(header(headers, 'retry-after-ms'));
	if (Number.isFinite(precise) && precise >= 0) return precise;
	const value = header(headers, 'retry-after');
	if (value === undefined || value === '') return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export interface RateLimitState {
	limit?: number;
	remaining?: number;
	/** Epoch milliseconds at which the window frees up again. */
	resetAtMs?: number;
}

/**
 * Reads `X-RateLimit-*`. The reset is Unix seconds; the fake server's `X-RateLimit-Reset-Ms`
 * (epoch ms) is honoured first, for the same reason as `Retry-After-Ms`.
 */
export function readRateLimit(headers: Record<string, unknown>): RateLimitState | undefined {
	const limit = numberHeader(headers, 'x-ratelimit-limit');
	const remaining = numberHeader(headers, 'x-ratelimit-remaining');
	const resetSeconds = numberHeader(headers, 'x-ratelimit-reset');
	const resetMs = numberHeader(headers, 'x-ratelimit-reset-ms');
	if (limit === undefined && remaining === undefined && resetSeconds === undefined)
		return undefined;
	const resetAtMs = resetMs ?? (resetSeconds === undefined ? undefined : resetSeconds * 1000);
	return { limit, remaining, resetAtMs };
}

function header(headers: Record<string, unknown>, name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	if (Array.isArray(value)) return String(value[0]);
	return value === undefined || value === null ? undefined : String(value);
}

function numberHeader(headers: Record<string, unknown>, name: string): number | undefined {
	const value = header(headers, name);
	if (value === undefined || value === '') return undefined;
	const n = Number(value);
	return Number.isFinite(n) ? n : undefined;
}
