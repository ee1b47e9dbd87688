/**
 * Several Send Bulk executions at once on one key and shared sessions (n8n queue mode, two
 * workers): none is told of the others, so each meets their sends as SendApi's 429s with
 * Retry-After. Waiting those out must not cost a row its attempts, and must still end a run whose
 * server only ever refuses.
 */
import { runBulkSend, type SendResult } from '../../nodes/SendApi/bulkEngine';
import {
	engineOpts,
	FakeApi,
	keyOf,
	makeRows,
	MINUTE as WINDOW,
	SESSION_BOUND,
	sessionLimited,
	setupRun,
	VirtualClock,
	type Responder,
	type SendCall,
} from './harness';

describe('429s waited out do not use up the attempts', () => {
	it('a row another run beats to its session seven times in a row is still sent', async () => {
		let refusals = 0;
		const respond: Responder = () =>
			refusals++ < 7 ? sessionLimited(1000) : { ok: true, id: 'm' };
		const { api, run } = setupRun(makeRows(1), SESSION_BOUND, ['s1'], respond);
		const [outcome] = await run({ maxAttempts: 5 });

		expect(outcome).toMatchObject({ status: 'sent', attempts: 8 });
		expect(api.calls).toHaveLength(8);
	});

	it('failures without Retry-After still end a row after maxAttempts', async () => {
		const respond: Responder = () => ({ ok: false, retryable: true, reason: 'HTTP 503' });
		const { api, run } = setupRun(makeRows(1), SESSION_BOUND, ['s1'], respond);
		const [outcome] = await run({ maxAttempts: 3, backoffBaseMs: 10, backoffCapMs: 10 });

		expect(outcome.status).toBe('not_sent');
		expect(api.calls).toHaveLength(3);
	});

	it('a server that only ever answers 429 still ends the run, after ten times maxAttempts', async () => {
		const { api, run } = setupRun(makeRows(1), SESSION_BOUND, ['s1'], () => sessionLimited(1000));
		const [outcome] = await run({ maxAttempts: 2 });

		expect(outcome).toMatchObject({ status: 'not_sent', attempts: 20 });
		expect(outcome.reason).toMatch(/429/);
		expect(api.calls).toHaveLength(20);
	});
});

/**
 * SendApi's side of two runs on one key: each session may carry 30 messages a window, counted
 * when a send arrives; a send over that is refused with the time until the oldest leaves.
 */
function sharedSessions(limit: number) {
	const accepted: Array<{ t: number; sessionId: string }> = [];
	let refused = 0;
	const respond: Responder = (call: SendCall) => {
		const live = accepted.filter((a) => a.sessionId === call.sessionId && a.t > call.t - WINDOW);
		if (live.length >= limit) {
			refused++;
			return sessionLimited(live[0].t + WINDOW - call.t);
		}
		accepted.push({ t: call.t, sessionId: call.sessionId });
		return { ok: true, id: `m${accepted.length}` };
	};
	return { respond, accepted, refused: () => refused };
}

describe('two runs at once on overlapping sessions', () => {
	it('every row of both is sent once; they learn of each other from few refusals', async () => {
		const server = sharedSessions(30);
		const clock = new VirtualClock();
		const apis = [
			new FakeApi(clock, server.respond, () => 200),
			new FakeApi(clock, server.respond, () => 200),
		];
		const sessionsOf = [
			['s1', 's2'],
			['s2', 's3'],
		];
		const runs = apis.map((api, run) =>
			runBulkSend(
				engineOpts(clock, api, makeRows(150), SESSION_BOUND, sessionsOf[run], { concurrency: 8 }),
			),
		);
		const outcomes = await clock.run(Promise.all(runs));

		for (const [run, api] of apis.entries()) {
			expect(outcomes[run].every((o) => o.status === 'sent')).toBe(true);
			expect([...api.acceptedCounts().values()].every((count) => count === 1)).toBe(true);
			expect(api.acceptedCounts().size).toBe(150);
		}
		// This fake refuses over 30 a window by construction, so what it accepted says nothing about
		// the runs; what does is how often they were refused. They met on s2: the second run learnt
		// of the first only from SendApi's refusals, and waited each out instead of hammering.
		expect(server.refused()).toBeGreaterThan(0);
		// 24 with this schedule; a run that retried before the Retry-After would be refused hundreds of times.
		expect(server.refused()).toBeLessThanOrEqual(30);
	});
});

/*
 * Whether SendApi keeps a refusal under its Idempotency-Key is undocumented. If it does, a retry
 * under the same key is answered with the stored 429 (`Idempotent-Replayed: true`, no Retry-After)
 * for 24 h, and a row retried that way can never be sent. The engine gives a row's retry a new key
 * (the next key round) when every earlier attempt was answered, and keeps the key while an answer
 * was lost, until SendApi answers that key with a kept refusal.
 */

const lostAnswer: SendResult = { ok: false, retryable: true, reason: 'socket hang up' };

/**
 * SendApi's side of several runs on one key: each session carries `limit` messages a window, a
 * send over that is refused with the time until the oldest leaves. Answers are kept under the key
 * (each run's own: `run` stands for its secret): successes always, refusals when `keepsRefusals`,
 * replayed without Retry-After.
 */
function sendApi(limit: number, keepsRefusals: boolean) {
	const kept = new Map<string, SendResult>();
	const accepted: Array<{ t: number; sessionId: string; row: string }> = [];
	const counts = { refused: 0, replayedRefusals: 0 };
	const respondFor =
		(run: string): Responder =>
		(call: SendCall) => {
			const key = `${run}:${keyOf(call)}`;
			const stored = kept.get(key);
			if (stored && !stored.ok) counts.replayedRefusals++;
			if (stored) return stored.ok ? stored : sessionLimited(undefined, true);
			const live = accepted.filter((a) => a.sessionId === call.sessionId && a.t > call.t - WINDOW);
			if (live.length + call.weight > limit) {
				counts.refused++;
				const refusal = sessionLimited(live[0].t + WINDOW - call.t);
				if (keepsRefusals) kept.set(key, refusal);
				return refusal;
			}
			for (const index of call.indexes)
				accepted.push({ t: call.t, sessionId: call.sessionId, row: `${run}:${index}` });
			const ok: SendResult = { ok: true, id: `m${accepted.length}` };
			kept.set(key, ok);
			return ok;
		};
	return { respondFor, accepted, counts };
}

describe.each([
	['keeps only successes', false],
	['keeps refusals too', true],
])('four runs at once on shared sessions, SendApi %s', (_, keepsRefusals) => {
	it('every row is sent once, none ends not_sent, and the runs are refused only so often', async () => {
		const server = sendApi(30, keepsRefusals);
		const clock = new VirtualClock();
		const sessionsOf = [
			['s1', 's2'],
			['s2', 's3'],
			['s3', 's4'],
			['s4', 's1'],
		];
		const apis = sessionsOf.map(
			(_sessions, run) => new FakeApi(clock, server.respondFor(`run${run}`), () => 200),
		);
		const runs = apis.map((api, run) =>
			runBulkSend(
				engineOpts(clock, api, makeRows(150), SESSION_BOUND, sessionsOf[run], { concurrency: 8 }),
			),
		);
		const outcomes = (await clock.run(Promise.all(runs))).flat();

		expect(outcomes.filter((o) => o.status !== 'sent')).toEqual([]);
		const rows = server.accepted.map((a) => a.row);
		expect(rows).toHaveLength(600);
		expect(new Set(rows).size).toBe(600);
		// This fake refuses over 30 a session a window by construction, so what it accepted says
		// nothing about the runs; their refusals do. The runs met on every session; a retry after a
		// refusal never met the refusal again.
		expect(server.counts.refused).toBeGreaterThan(0);
		// 160 for 600 rows with this schedule; runs retrying before the Retry-After would hammer.
		expect(server.counts.refused).toBeLessThanOrEqual(200);
		expect(server.counts.replayedRefusals).toBe(0);
	});
});

describe('the key of a retry', () => {
	it('a row refused with every answer received is retried under a new key each time', async () => {
		const refusals = [sessionLimited(1000), sessionLimited(1000)];
		const respond: Responder = () => refusals.shift() ?? { ok: true, id: 'm' };
		const { api, run } = setupRun(makeRows(1), SESSION_BOUND, ['s1'], respond);
		const [outcome] = await run();

		expect(outcome).toMatchObject({ status: 'sent', attempts: 3 });
		expect(api.calls.map((call) => call.keyRound)).toEqual([0, 1, 2]);
	});

	it('a row whose answer was lost keeps its key through fresh 429s, so it is not sent twice', async () => {
		// The first attempt was performed, its answer lost; SendApi's rate limiter then answers
		// before looking at the key; at last the key's stored success is replayed.
		let performed = 0;
		const answers: Array<() => SendResult> = [
			() => (performed++, lostAnswer),
			() => sessionLimited(1000),
			() => sessionLimited(1000),
		];
		const respond: Responder = () => answers.shift()?.() ?? { ok: true, id: 'm' };
		const { api, run } = setupRun(makeRows(1), SESSION_BOUND, ['s1'], respond);
		const [outcome] = await run({ backoffBaseMs: 10 });

		expect(outcome).toMatchObject({ status: 'sent', attempts: 4 });
		expect(api.calls.map((call) => call.keyRound)).toEqual([0, 0, 0, 0]);
		expect(performed).toBe(1);
	});

	it('a kept refusal replayed under the key settles a lost answer: the next retry gets a new key', async () => {
		// The first attempt never reached SendApi; the second was refused and the refusal kept.
		const server = sendApi(1, true);
		const respondServer = server.respondFor('run');
		let calls = 0;
		const respond: Responder = (call) => {
			calls++;
			if (calls === 1) return lostAnswer;
			if (calls === 2) {
				// Someone else's message fills the session's window just before.
				server.accepted.push({ t: call.t, sessionId: call.sessionId, row: 'other' });
			}
			return respondServer(call, calls);
		};
		const { api, run } = setupRun(makeRows(1), SESSION_BOUND, ['s1'], respond);
		const [outcome] = await run({ backoffBaseMs: 10 });

		expect(outcome).toMatchObject({ status: 'sent' });
		const rounds = api.calls.map((call) => call.keyRound);
		expect(rounds).toEqual([0, 0, 0, 1]);
		expect(api.calls[2].result).toMatchObject({ replayed: true });
		expect(server.accepted.filter((a) => a.row !== 'other')).toHaveLength(1);
	});

	it('a row moved off a session it was refused on takes its next key along', async () => {
		const respond: Responder = (call, n) =>
			n === 0 ? { ...sessionLimited(WINDOW), sessionLimited: true } : { ok: true, id: 'm' };
		const { api, run } = setupRun(makeRows(1), SESSION_BOUND, ['s1', 's2'], respond);
		const [outcome] = await run();

		expect(outcome).toMatchObject({ status: 'sent', sessionId: 's2' });
		expect(api.calls.map((call) => [call.sessionId, call.keyRound])).toEqual([
			['s1', 0],
			['s2', 1],
		]);
	});
});
