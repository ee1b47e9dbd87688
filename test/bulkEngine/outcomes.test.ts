/**
 * Outcomes: daily quota forecast, server feedback (429, 5xx, rate-limit headers), hard failures,
 * invalid rows, cancellation, and the one-outcome-per-row contract.
 */
import {
	PLAN_LIMITS,
	runBulkSend,
	type BulkLimits,
	type BulkProgress,
	type BulkRow,
	type EngineOpts,
	type SendResult,
} from '../../nodes/SendApi/bulkEngine';
import {
	findWindowViolations,
	makeRows,
	sessionIds,
	setupRun,
	VirtualClock,
	type Responder,
} from './harness';

const setup = setupRun;

const ok = (id = 'x'): SendResult => ({ ok: true, id });

describe('daily quota forecast', () => {
	it('sends what the plan’s day can carry and says why the rest was not started', async () => {
		const rows = makeRows(100);
		const { api, run } = setup(rows, PLAN_LIMITS.starter, ['s1']);
		const outcomes = await run({ sentToday: { plan: 480 } });
		expect(api.calls).toHaveLength(20);
		expect(outcomes.slice(0, 20).every((o) => o.status === 'sent')).toBe(true);
		const refused = outcomes.slice(20);
		expect(refused).toHaveLength(80);
		for (const outcome of refused) {
			expect(outcome).toEqual({
				index: outcome.index,
				status: 'not_sent',
				attempts: 0,
				reason:
					'daily limit: 500 messages/day on the plan, 480 already sent today, 20 left; ' +
					'this row was not started',
			});
		}
	});

	it('applies the sessions’ anti-ban day caps, spreading over what each has left', async () => {
		const rows = makeRows(100);
		const sessions = ['a', 'b', 'c'];
		const { api, run } = setup(rows, PLAN_LIMITS.growth, sessions);
		const outcomes = await run({
			sentToday: { plan: 10, perSession: { a: 1000, b: 990, c: 975 } },
		});
		expect(outcomes.filter((o) => o.status === 'sent')).toHaveLength(35);
		const perSession = (id: string) => api.calls.filter((c) => c.sessionId === id).length;
		expect([perSession('a'), perSession('b'), perSession('c')]).toEqual([0, 10, 25]);
		expect(outcomes[35].reason).toBe(
			'daily limit: 1000 messages/day per session on 3 session(s), 2965 already sent today, ' +
				'35 left; this row was not started',
		);
	});

	it('never uses a session whose day is spent, even when it is the only one free', async () => {
		const { api, run } = setup(makeRows(60), PLAN_LIMITS.growth, ['spent', 'fresh']);
		const outcomes = await run({ sentToday: { plan: 0, perSession: { spent: 1000 } } });
		expect(api.calls.every((c) => c.sessionId === 'fresh')).toBe(true);
		expect(api.calls.map((c) => c.t)).toEqual([...Array(30).fill(0), ...Array(30).fill(60_000)]);
		expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
	});

	it('keeps bulk chunks within each session’s day budget', async () => {
		const rows = makeRows(50, () => 'same');
		const limits: BulkLimits = {
			planMessagesPerWindow: 1000,
			planMessagesPerDay: 10_000,
			requestsPerWindow: 100,
			sessionMessagesPerWindow: 1000,
		};
		const { api, run } = setup(rows, limits, ['a', 'b']);
		const outcomes = await run({
			groupIdentical: true,
			sentToday: { plan: 0, perSession: { a: 985, b: 970 } },
		});
		expect(api.calls.map((c) => [c.sessionId, c.weight])).toEqual([
			['a', 15],
			['b', 30],
		]);
		expect(outcomes.filter((o) => o.status === 'queued')).toHaveLength(45);
		expect(outcomes[45].reason).toMatch(/45 left; this row was not started$/);
	});

	it('counts invalid rows out of the quota (they are never sent)', async () => {
		const rows: BulkRow[] = makeRows(6);
		rows[0] = { index: 0, invalidReason: 'invalid phone number' };
		const { run } = setup(rows, PLAN_LIMITS.starter, ['s1']);
		const outcomes = await run({ sentToday: { plan: 497 } });
		expect(outcomes.map((o) => o.status)).toEqual([
			'not_sent',
			'sent',
			'sent',
			'sent',
			'not_sent',
			'not_sent',
		]);
		expect(outcomes[0].reason).toBe('invalid phone number');
		expect(outcomes[4].reason).toMatch(/^daily limit: 500 messages\/day on the plan, 497/);
	});
});

describe('429 with Retry-After', () => {
	it('pauses every dispatch, retries the same row on the same session, loses nothing', async () => {
		const rows = makeRows(40);
		const respond: Responder = (_call, n) =>
			n === 5
				? { ok: false, retryable: true, retryAfterMs: 7000, reason: 'HTTP 429' }
				: ok(`m${n}`);
		const limits = PLAN_LIMITS.business;
		const { api, run } = setup(rows, limits, sessionIds(3), respond);
		const outcomes = await run({ concurrency: 1 });

		const refused = api.calls[5];
		const later = api.calls.slice(6);
		expect(later.every((c) => c.t >= refused.t + 7000)).toBe(true);
		expect(later[0]).toMatchObject({
			indexes: refused.indexes,
			sessionId: refused.sessionId,
			attempt: 2,
		});
		expect(outcomes[refused.indexes[0]]).toMatchObject({ status: 'sent', attempts: 2 });
		expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
		expect([...api.acceptedCounts().values()].every((count) => count === 1)).toBe(true);
		expect(api.acceptedCounts().size).toBe(40);
		expect(findWindowViolations(api.calls, limits)).toEqual([]);
	});

	it('with requests in flight, the pause holds back everything, retries included', async () => {
		const rows = makeRows(30, (i) => (i < 20 ? 'bulk' : `single${i}`));
		let refusals = 0;
		const respond: Responder = (call) => {
			if (call.t < 1 && refusals < 2 && call.attempt === 1) {
				refusals++;
				return { ok: false, retryable: true, retryAfterMs: 3000, reason: 'HTTP 429' };
			}
			return ok();
		};
		const { api, run } = setup(rows, PLAN_LIMITS.business, sessionIds(2), respond, () => 100);
		const outcomes = await run({ groupIdentical: true, concurrency: 4 });
		// the first refusal answers at t=100: nothing leaves in [100, 3100)
		expect(api.calls.filter((c) => c.t >= 100 && c.t < 3100)).toEqual([]);
		expect(outcomes.every((o) => o.status !== 'not_sent')).toBe(true);
		expect([...api.acceptedCounts().values()].every((count) => count === 1)).toBe(true);
		expect(api.acceptedCounts().size).toBe(30);
	});

	it('gives up after maxAttempts with the last reason', async () => {
		const respond: Responder = () => ({
			ok: false,
			retryable: true,
			retryAfterMs: 1000,
			reason: 'HTTP 429 rate_limit_exceeded',
		});
		const { api, run } = setup(makeRows(1), PLAN_LIMITS.starter, ['s1'], respond);
		const [outcome] = await run({ maxAttempts: 3 });
		expect(api.calls.map((c) => [c.t, c.attempt])).toEqual([
			[0, 1],
			[1000, 2],
			[2000, 3],
		]);
		expect(outcome).toEqual({
			index: 0,
			status: 'not_sent',
			sessionId: 's1',
			attempts: 3,
			reason: 'HTTP 429 rate_limit_exceeded (gave up after 3 attempts)',
		});
	});
});

describe('server rate-limit headers', () => {
	it('does not dispatch before the reset when remaining reaches 0', async () => {
		const respond: Responder = (_call, n) =>
			n === 2
				? { ok: true, id: 'm', rateLimit: { limit: 60, remaining: 0, resetAtMs: 42_000 } }
				: { ok: true, id: 'm', rateLimit: { limit: 60, remaining: 50, resetAtMs: 60_000 } };
		const { api, run } = setup(makeRows(6), PLAN_LIMITS.starter, ['s1'], respond);
		await run({ concurrency: 1 });
		expect(api.calls.map((c) => c.t)).toEqual([0, 0, 0, 42_000, 42_000, 42_000]);
	});

	it('takes a reset further than one window away as skew: waits one window at most', async () => {
		const respond: Responder = (_call, n) =>
			n === 0 ? { ok: true, rateLimit: { remaining: 0, resetAtMs: 10_000_000 } } : ok();
		const { api, run } = setup(makeRows(2), PLAN_LIMITS.starter, ['s1'], respond);
		await run({ concurrency: 1 });
		expect(api.calls.map((c) => c.t)).toEqual([0, 60_000]);
	});
});

describe('retryable errors (5xx, connection)', () => {
	it('backs off exponentially from 1 s with jitter, capped at 60 s', async () => {
		const respond: Responder = () => ({ ok: false, retryable: true, reason: 'HTTP 503' });
		const limits = { ...PLAN_LIMITS.starter, planMessagesPerWindow: 100, requestsPerWindow: 100 };
		const { api, run } = setup(makeRows(1), limits, ['s1'], respond);
		const [outcome] = await run({ maxAttempts: 10, random: () => 0 });
		const gaps = api.calls.slice(1).map((c, i) => c.t - api.calls[i].t);
		expect(gaps).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
		expect(outcome).toMatchObject({
			status: 'not_sent',
			attempts: 10,
			reason: 'HTTP 503 (gave up after 10 attempts)',
		});
	});

	it('jitter comes from the injected random and stays within 25 %', async () => {
		let failures = 0;
		const respond: Responder = () =>
			failures++ < 2 ? { ok: false, retryable: true, reason: 'ECONNRESET' } : ok('late');
		const { api, run } = setup(makeRows(1), PLAN_LIMITS.starter, ['s1'], respond);
		const [outcome] = await run({ random: () => 0.8 });
		expect(api.calls.map((c) => c.t)).toEqual([0, 1200, 1200 + 2400]);
		expect(outcome).toEqual({ index: 0, status: 'sent', sessionId: 's1', id: 'late', attempts: 3 });
	});

	it('a failing row does not hold up the others', async () => {
		const respond: Responder = (call) =>
			call.indexes[0] === 1 && call.attempt < 3
				? { ok: false, retryable: true, reason: 'HTTP 502' }
				: ok();
		const { api, run } = setup(makeRows(5), PLAN_LIMITS.starter, ['s1'], respond);
		const outcomes = await run({ random: () => 0 });
		expect(api.calls.filter((c) => c.t === 0).map((c) => c.indexes[0])).toEqual([0, 1, 2, 3, 4]);
		expect(outcomes.map((o) => o.attempts)).toEqual([1, 3, 1, 1, 1]);
	});
});

describe('non-retryable failures', () => {
	it('end the row as not_sent with the reason, after one attempt', async () => {
		const respond: Responder = (call) =>
			call.indexes.includes(2)
				? { ok: false, retryable: false, reason: 'HTTP 422 invalid_phone: +4477' }
				: ok();
		const { api, run } = setup(makeRows(4), PLAN_LIMITS.starter, ['s1'], respond);
		const outcomes = await run();
		expect(api.calls).toHaveLength(4);
		expect(outcomes[2]).toEqual({
			index: 2,
			status: 'not_sent',
			sessionId: 's1',
			attempts: 1,
			reason: 'HTTP 422 invalid_phone: +4477',
		});
		expect(outcomes.filter((o) => o.status === 'sent')).toHaveLength(3);
	});

	it('fail a whole bulk chunk together', async () => {
		const respond: Responder = (call) =>
			call.kind === 'bulk' ? { ok: false, retryable: false, reason: 'content_blocked' } : ok();
		const rows = makeRows(5, (i) => (i < 3 ? 'promo' : `own${i}`));
		const { run } = setup(rows, PLAN_LIMITS.starter, ['s1'], respond);
		const outcomes = await run({ groupIdentical: true });
		expect(outcomes.map((o) => [o.status, o.reason])).toEqual([
			['not_sent', 'content_blocked'],
			['not_sent', 'content_blocked'],
			['not_sent', 'content_blocked'],
			['sent', undefined],
			['sent', undefined],
		]);
	});

	it('a callback that throws ends the row (a bug is not retried)', async () => {
		const clock = new VirtualClock();
		let calls = 0;
		const outcomes = await clock.run(
			runBulkSend({
				rows: makeRows(3),
				sessions: ['s1'],
				limits: PLAN_LIMITS.starter,
				groupIdentical: false,
				now: clock.now,
				sleep: clock.sleep,
				sendBulk: async () => ok(),
				sendOne: async ({ row }) => {
					calls++;
					if (row.index === 1) throw new Error('boom');
					return ok();
				},
			}),
		);
		expect(calls).toBe(3);
		expect(outcomes[1]).toMatchObject({
			status: 'not_sent',
			reason: 'send failed: boom',
			attempts: 1,
		});
		expect(outcomes[2].status).toBe('sent');
	});
});

describe('invalid rows', () => {
	it('pass through as not_sent with their reason, never sent', async () => {
		const rows: BulkRow[] = [
			{ index: 10, invalidReason: 'missing phone' },
			...makeRows(2).map((r) => ({ ...r, index: r.index + 11 })),
			{ index: 13, invalidReason: 'unknown template' },
		];
		const { api, run } = setup(rows, PLAN_LIMITS.starter, ['s1']);
		const outcomes = await run();
		expect(api.calls.map((c) => c.indexes[0])).toEqual([11, 12]);
		expect(outcomes).toEqual([
			{ index: 10, status: 'not_sent', reason: 'missing phone', attempts: 0 },
			{ index: 11, status: 'sent', sessionId: 's1', id: 'msg_0', attempts: 1 },
			{ index: 12, status: 'sent', sessionId: 's1', id: 'msg_1', attempts: 1 },
			{ index: 13, status: 'not_sent', reason: 'unknown template', attempts: 0 },
		]);
	});
});

describe('cancellation', () => {
	it('stops promptly during a long wait; the rest ends as cancelled', async () => {
		const signal = { aborted: false };
		const { clock, api, run } = setup(makeRows(100), PLAN_LIMITS.starter, ['s1']);
		void clock.after(5_000).then(() => {
			signal.aborted = true;
		});
		const outcomes = await run({ signal });
		expect(clock.now()).toBeLessThanOrEqual(6_000); // within one poll slice of the abort
		expect(api.calls).toHaveLength(10);
		expect(outcomes.filter((o) => o.status === 'sent')).toHaveLength(10);
		const cancelled = outcomes.slice(10);
		expect(cancelled.every((o) => o.status === 'not_sent' && o.reason === 'cancelled')).toBe(true);
		expect(cancelled.every((o) => o.attempts === 0)).toBe(true);
	});

	it('awaits requests in flight and reports them; pending retries are cancelled', async () => {
		const signal = { aborted: false };
		let callsBeforeAbort = -1;
		const respond: Responder = (call) => {
			if (call.indexes[0] === 0) return { ok: false, retryable: true, reason: 'HTTP 500' };
			if (call.indexes[0] === 2) {
				signal.aborted = true;
				callsBeforeAbort = api.calls.length;
				return { ok: false, retryable: true, reason: 'HTTP 503' };
			}
			return ok('done');
		};
		const rows = makeRows(10);
		const { api, run } = setup(rows, PLAN_LIMITS.starter, ['s1'], respond, () => 500);
		const outcomes = await run({ signal, concurrency: 4 });

		expect(api.calls).toHaveLength(callsBeforeAbort); // nothing new after the abort
		// row 0 was waiting for its retry after a lost answer: cancelled after its one attempt, and
		// its reason says it may have gone out, so nobody re-sends it blindly
		expect(outcomes[0]).toMatchObject({
			status: 'not_sent',
			reason: 'cancelled; an earlier answer was lost, so SendApi may have sent it',
			attempts: 1,
		});
		// row 2 failed as the run was cancelled: not retried, its failure kept in the reason
		expect(outcomes[2]).toMatchObject({
			status: 'not_sent',
			reason: 'cancelled (last attempt: HTTP 503)',
			attempts: 1,
		});
		const called = new Set(api.calls.map((c) => c.indexes[0]));
		for (const outcome of outcomes.filter((o) => o.index !== 0 && o.index !== 2)) {
			// in flight at the abort: awaited and reported as sent; never started: cancelled
			if (called.has(outcome.index)) expect(outcome).toMatchObject({ status: 'sent', attempts: 1 });
			else expect(outcome).toMatchObject({ status: 'not_sent', reason: 'cancelled', attempts: 0 });
		}
		expect(outcomes.filter((o) => o.attempts === 0).length).toBeGreaterThan(0);
		expect(outcomes.map((o) => o.index)).toEqual(rows.map((r) => r.index));
	});

	it('an already aborted signal sends nothing', async () => {
		const { api, run } = setup(
			makeRows(3, () => 'same'),
			PLAN_LIMITS.starter,
			['s1'],
		);
		const outcomes = await run({ signal: { aborted: true }, groupIdentical: true });
		expect(api.calls).toHaveLength(0);
		expect(outcomes.map((o) => o.reason)).toEqual(['cancelled', 'cancelled', 'cancelled']);
	});
});

describe('progress and the one-outcome-per-row contract', () => {
	it('reports progress up to every row done', async () => {
		const rows: BulkRow[] = makeRows(12, (i) => (i % 2 ? 'a' : `b${i}`));
		rows[0] = { index: 0, invalidReason: 'bad' };
		const progress: BulkProgress[] = [];
		const { run } = setup(rows, PLAN_LIMITS.starter, ['s1']);
		await run({ groupIdentical: true, onProgress: (p) => progress.push(p) });
		const last = progress[progress.length - 1];
		expect(last).toMatchObject({ total: 12, done: 12, notSent: 1, queued: 6, sent: 5 });
		const done = progress.map((p) => p.done);
		expect(done).toEqual([...done].sort((a, b) => a - b));
	});

	it('keeps input order even when index values are unordered or repeated', async () => {
		const rows = makeRows(6).map((row, i) => ({ ...row, index: [5, 3, 3, 9, 0, 1][i] }));
		const respond: Responder = (call) =>
			call.indexes[0] === 9 && call.attempt === 1
				? { ok: false, retryable: true, reason: 'HTTP 500' }
				: ok();
		const { run } = setup(rows, PLAN_LIMITS.starter, ['s1'], respond);
		const outcomes = await run();
		expect(outcomes.map((o) => o.index)).toEqual([5, 3, 3, 9, 0, 1]);
		expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
	});

	it('handles an empty sheet', async () => {
		const { api, run } = setup([], PLAN_LIMITS.starter, ['s1']);
		expect(await run()).toEqual([]);
		expect(api.calls).toHaveLength(0);
	});
});

describe('bad options are rejected up front', () => {
	const base = (): EngineOpts => ({
		rows: makeRows(1),
		sessions: ['s1'],
		limits: PLAN_LIMITS.starter,
		groupIdentical: false,
		sendOne: async () => ok(),
		sendBulk: async () => ok(),
		sleep: async () => undefined,
	});

	it.each<[string, Partial<Record<keyof EngineOpts, unknown>>]>([
		['no sessions', { sessions: [] }],
		['duplicate sessions', { sessions: ['a', 'a'] }],
		['no sleep', { sleep: undefined }],
		['concurrency 0', { concurrency: 0 }],
		['maxAttempts 0', { maxAttempts: 0 }],
		['more than 500 recipients per bulk', { maxRecipientsPerBulk: 501 }],
		['fractional minGroupSize', { minGroupSize: 1.5 }],
		['negative sentToday', { sentToday: { plan: -1 } }],
		['bad per-session sentToday', { sentToday: { plan: 0, perSession: { s1: Number.NaN } } }],
		['bad limits', { limits: { ...PLAN_LIMITS.starter, requestsPerWindow: 0 } }],
		['a row that is neither valid nor invalid', { rows: [{ index: 0 }] }],
		['backoff cap below base', { backoffBaseMs: 5000, backoffCapMs: 1000 }],
	])('%s', async (_name, override) => {
		await expect(runBulkSend({ ...base(), ...override } as EngineOpts)).rejects.toThrow(TypeError);
	});
});
