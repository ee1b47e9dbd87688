/**
 * Whether SendApi keeps a refusal under its Idempotency-Key is undocumented. If it does, a retry
 * under the same key is answered with the stored 429 (`Idempotent-Replayed: true`, no Retry-After)
 * for 24 h, and a row retried that way can never be sent. The engine gives a row's retry a new key
 * (the next key round) when every earlier attempt was answered, and keeps the key while an answer
 * was lost, until SendApi answers that key with a kept refusal.
 */
import type { BulkLimits, SendResult } from '../../nodes/SendApi/bulkEngine';
import { runBulkSend } from '../../nodes/SendApi/bulkEngine';
import {
	engineOpts,
	FakeApi,
	keyOf,
	makeRows,
	maxWindowSum,
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

/** A 429 as the sender reports it: fresh with Retry-After, or replayed from the key's store. */
function sessionLimited(retryAfterMs?: number, replayed = false): SendResult {
	return {
		ok: false,
		retryable: true,
		refused: true,
		sessionLimited: true,
		retryAfterMs,
		reason: 'HTTP 429 sending_limited',
		...(replayed ? { replayed: true } : {}),
	};
}

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
	it('every row is sent once, none ends not_sent, no session carries more than its limit', async () => {
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
		for (const session of ['s1', 's2', 's3', 's4']) {
			const sends = server.accepted
				.filter((a) => a.sessionId === session)
				.map((a) => ({ t: a.t, w: 1 }));
			expect(maxWindowSum(sends, WINDOW).sum).toBeLessThanOrEqual(30);
		}
		// The runs met on every session; a retry after a refusal never met the refusal again.
		expect(server.counts.refused).toBeGreaterThan(0);
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
