/**
 * The schedule: every window respected at every sliding position, and the last message starting
 * as early as the limits allow.
 */
import {
	optimalMs,
	PLAN_LIMITS,
	runBulkSend,
	type BulkLimits,
	type BulkOutcome,
	type BulkRow,
	type EngineOpts,
} from '../../nodes/SendApi/bulkEngine';
import {
	engineOpts,
	FakeApi,
	findWindowViolations,
	lastStartMs,
	makeRows,
	maxWindowSum,
	seededRandom,
	sessionIds,
	VirtualClock,
	type SendCall,
} from './harness';

async function runOn<P>(
	rows: BulkRow<P>[],
	limits: BulkLimits,
	sessions: string[],
	extra: Partial<EngineOpts<P>> = {},
	api?: (clock: VirtualClock) => FakeApi<P>,
) {
	const clock = new VirtualClock();
	const fake = api ? api(clock) : new FakeApi<P>(clock);
	const outcomes = await clock.run(
		runBulkSend(engineOpts(clock, fake, rows, limits, sessions, extra)),
	);
	return { clock, api: fake, outcomes };
}

function expectEachRowOnceInOrder(outcomes: BulkOutcome[], rows: BulkRow[]): void {
	expect(outcomes).toHaveLength(rows.length);
	outcomes.forEach((outcome, i) => expect(outcome.index).toBe(rows[i].index));
}

function perSessionCounts(calls: SendCall[]): Map<string, number> {
	const counts = new Map<string, number>();
	for (const call of calls)
		counts.set(call.sessionId, (counts.get(call.sessionId) ?? 0) + call.weight);
	return counts;
}

describe('window checker (the test’s own tool)', () => {
	it('finds the worst window at any sliding position', () => {
		const events = [0, 10, 59_999, 60_000, 60_001].map((t) => ({ t, w: 1 }));
		expect(maxWindowSum(events, 60_000)).toEqual({ sum: 4, start: 10 });
		expect(
			findWindowViolations(
				[0, 1].map((t) => ({
					t,
					kind: 'one' as const,
					sessionId: 's',
					attempt: 1,
					keyRound: 0,
					indexes: [t],
					weight: 1,
				})),
				{ ...PLAN_LIMITS.starter, planMessagesPerWindow: 1 },
			),
		).toEqual([{ limit: 'plan messages', allowed: 1, found: 2, windowStart: 0 }]);
	});
});

describe('limit-optimal schedule for single sends', () => {
	it.each([
		['Starter, 1 session, 100 rows', PLAN_LIMITS.starter, 1, 100],
		['Growth, 3 sessions, 1000 rows', PLAN_LIMITS.growth, 3, 1000],
		['Business, 10 sessions, 5000 rows', PLAN_LIMITS.business, 10, 5000],
		['Business, 4 sessions (sessions bind), 2000 rows', PLAN_LIMITS.business, 4, 2000],
		['requests bind', { ...PLAN_LIMITS.business, requestsPerWindow: 45 }, 10, 1000],
	])('%s: windows respected, ratio to optimum ≤ 1.05', async (_name, limits, sessionCount, n) => {
		const rows = makeRows(n);
		const sessions = sessionIds(sessionCount);
		const { api, outcomes } = await runOn(rows, limits, sessions);

		expect(findWindowViolations(api.calls, limits)).toEqual([]);
		expectEachRowOnceInOrder(outcomes, rows);
		expect(outcomes.every((o) => o.status === 'sent' && o.attempts === 1)).toBe(true);
		expect(api.calls).toHaveLength(n);

		const optimum = optimalMs(n, limits, sessions);
		const elapsed = lastStartMs(api.calls);
		expect(optimum).toBeGreaterThan(0);
		expect(elapsed / optimum).toBeLessThanOrEqual(1.05);
		expect(elapsed).toBeGreaterThanOrEqual(optimum); // sanity: nobody beats the optimum
	});

	it('fires bursts at window boundaries: Starter sends 10 at 0, 10 at 60 s, …', async () => {
		const { api } = await runOn(makeRows(25), PLAN_LIMITS.starter, ['s1']);
		const starts = api.calls.map((c) => c.t);
		expect(starts).toEqual([
			...Array(10).fill(0),
			...Array(10).fill(60_000),
			...Array(5).fill(120_000),
		]);
	});

	it('stays optimal with request latency and several requests in flight', async () => {
		const limits = PLAN_LIMITS.growth;
		const sessions = sessionIds(3);
		const rows = makeRows(600);
		const { api } = await runOn(rows, limits, sessions, { concurrency: 8 }, (clock) => {
			return new FakeApi(clock, undefined, () => 250);
		});
		expect(findWindowViolations(api.calls, limits)).toEqual([]);
		expect(api.maxInFlight).toBeLessThanOrEqual(8);
		expect(api.maxInFlight).toBeGreaterThan(1);
		// 60 per burst, 8 at a time, 250 ms each: each burst takes ~2 s of a 60 s window
		const elapsed = lastStartMs(api.calls);
		expect(elapsed / optimalMs(600, limits, sessions)).toBeLessThanOrEqual(1.05);
	});

	it('never exceeds concurrency; capacity is reserved at dispatch (slow requests)', async () => {
		const limits = { ...PLAN_LIMITS.starter, planMessagesPerWindow: 12 };
		const { api } = await runOn(makeRows(60), limits, ['s1'], { concurrency: 3 }, (clock) => {
			// answers arrive long after the window moved on: must not free capacity early
			return new FakeApi(clock, undefined, () => 90_000);
		});
		expect(api.maxInFlight).toBeLessThanOrEqual(3);
		expect(findWindowViolations(api.calls, limits)).toEqual([]);
	});
});

describe('multi-session spreading', () => {
	it('keeps each session under its anti-ban window while the plan rate is reached', async () => {
		const limits = PLAN_LIMITS.growth; // 60/min over 3 sessions of 30/min
		const sessions = sessionIds(3);
		const { api, outcomes } = await runOn(makeRows(300), limits, sessions);
		expect(findWindowViolations(api.calls, limits)).toEqual([]);
		for (const id of sessions) {
			const worst = maxWindowSum(
				api.calls.filter((c) => c.sessionId === id).map((c) => ({ t: c.t, w: c.weight })),
				60_000,
			);
			expect(worst.sum).toBeLessThanOrEqual(30);
		}
		// even spread: 100 each, and the first burst uses all three
		expect([...perSessionCounts(api.calls).values()]).toEqual([100, 100, 100]);
		expect(new Set(api.calls.slice(0, 3).map((c) => c.sessionId)).size).toBe(3);
		expect(outcomes.every((o) => sessions.includes(o.sessionId ?? ''))).toBe(true);
	});

	it('with one session on a 60/min plan, the session’s 30/min is the bound', async () => {
		const limits = PLAN_LIMITS.growth;
		const { api } = await runOn(makeRows(90), limits, ['only']);
		expect(findWindowViolations(api.calls, limits)).toEqual([]);
		expect(lastStartMs(api.calls)).toBe(optimalMs(90, limits, 1)); // 2 windows
		expect(optimalMs(90, limits, 1)).toBe(120_000);
	});
});

describe('bulk grouping', () => {
	const roomy: BulkLimits = {
		planMessagesPerWindow: 2000,
		planMessagesPerDay: 100_000,
		requestsPerWindow: 100,
		sessionMessagesPerWindow: 2000,
		sessionMessagesPerDay: 100_000,
	};

	it('sends identical rows through /send-bulk in chunks of at most 500', async () => {
		const rows = makeRows(1200, () => 'same');
		const { api, outcomes } = await runOn(rows, roomy, ['s1'], { groupIdentical: true });
		expect(api.calls.map((c) => [c.kind, c.weight])).toEqual([
			['bulk', 500],
			['bulk', 500],
			['bulk', 200],
		]);
		expect(api.calls.every((c) => c.t === 0)).toBe(true);
		expectEachRowOnceInOrder(outcomes, rows);
		expect(outcomes.every((o) => o.status === 'queued' && o.id?.startsWith('batch_'))).toBe(true);
		expect(new Set(outcomes.map((o) => o.id)).size).toBe(3);
	});

	it('honours a smaller maxRecipientsPerBulk', async () => {
		const { api } = await runOn(
			makeRows(250, () => 'same'),
			roomy,
			['s1'],
			{
				groupIdentical: true,
				maxRecipientsPerBulk: 100,
			},
		);
		expect(api.calls.map((c) => c.weight)).toEqual([100, 100, 50]);
	});

	it('chunks to the capacity each window has left: no bulk call overflows a window', async () => {
		const limits = PLAN_LIMITS.business; // 200/min plan, 30/min per session
		const sessions = sessionIds(10);
		const rows = makeRows(1000, () => 'promo');
		const { api, outcomes } = await runOn(rows, limits, sessions, { groupIdentical: true });
		expect(findWindowViolations(api.calls, limits)).toEqual([]);
		expect(api.calls.every((c) => c.kind === 'bulk' && c.weight <= 30)).toBe(true);
		// the first window is filled completely: 6 × 30 + 20 = 200
		expect(api.calls.filter((c) => c.t === 0).map((c) => c.weight)).toEqual([
			30, 30, 30, 30, 30, 30, 20,
		]);
		// messages start as early as single sends would: 1000 at 200/min → last burst at 4 min
		expect(lastStartMs(api.calls)).toBe(optimalMs(1000, limits, sessions));
		expectEachRowOnceInOrder(outcomes, rows);
		expect(outcomes.every((o) => o.status === 'queued')).toBe(true);
	});

	it('uses far fewer requests than single sends when requests are tight', async () => {
		const limits = { ...PLAN_LIMITS.business, requestsPerWindow: 20 };
		const rows = makeRows(400, () => 'same');
		const sessions = sessionIds(10);
		const grouped = await runOn(rows, limits, sessions, { groupIdentical: true });
		const single = await runOn(rows, limits, sessions, { groupIdentical: false });
		expect(findWindowViolations(grouped.api.calls, limits)).toEqual([]);
		expect(findWindowViolations(single.api.calls, limits)).toEqual([]);
		expect(grouped.api.calls.length).toBeLessThan(single.api.calls.length / 5);
		expect(lastStartMs(grouped.api.calls)).toBeLessThan(lastStartMs(single.api.calls));
	});

	it('mixes groups and singles; groups below minGroupSize go as single sends', async () => {
		const keys = ['a', 'b', 'a', 'c', 'a', 'b', 'd', 'a'];
		const rows = makeRows(keys.length, (i) => keys[i]);
		const { api, outcomes } = await runOn(rows, roomy, ['s1'], {
			groupIdentical: true,
			minGroupSize: 3,
		});
		expect(api.calls.map((c) => [c.kind, c.indexes])).toEqual([
			['bulk', [0, 2, 4, 7]],
			['one', [1]],
			['one', [3]],
			['one', [5]],
			['one', [6]],
		]);
		expectEachRowOnceInOrder(outcomes, rows);
		expect(outcomes.map((o) => o.status)).toEqual(keys.map((k) => (k === 'a' ? 'queued' : 'sent')));
	});

	it('with groupIdentical false, every row is a single send', async () => {
		const { api } = await runOn(
			makeRows(20, () => 'same'),
			roomy,
			['s1'],
		);
		expect(api.calls.every((c) => c.kind === 'one')).toBe(true);
	});

	it('a remainder smaller than minGroupSize goes as a single send', async () => {
		const { api } = await runOn(
			makeRows(501, () => 'same'),
			roomy,
			['s1'],
			{
				groupIdentical: true,
			},
		);
		expect(api.calls.map((c) => [c.kind, c.weight])).toEqual([
			['bulk', 500],
			['one', 1],
		]);
	});
});

describe('randomised schedules (seeded): windows hold and every row ends once', () => {
	it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i', async (seed) => {
		const random = seededRandom(seed);
		const pick = (options: number[]) => options[Math.floor(random() * options.length)];
		const limits: BulkLimits = {
			windowMs: pick([1000, 60_000]),
			planMessagesPerWindow: pick([5, 10, 60, 200]),
			planMessagesPerDay: pick([300, 5000]),
			requestsPerWindow: pick([7, 60, 300]),
			sessionMessagesPerWindow: pick([3, 30]),
			sessionMessagesPerDay: pick([100, 1000]),
		};
		const sessions = sessionIds(pick([1, 2, 3, 7]));
		const n = pick([50, 200, 400]);
		const rows: BulkRow[] = makeRows(n, (i) => `k${Math.floor(random() * 6)}${i % 2 ? i : ''}`);
		rows[3] = { index: 3, invalidReason: 'bad phone' };
		const failureRate = pick([0, 0.1, 0.3]);
		const sentToday = { plan: pick([0, 100]), perSession: { [sessions[0]]: pick([0, 50]) } };
		const { api, outcomes } = await runOn(
			rows,
			limits,
			sessions,
			{
				groupIdentical: random() < 0.7,
				concurrency: pick([1, 4, 16]),
				random,
				maxRecipientsPerBulk: pick([5, 500]),
				sentToday,
			},
			(clock) =>
				new FakeApi(
					clock,
					(_call, number) => {
						const roll = random();
						if (roll < failureRate / 3) return { ok: false, retryable: true, reason: '503' };
						if (roll < (2 * failureRate) / 3) {
							return { ok: false, retryable: true, retryAfterMs: 2000, reason: '429' };
						}
						if (roll < failureRate) return { ok: false, retryable: false, reason: '422' };
						return { ok: true, id: `id_${number}` };
					},
					() => Math.floor(random() * 3000),
				),
		);

		expect(findWindowViolations(api.calls, limits)).toEqual([]);
		expectEachRowOnceInOrder(outcomes, rows);
		expect(outcomes[3]).toEqual({ index: 3, status: 'not_sent', reason: 'bad phone', attempts: 0 });
		// accepted at most once by the API, and reported sent exactly when accepted
		const accepted = api.acceptedCounts();
		expect([...accepted.values()].every((count) => count === 1)).toBe(true);
		for (const outcome of outcomes) {
			expect(outcome.status !== 'not_sent').toBe(accepted.has(outcome.index));
			expect(outcome.attempts).toBeLessThanOrEqual(5);
		}
		// day caps hold: first attempts carry each row's message once (retries reuse it)
		const firstAttempts = api.calls.filter((c) => c.attempt === 1);
		const dayCap = limits.sessionMessagesPerDay as number;
		for (const [id, count] of perSessionCounts(firstAttempts)) {
			expect(count).toBeLessThanOrEqual(dayCap - (sentToday.perSession[id] ?? 0));
		}
		const planTotal = firstAttempts.reduce((sum, c) => sum + c.weight, 0);
		expect(planTotal).toBeLessThanOrEqual(limits.planMessagesPerDay - sentToday.plan);
	});
});
