/**
 * 50,000 rows on the virtual clock: the engine stays quick and its windows stay small. Timings
 * are measured and printed, never asserted (they depend on the machine).
 */
import {
	optimalMs,
	PLAN_LIMITS,
	runBulkSend,
	type BulkLimits,
	type EngineOpts,
} from '../../nodes/SendApi/bulkEngine';
import {
	engineOpts,
	FakeApi,
	findWindowViolations,
	lastStartMs,
	makeRows,
	sessionIds,
	VirtualClock,
} from './harness';

const ROWS = 50_000;

interface Measured {
	cpuMs: number;
	wallMs: number;
	heapDeltaMb: number;
	peakWindowEntries: number;
	virtualMinutes: number;
	sleeps: number;
	calls: number;
	ratio: number;
}

async function measure(
	label: string,
	limits: BulkLimits,
	sessions: string[],
	extra: Partial<EngineOpts>,
	latencyMs = 0,
	keyOf?: (i: number) => string,
): Promise<{ figures: Measured; api: FakeApi; outcomes: Awaited<ReturnType<typeof runBulkSend>> }> {
	const rows = makeRows(ROWS, keyOf);
	const clock = new VirtualClock();
	const api = new FakeApi(clock, undefined, () => latencyMs);
	let peakWindowEntries = 0;
	const onProgress = (p: { trackedWindowEntries: number }) => {
		peakWindowEntries = Math.max(peakWindowEntries, p.trackedWindowEntries);
	};
	global.gc?.();
	const heapBefore = process.memoryUsage().heapUsed;
	const cpuBefore = process.cpuUsage();
	const wallBefore = performance.now();
	const outcomes = await clock.run(
		runBulkSend(engineOpts(clock, api, rows, limits, sessions, { ...extra, onProgress })),
	);
	const cpu = process.cpuUsage(cpuBefore);
	const figures: Measured = {
		cpuMs: Math.round((cpu.user + cpu.system) / 1000),
		wallMs: Math.round(performance.now() - wallBefore),
		heapDeltaMb: Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e5) / 10,
		peakWindowEntries,
		virtualMinutes: Math.round(clock.now() / 600) / 100,
		sleeps: clock.sleeps,
		calls: api.calls.length,
		ratio: lastStartMs(api.calls) / optimalMs(ROWS, limits, sessions),
	};
	// Printed for the record; the numbers are not part of the contract.
	console.log(`bulk engine, ${ROWS} rows, ${label}: ${JSON.stringify(figures)}`);
	return { figures, api, outcomes };
}

/** Enterprise with 60 sessions: 60 × 1,000/day covers 50,000 rows; 1,000/min binds. */
const limits = PLAN_LIMITS.enterprise;
const sessions = sessionIds(60);
/** Upper bound set by the limits alone (distinct timestamps per window), independent of ROWS. */
const windowEntryBound =
	limits.planMessagesPerWindow + limits.requestsPerWindow + sessions.length * 30;

describe(`${ROWS} rows`, () => {
	it('single sends, instant answers: optimal and light', async () => {
		const { figures, api, outcomes } = await measure(
			'single sends, 0 ms latency',
			limits,
			sessions,
			{},
		);
		expect(outcomes).toHaveLength(ROWS);
		expect(outcomes.every((o, i) => o.index === i && o.status === 'sent')).toBe(true);
		expect(figures.calls).toBe(ROWS);
		expect(figures.ratio).toBeLessThanOrEqual(1.05);
		expect(figures.peakWindowEntries).toBeLessThanOrEqual(windowEntryBound);
		expect(findWindowViolations(api.calls, limits)).toEqual([]);
	});

	it('single sends, 7 ms answers (sends at distinct instants): windows stay bounded', async () => {
		const { figures, api } = await measure(
			'single sends, 7 ms latency, concurrency 4',
			limits,
			sessions,
			{},
			7,
		);
		expect(figures.peakWindowEntries).toBeGreaterThan(1000); // distinct instants really happen
		expect(figures.peakWindowEntries).toBeLessThanOrEqual(windowEntryBound);
		expect(figures.ratio).toBeLessThanOrEqual(1.05);
		expect(findWindowViolations(api.calls, limits)).toEqual([]);
	});

	it('identical rows grouped into bulk calls', async () => {
		const { figures, api, outcomes } = await measure(
			'grouped (10 messages), 0 ms latency',
			limits,
			sessions,
			{ groupIdentical: true },
			0,
			(i) => `promo${i % 10}`,
		);
		expect(outcomes.every((o) => o.status === 'queued')).toBe(true);
		expect(api.calls.every((c) => c.kind === 'bulk' && c.weight <= 30)).toBe(true);
		expect(figures.calls).toBeLessThan(ROWS / 20);
		expect(figures.ratio).toBeLessThanOrEqual(1.05);
		expect(findWindowViolations(api.calls, limits)).toEqual([]);
	});
});
