/**
 * Several Send Bulk executions at once on one key and shared sessions (n8n queue mode, two
 * workers): none is told of the others, so each meets their sends as SendApi's 429s with
 * Retry-After. Waiting those out must not cost a row its attempts, and must still end a run whose
 * server only ever refuses.
 */
import { runBulkSend, type BulkLimits, type SendResult } from '../../nodes/SendApi/bulkEngine';
import {
	engineOpts,
	FakeApi,
	makeRows,
	setupRun,
	VirtualClock,
	type Responder,
	type SendCall,
} from './harness';

const WINDOW = 60_000;

const SESSION_BOUND: BulkLimits = {
	windowMs: WINDOW,
	planMessagesPerWindow: 10_000,
	planMessagesPerDay: 1_000_000,
	requestsPerWindow: 10_000,
	sessionMessagesPerWindow: 30,
	sessionMessagesPerDay: 100_000,
};

function sessionLimited(retryAfterMs: number): SendResult {
	return {
		ok: false,
		retryable: true,
		refused: true,
		sessionLimited: true,
		retryAfterMs,
		reason: 'HTTP 429 sending_limited',
	};
}

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
