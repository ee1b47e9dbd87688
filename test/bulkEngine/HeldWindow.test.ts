/**
 * Latency: the server counts a request when it arrives, anywhere between its dispatch and its
 * answer. The engine holds capacity from dispatch until one window after the answer, so the
 * server's windows, measured at arrival, are never over either — whatever the latency.
 */
import {
	HeldWindow,
	concurrencyForSessions,
	optimalMs,
	PLAN_LIMITS,
	runBulkSend,
	type BulkLimits,
} from '../../nodes/SendApi/bulkEngine';
import {
	engineOpts,
	FakeApi,
	findWindowViolations,
	lastStartMs,
	makeRows,
	seededRandom,
	sessionIds,
	VirtualClock,
	type SendCall,
} from './harness';

describe('HeldWindow', () => {
	it('holds weight in flight until its answer, then for one window from the answer', () => {
		const window = new HeldWindow({ limit: 3, windowMs: 1_000 });
		window.reserve(2);
		expect(window.available(0)).toBe(1);
		expect(window.delayUntilAllowed(0, 1)).toBe(0);
		expect(window.delayUntilAllowed(0, 2)).toBe(Infinity); // only an answer can free it
		window.settle(400, 2);
		expect(window.available(400)).toBe(1);
		expect(window.delayUntilAllowed(900, 2)).toBe(500); // frees at 400 + 1,000
		expect(window.available(1_400)).toBe(3);
	});

	it('is unlimited when its limit is Infinity', () => {
		const window = new HeldWindow({ limit: Infinity, windowMs: 1_000 });
		window.reserve(1_000_000);
		expect(window.delayUntilAllowed(0, 5)).toBe(0);
		window.settle(1, 1_000_000);
		expect(window.size).toBe(0);
	});
});

describe('engine: latency never pushes a server window over', () => {
	/**
	 * A fake API whose requests arrive at a random point between dispatch and answer; returns the
	 * calls re-timed at arrival, i.e. as the server counts them.
	 */
	async function runWithLatency(
		limits: BulkLimits,
		sessions: string[],
		rows: number,
		seed: number,
	) {
		const random = seededRandom(seed);
		const clock = new VirtualClock();
		const arrivals = new Map<SendCall, number>();
		const api = new FakeApi(clock, undefined, (call) => {
			const latency = random() < 0.1 ? 2_000 + random() * 8_000 : random() * 400;
			arrivals.set(call, call.t + random() * latency);
			return latency;
		});
		const outcomes = await clock.run(
			runBulkSend(engineOpts(clock, api, makeRows(rows), limits, sessions, { concurrency: 6 })),
		);
		const atArrival = api.calls.map((call) => ({ ...call, t: arrivals.get(call) ?? call.t }));
		return { outcomes, calls: api.calls, atArrival };
	}

	it.each([1, 2, 3, 4, 5])('random latencies up to 10 s, seed %i', async (seed) => {
		const limits = PLAN_LIMITS.growth;
		const sessions = sessionIds(3);
		const { outcomes, atArrival } = await runWithLatency(limits, sessions, 400, seed);
		expect(outcomes.every((outcome) => outcome.status === 'sent')).toBe(true);
		expect(findWindowViolations(atArrival, limits)).toEqual([]);
	});

	it('answers slowed by SendApi’s 1–3 s anti-ban spacing: in-flight requests grow with the sessions, so the plan rate holds', async () => {
		const limits = PLAN_LIMITS.business;
		const sessions = sessionIds(10);
		const ratioWith = async (concurrency: number) => {
			const clock = new VirtualClock();
			const api = new FakeApi(
				clock,
				undefined,
				(call) => 1_000 + ((call.indexes[0] * 7919) % 2_000),
			);
			const opts = engineOpts(clock, api, makeRows(2_000), limits, sessions, { concurrency });
			const outcomes = await clock.run(runBulkSend(opts));
			expect(outcomes.every((outcome) => outcome.status === 'sent')).toBe(true);
			return lastStartMs(api.calls) / optimalMs(2_000, limits, sessions);
		};
		expect(await ratioWith(4)).toBeGreaterThan(1.3);
		// What is left is the safety margin: each window's capacity is held until its answers are
		// in, so about one answer time (≤ 3 s, and some dispatch rounds) per 60 s window.
		expect(await ratioWith(concurrencyForSessions(sessions.length))).toBeLessThanOrEqual(1.065);
	});

	it('costs one round trip per window: 300 ms latency on a one-minute window stays near optimal', async () => {
		const limits = PLAN_LIMITS.business;
		const clock = new VirtualClock();
		const api = new FakeApi(clock, undefined, () => 300);
		const sessions = sessionIds(10);
		await clock.run(runBulkSend(engineOpts(clock, api, makeRows(4_000), limits, sessions)));
		const ratio = lastStartMs(api.calls) / optimalMs(4_000, limits, sessions);
		expect(ratio).toBeGreaterThan(1);
		expect(ratio).toBeLessThanOrEqual(1.05);
	});
});
