import {
	effectiveRatePerWindow,
	optimalMs,
	PLAN_LIMITS,
	PLAN_MAX_SESSIONS,
	resolveBulkLimits,
	retryDelayMs,
} from '../../nodes/SendApi/bulkEngine';

describe('PLAN_LIMITS', () => {
	it('carries SendApi’s published numbers and the anti-ban caps', () => {
		expect(PLAN_LIMITS.starter).toEqual({
			windowMs: 60_000,
			planMessagesPerWindow: 10,
			planMessagesPerDay: 500,
			requestsPerWindow: 60,
			sessionMessagesPerWindow: 30,
			sessionMessagesPerDay: 1000,
		});
		expect(PLAN_LIMITS.growth).toMatchObject({
			planMessagesPerWindow: 60,
			planMessagesPerDay: 5000,
			requestsPerWindow: 300,
		});
		expect(PLAN_LIMITS.business).toMatchObject({
			planMessagesPerWindow: 200,
			planMessagesPerDay: 50_000,
			requestsPerWindow: 1000,
		});
		expect(PLAN_LIMITS.enterprise).toMatchObject({
			planMessagesPerWindow: 1000,
			planMessagesPerDay: 500_000,
			requestsPerWindow: 2000,
		});
		expect(PLAN_MAX_SESSIONS).toEqual({
			starter: 1,
			growth: 3,
			business: 10,
			enterprise: Infinity,
		});
		expect(Object.isFrozen(PLAN_LIMITS.starter)).toBe(true);
	});
});

describe('resolveBulkLimits', () => {
	it('fills the window and anti-ban defaults', () => {
		expect(
			resolveBulkLimits({ planMessagesPerWindow: 5, planMessagesPerDay: 9, requestsPerWindow: 7 }),
		).toEqual({
			windowMs: 60_000,
			planMessagesPerWindow: 5,
			planMessagesPerDay: 9,
			requestsPerWindow: 7,
			sessionMessagesPerWindow: 30,
			sessionMessagesPerDay: 1000,
		});
	});

	it.each([
		['planMessagesPerWindow', 0],
		['planMessagesPerDay', -5],
		['requestsPerWindow', 2.5],
		['sessionMessagesPerWindow', Number.NaN],
		['windowMs', 0],
	])('rejects %s = %p with a TypeError', (name, value) => {
		expect(() => resolveBulkLimits({ ...PLAN_LIMITS.growth, [name]: value })).toThrow(TypeError);
	});
});

describe('optimalMs', () => {
	it('is floor((N - 1) / R) windows with R the tightest rate', () => {
		expect(effectiveRatePerWindow(PLAN_LIMITS.starter, 1)).toBe(10);
		expect(optimalMs(100, PLAN_LIMITS.starter, ['s'])).toBe(9 * 60_000);
		expect(effectiveRatePerWindow(PLAN_LIMITS.growth, 3)).toBe(60);
		expect(optimalMs(1000, PLAN_LIMITS.growth, 3)).toBe(16 * 60_000);
		// Business with 5 sessions: 5 × 30 = 150 < 200, the sessions bind
		expect(effectiveRatePerWindow(PLAN_LIMITS.business, 5)).toBe(150);
		expect(effectiveRatePerWindow(PLAN_LIMITS.business, 10)).toBe(200);
		// requests bind when they are the tightest
		expect(effectiveRatePerWindow({ ...PLAN_LIMITS.business, requestsPerWindow: 50 }, 10)).toBe(50);
	});

	it('is 0 for what fits in the first burst', () => {
		expect(optimalMs(0, PLAN_LIMITS.starter, 1)).toBe(0);
		expect(optimalMs(1, PLAN_LIMITS.starter, 1)).toBe(0);
		expect(optimalMs(10, PLAN_LIMITS.starter, 1)).toBe(0);
		expect(optimalMs(11, PLAN_LIMITS.starter, 1)).toBe(60_000);
	});

	it('needs at least one session', () => {
		expect(() => optimalMs(5, PLAN_LIMITS.starter, [])).toThrow(TypeError);
	});
});

describe('retryDelayMs', () => {
	it('doubles from 1 s, adds up to 25 % jitter, and stops at 60 s', () => {
		const low = () => 0;
		const high = () => 0.999999;
		expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => retryDelayMs(a, low))).toEqual([
			1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000,
		]);
		expect(retryDelayMs(1, high)).toBeCloseTo(1250, 0);
		expect(retryDelayMs(6, high)).toBeGreaterThan(39_999);
		expect(retryDelayMs(6, high)).toBeLessThanOrEqual(40_000);
		expect(retryDelayMs(7, high)).toBe(60_000);
	});
});
