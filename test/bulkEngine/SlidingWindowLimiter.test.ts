import { SlidingWindowLimiter } from '../../nodes/SendApi/bulkEngine';

describe('SlidingWindowLimiter', () => {
	it('admits up to the limit, then waits until the oldest entry leaves the window', () => {
		const limiter = new SlidingWindowLimiter({ limit: 3, windowMs: 1000 });
		limiter.record(0);
		limiter.record(100);
		expect(limiter.delayUntilAllowed(200)).toBe(0);
		limiter.record(200);
		expect(limiter.used(200)).toBe(3);
		expect(limiter.delayUntilAllowed(200)).toBe(800); // the entry at 0 leaves at 1000
		expect(limiter.delayUntilAllowed(999)).toBe(1);
		expect(limiter.delayUntilAllowed(1000)).toBe(0);
		expect(limiter.used(1000)).toBe(2);
	});

	it('weighs entries: a bulk call of k recipients needs k free', () => {
		const limiter = new SlidingWindowLimiter({ limit: 30, windowMs: 60_000 });
		limiter.record(0, 20);
		limiter.record(10_000, 5);
		expect(limiter.available(10_000)).toBe(5);
		expect(limiter.delayUntilAllowed(10_000, 5)).toBe(0);
		// 6 needs the 20 at t=0 gone: at 60,000
		expect(limiter.delayUntilAllowed(10_000, 6)).toBe(50_000);
		// 26 needs both gone: at 70,000
		expect(limiter.delayUntilAllowed(10_000, 26)).toBe(60_000);
		expect(limiter.delayUntilAllowed(10_000, 31)).toBe(Infinity);
	});

	it('answers without changing state (pure questions)', () => {
		const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: 100 });
		limiter.record(0);
		limiter.record(50);
		expect(limiter.delayUntilAllowed(500)).toBe(0);
		expect(limiter.size).toBe(2); // nothing dropped by asking
		expect(limiter.delayUntilAllowed(60)).toBe(40);
		expect(limiter.used(60)).toBe(2);
	});

	it('merges entries at the same instant (bursts keep one entry)', () => {
		const limiter = new SlidingWindowLimiter({ limit: 100, windowMs: 1000 });
		for (let i = 0; i < 100; i++) limiter.record(5);
		expect(limiter.size).toBe(1);
		expect(limiter.used(5)).toBe(100);
		expect(limiter.delayUntilAllowed(5)).toBe(1000);
	});

	it('keeps order when the clock steps back, holding the entry longer (safe side)', () => {
		const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: 1000 });
		limiter.record(500);
		limiter.record(400); // clock stepped back: counted as at 500
		expect(limiter.used(1400)).toBe(2);
		expect(limiter.delayUntilAllowed(1400)).toBe(100);
	});

	it('treats Infinity as no limit and holds nothing', () => {
		const limiter = new SlidingWindowLimiter({ limit: Infinity, windowMs: 1000 });
		for (let i = 0; i < 1000; i++) limiter.record(i, 10);
		expect(limiter.delayUntilAllowed(1000, 1e9)).toBe(0);
		expect(limiter.size).toBe(0);
	});

	it('stays bounded over a long run: memory follows the window, not the run', () => {
		const limiter = new SlidingWindowLimiter({ limit: 200, windowMs: 60_000 });
		let now = 0;
		let peak = 0;
		for (let i = 0; i < 100_000; i++) {
			now += limiter.delayUntilAllowed(now);
			limiter.record(now);
			now += 7; // spread out: every record is its own entry
			peak = Math.max(peak, limiter.size);
		}
		expect(peak).toBeLessThanOrEqual(200);
		expect(limiter.capacity).toBeLessThanOrEqual(256);
		expect(limiter.size).toBeLessThanOrEqual(200);
	});

	it('wraps around its ring and grows without losing order', () => {
		const limiter = new SlidingWindowLimiter({ limit: 1000, windowMs: 10, initialCapacity: 2 });
		for (let t = 0; t < 50; t++) limiter.record(t);
		// window at 49 holds 40..49
		expect(limiter.used(49)).toBe(10);
		for (let t = 50; t < 80; t += 3) limiter.record(t, 2);
		// window (69, 79] holds the entries at 71, 74 and 77
		expect(limiter.used(79)).toBe(6);
		expect(limiter.delayUntilAllowed(79, 995)).toBe(2); // one must go: 71 leaves at 81
		expect(limiter.delayUntilAllowed(79, 1000)).toBe(8); // all must go: 77 leaves at 87
	});

	it.each([
		[{ limit: 0, windowMs: 1000 }],
		[{ limit: -1, windowMs: 1000 }],
		[{ limit: 1.5, windowMs: 1000 }],
		[{ limit: Number.NaN, windowMs: 1000 }],
		[{ limit: 10, windowMs: 0 }],
		[{ limit: 10, windowMs: Infinity }],
		[{ limit: 10, windowMs: 1000, initialCapacity: 0 }],
	])('rejects bad options up front: %p', (opts) => {
		expect(() => new SlidingWindowLimiter(opts)).toThrow(TypeError);
	});

	it('rejects bad weights', () => {
		const limiter = new SlidingWindowLimiter({ limit: 10, windowMs: 1000 });
		expect(() => limiter.record(0, 0)).toThrow(TypeError);
		expect(() => limiter.delayUntilAllowed(0, -2)).toThrow(TypeError);
		expect(() => limiter.delayUntilAllowed(0, Number.NaN)).toThrow(TypeError);
	});
});
