/**
 * The run is not alone: other clients share the API key's request budget (X-RateLimit-*), and a
 * session can stop being able to send mid-run. Both must cost no row and no refused request.
 */
import {
	PLAN_LIMITS,
	type BulkLimits,
	type BulkRow,
	type SendResult,
} from '../../nodes/SendApi/bulkEngine';
import {
	findWindowViolations,
	lastStartMs,
	makeRows,
	maxWindowSum,
	sessionIds,
	setupRun,
	type Responder,
	type SendCall,
} from './harness';

const setup = setupRun;

const WINDOW = 60_000;

/** Messages are plentiful; only the key's 60 requests per window can bind. */
const REQUEST_BOUND: BulkLimits = {
	windowMs: WINDOW,
	planMessagesPerWindow: 10_000,
	planMessagesPerDay: 1_000_000,
	requestsPerWindow: 60,
	sessionMessagesPerWindow: 10_000,
	sessionMessagesPerDay: 100_000,
};

/**
 * SendApi's side of a key that other clients also use: requests are counted when they arrive
 * (here: when the engine calls), `foreign` of them at the given instants; over the limit → 429.
 * Every answer carries X-RateLimit-Remaining and -Reset as of its own count, unless `headers` is
 * off. Every attempt counts, refused ones included (the stricter reading, as the fake's default).
 */
function sharedKeyServer(limit: number, foreign: number[], headers = true) {
	const counted: number[] = [...foreign];
	let refused = 0;
	const inWindow = (t: number) => counted.filter((at) => at > t - WINDOW && at <= t);
	const respond: Responder = (call: SendCall) => {
		const live = inWindow(call.t);
		const resetAtMs = (live.length ? Math.min(...live) : call.t) + WINDOW;
		counted.push(call.t);
		if (live.length >= limit) {
			refused++;
			// The window frees a slot when enough of what it holds (refused ones too) has left.
			const freeAt = live.sort((a, b) => a - b)[live.length - limit] + WINDOW;
			return {
				ok: false,
				retryable: true,
				refused: true,
				retryAfterMs: freeAt - call.t,
				reason: 'HTTP 429',
				...(headers ? { rateLimit: { limit, remaining: 0, resetAtMs } } : {}),
			};
		}
		return {
			ok: true,
			id: 'm',
			...(headers ? { rateLimit: { limit, remaining: limit - live.length - 1, resetAtMs } } : {}),
		};
	};
	return { respond, refused: () => refused, counted };
}

describe('a request budget shared with other clients (X-RateLimit-*)', () => {
	it('starts no more requests than the server says remain, so nothing is refused', async () => {
		// Another client already spent 55 of the key's 60 requests this minute.
		const server = sharedKeyServer(
			60,
			Array.from({ length: 55 }, () => 0),
		);
		const { api, run } = setup(makeRows(30), REQUEST_BOUND, ['s1'], server.respond, () => 200);
		const outcomes = await run({ concurrency: 4 });

		expect(server.refused()).toBe(0);
		expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
		// Every request the run made (not what the server let through), with the other client's.
		const attempts = [...Array(55).fill(0), ...api.calls.map((c) => c.t)];
		expect(
			maxWindowSum(
				attempts.map((t) => ({ t, w: 1 })),
				WINDOW,
			).sum,
		).toBeLessThanOrEqual(60);
		// 4 leave before any answer (concurrency); the first answer says 4 remain, less the 3 still
		// in flight: one more; then the key is spent until the other client's minute ends.
		expect(api.calls.filter((c) => c.t < WINDOW)).toHaveLength(5);
		expect(api.calls[5].t).toBe(WINDOW);
	});

	it('what SendApi said before the run (usage check) limits even the first requests', async () => {
		// Another client used 58 of the 60: only 2 may start before its minute ends.
		const server = sharedKeyServer(
			60,
			Array.from({ length: 58 }, () => 0),
		);
		const { api, run } = setup(makeRows(10), REQUEST_BOUND, ['s1'], server.respond, () => 200);
		const outcomes = await run({
			concurrency: 4,
			serverRateLimit: { limit: 60, remaining: 2, resetAtMs: WINDOW },
		});

		expect(server.refused()).toBe(0);
		expect(api.calls.filter((c) => c.t < WINDOW)).toHaveLength(2);
		expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
	});

	it('a low but non-zero remaining lets exactly that many start before the reset', async () => {
		const respond: Responder = (call, n) => ({
			ok: true,
			rateLimit:
				n === 0 ? { remaining: 2, resetAtMs: 30_000 } : { remaining: 50, resetAtMs: 90_000 },
		});
		const { api, run } = setup(makeRows(6), REQUEST_BOUND, ['s1'], respond);
		await run({ concurrency: 1 });
		// call 0 says 2 remain; calls 1 and 2 use them, but their own answers (50 left) refresh it
		expect(api.calls.map((c) => c.t)).toEqual([0, 0, 0, 0, 0, 0]);

		const tight: Responder = (call, n) => ({
			ok: true,
			rateLimit:
				call.t < 30_000
					? { remaining: Math.max(0, 2 - n), resetAtMs: 30_000 }
					: { remaining: 50, resetAtMs: 90_000 },
		});
		const second = setup(makeRows(6), REQUEST_BOUND, ['s1'], tight);
		await second.run({ concurrency: 1 });
		expect(second.api.calls.map((c) => c.t)).toEqual([0, 0, 0, 30_000, 30_000, 30_000]);
	});

	it('counts its own requests in flight against what remains', async () => {
		// Only the server's word protects this key: the run's own request window is wide open.
		const limits = { ...REQUEST_BOUND, requestsPerWindow: 10_000 };
		const server = sharedKeyServer(6, []);
		const { run } = setup(makeRows(20), limits, ['s1'], server.respond, () => 100);
		const outcomes = await run({ concurrency: 4 });
		expect(server.refused()).toBe(0);
		expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
	});

	it('a client the run cannot see (no headers), with every refused attempt counting: each row once, few refusals', async () => {
		// The stricter reading (refused requests count in the key's window) punishes a run that
		// retries before the Retry-After: each early retry would push the window's end further out.
		const server = sharedKeyServer(10, Array(8).fill(0), false);
		const limits = { ...REQUEST_BOUND, requestsPerWindow: 10 };
		const { api, run } = setup(makeRows(20), limits, ['s1'], server.respond, () => 100);
		const outcomes = await run({ concurrency: 4 });

		expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
		expect([...api.acceptedCounts().values()].every((count) => count === 1)).toBe(true);
		expect(server.refused()).toBeGreaterThan(0);
		// Refused: the first requests, sent before any answer could tell (4 in flight at once).
		expect(server.refused()).toBeLessThanOrEqual(4);
		// 2 fit beside the other client's 8, then 10 a window: the last starts in the third window.
		expect(lastStartMs(api.calls)).toBeLessThan(3 * WINDOW);
	});

	it('answers without the headers leave pacing to the run’s own windows', async () => {
		const respond: Responder = (_call, n) =>
			n === 0 ? { ok: true, rateLimit: { remaining: 0, resetAtMs: 5_000 } } : { ok: true };
		const { api, run } = setup(makeRows(4), REQUEST_BOUND, ['s1'], respond);
		await run({ concurrency: 1 });
		expect(api.calls.map((c) => c.t)).toEqual([0, 5_000, 5_000, 5_000]);
	});
});

describe('a session’s own 429 (its anti-ban limit, used up by another sender on the number)', () => {
	const SESSION_LIMITED: SendResult = {
		ok: false,
		retryable: true,
		retryAfterMs: 30_000,
		sessionLimited: true,
		refused: true,
		reason: 'SendApi: Session daily limit (sending_limited 4029)',
	};

	it('pauses only that session; its row goes to another session at once', async () => {
		let refusals = 0;
		const respond: Responder = (call, n) => {
			if (call.sessionId === 'sess_1' && call.t < 30_000) {
				refusals++;
				return SESSION_LIMITED;
			}
			return { ok: true, id: `m${n}` };
		};
		const limits = PLAN_LIMITS.growth;
		const { api, run } = setup(makeRows(90), limits, sessionIds(3), respond);
		const outcomes = await run({ concurrency: 1 });

		expect(refusals).toBe(1);
		const refused = api.calls[0];
		expect(refused.sessionId).toBe('sess_1');
		// the others went on at once, and sess_1 waited out its Retry-After
		expect(api.calls[1]).toMatchObject({ t: 0, indexes: refused.indexes, attempt: 1 });
		expect(api.calls[1].sessionId).not.toBe('sess_1');
		const toFirst = api.calls.filter((c) => c.sessionId === 'sess_1').slice(1);
		expect(toFirst.length).toBeGreaterThan(0);
		expect(toFirst.every((c) => c.t >= 30_000)).toBe(true);
		expect(outcomes[refused.indexes[0]]).toMatchObject({ status: 'sent', attempts: 2 });
		expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
		expect(api.acceptedCounts().size).toBe(90);
	});

	it('a refused send costs no message capacity: the window still carries its 60', async () => {
		let refusals = 0;
		const respond: Responder = (call, n) => {
			if (call.sessionId === 'sess_1' && refusals < 3) {
				refusals++;
				return SESSION_LIMITED;
			}
			return { ok: true, id: `m${n}` };
		};
		const { api, run } = setup(makeRows(60), PLAN_LIMITS.growth, sessionIds(3), respond, () => 50);
		const outcomes = await run({ concurrency: 12 });
		expect(refusals).toBeGreaterThan(0);
		expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
		expect(api.calls.every((c) => c.t < 60_000)).toBe(true);
	});

	it('gives back the day budget a refused attempt took, so the day still carries every row', async () => {
		const limits: BulkLimits = { ...PLAN_LIMITS.growth, sessionMessagesPerDay: 5 };
		let refusals = 0;
		const respond: Responder = (call, n) => {
			if (call.sessionId === 'sess_1' && refusals < 2) {
				refusals++;
				return { ...SESSION_LIMITED, retryAfterMs: 1_000 };
			}
			return { ok: true, id: `m${n}` };
		};
		const { run } = setup(makeRows(10), limits, sessionIds(2), respond);
		const outcomes = await run({ concurrency: 1 });
		expect(refusals).toBe(2);
		expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
	});

	it('a row refused on every session in turn gives up after ten times maxAttempts, saying why', async () => {
		// 429s with Retry-After are waited out without using up maxAttempts (other executions on
		// the same numbers cause them: concurrentRuns.test.ts), up to ten times as many tries.
		const respond: Responder = () => SESSION_LIMITED;
		const { api, run } = setup(makeRows(1), PLAN_LIMITS.growth, sessionIds(3), respond);
		const [outcome] = await run({ concurrency: 1, maxAttempts: 4 });
		expect(api.calls).toHaveLength(40);
		expect(outcome).toMatchObject({ status: 'not_sent', attempts: 40 });
		expect(outcome.reason).toMatch(/sending_limited.*gave up after 40 attempts/);
	});
});

const NOT_CONNECTED: SendResult = {
	ok: false,
	retryable: false,
	sessionUnavailable: true,
	reason: 'SendApi: Session sess_2 is disconnected, not connected (session_not_connected 4090)',
};

describe('a session that cannot send', () => {
	it('gets nothing more; its rows move to the other sessions and are sent there', async () => {
		const rows = makeRows(60);
		const respond: Responder = (call, n) =>
			call.sessionId === 'sess_2' ? NOT_CONNECTED : { ok: true, id: `m${n}` };
		const limits = PLAN_LIMITS.growth;
		const { api, run } = setup(rows, limits, sessionIds(3), respond);
		const outcomes = await run({ concurrency: 1 });

		expect(api.calls.filter((c) => c.sessionId === 'sess_2')).toHaveLength(1);
		expect(outcomes.every((o) => o.status === 'sent' && o.sessionId !== 'sess_2')).toBe(true);
		const moved = api.calls.find((c) => c.sessionId === 'sess_2')?.indexes[0] as number;
		expect(outcomes[moved].attempts).toBe(2);
		expect([...api.acceptedCounts().values()].every((count) => count === 1)).toBe(true);
		expect(api.acceptedCounts().size).toBe(60);
		expect(findWindowViolations(api.calls, limits)).toEqual([]);
	});

	it('a send refused for its session costs no message capacity: the window still carries its 60', async () => {
		const respond: Responder = (call, n) =>
			call.sessionId === 'sess_1' ? NOT_CONNECTED : { ok: true, id: `m${n}` };
		const { api, run } = setup(makeRows(60), PLAN_LIMITS.growth, sessionIds(3), respond, () => 50);
		const outcomes = await run({ concurrency: 12 });
		expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
		expect(api.calls.filter((c) => c.sessionId === 'sess_1').length).toBeGreaterThan(1);
		expect(api.calls.every((c) => c.t < 60_000)).toBe(true);
	});

	it('moves a bulk chunk whole, and it is grouped again on the new session', async () => {
		const rows = makeRows(40, () => 'same');
		const respond: Responder = (call, n) =>
			call.sessionId === 'sess_1' ? NOT_CONNECTED : { ok: true, id: `batch_${n}` };
		const { api, run } = setup(rows, PLAN_LIMITS.growth, sessionIds(2), respond);
		const outcomes = await run({ groupIdentical: true, concurrency: 1 });

		expect(api.calls[0]).toMatchObject({ kind: 'bulk', sessionId: 'sess_1', weight: 30 });
		expect(api.calls.slice(1).every((c) => c.kind === 'bulk' && c.sessionId === 'sess_2')).toBe(
			true,
		);
		expect(outcomes.every((o) => o.status === 'queued' && o.sessionId === 'sess_2')).toBe(true);
		expect(api.acceptedCounts().size).toBe(40);
	});

	it('moves a retry SendApi refused outright that was waiting for that session, without another request to it', async () => {
		const respond: Responder = (call, n) => {
			if (n === 0) return { ok: false, retryable: true, refused: true, reason: 'HTTP 429' };
			if (call.sessionId === 'sess_1') return NOT_CONNECTED;
			return { ok: true, id: `m${n}` };
		};
		const { api, run } = setup(makeRows(4), PLAN_LIMITS.growth, sessionIds(2), respond);
		const outcomes = await run({ concurrency: 1 });

		// call 0: row 0 on sess_1 → 429, retry planned on sess_1; call 2: row 2 on sess_1 → down
		expect(api.calls.filter((c) => c.sessionId === 'sess_1')).toHaveLength(2);
		expect(outcomes[0]).toMatchObject({ status: 'sent', sessionId: 'sess_2', attempts: 2 });
		expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
	});

	describe('a retry whose earlier answer was lost stays on its session (another session is a new Idempotency-Key)', () => {
		/** Row 0's first answer on sess_1 is lost; row 2 then finds sess_1 not connected. */
		function lostThenDown(rowZeroAgain: SendResult): Responder {
			return (call, n) => {
				if (n === 0) return { ok: false, retryable: true, reason: 'HTTP 503' };
				if (call.sessionId === 'sess_1' && call.indexes[0] === 0) return rowZeroAgain;
				if (call.sessionId === 'sess_1') return NOT_CONNECTED;
				return { ok: true, id: `m${n}` };
			};
		}

		it('SendApi answers the same key with what it did: the row is sent once, on its session', async () => {
			const respond = lostThenDown({ ok: true, id: 'm_replayed' });
			const { api, run } = setup(makeRows(4), PLAN_LIMITS.growth, sessionIds(2), respond);
			const outcomes = await run({ concurrency: 1 });

			const rowZeroCalls = api.calls.filter((c) => c.indexes.includes(0));
			expect(rowZeroCalls.map((c) => [c.sessionId, c.attempt])).toEqual([
				['sess_1', 1],
				['sess_1', 2],
			]);
			expect(outcomes[0]).toMatchObject({ status: 'sent', sessionId: 'sess_1', id: 'm_replayed' });
			expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
		});

		it('the session refuses the same key: the row ends not_sent saying SendApi may have sent it', async () => {
			const respond = lostThenDown({ ...NOT_CONNECTED });
			const { api, run } = setup(makeRows(4), PLAN_LIMITS.growth, sessionIds(2), respond);
			const outcomes = await run({ concurrency: 1 });

			expect(
				api.calls.filter((c) => c.indexes.includes(0)).every((c) => c.sessionId === 'sess_1'),
			).toBe(true);
			expect(outcomes[0]).toMatchObject({ status: 'not_sent', sessionId: 'sess_1', attempts: 2 });
			expect(outcomes[0].reason).toMatch(
				/not connected.*an earlier answer was lost, so SendApi may have sent it$/,
			);
			expect(outcomes.slice(1).every((o) => o.status === 'sent')).toBe(true);
		});

		it('its session’s own 429 (anti-ban limit) keeps it there: only that session waits, then the same key is retried', async () => {
			const limited: SendResult = {
				ok: false,
				retryable: true,
				refused: true,
				sessionLimited: true,
				retryAfterMs: 5_000,
				reason: 'HTTP 429 sending_limited',
			};
			const respond: Responder = (call, n) => {
				if (n === 0) return { ok: false, retryable: true, reason: 'HTTP 503' };
				if (call.indexes[0] === 0 && call.attempt === 2) return limited;
				return { ok: true, id: `m${n}` };
			};
			// 100 ms a request, one at a time: the other rows are still going out while sess_1 waits
			const { api, run } = setup(makeRows(40), REQUEST_BOUND, sessionIds(2), respond, () => 100);
			const outcomes = await run({ concurrency: 1, backoffBaseMs: 100, backoffCapMs: 100 });

			const rowZeroCalls = api.calls.filter((c) => c.indexes.includes(0));
			expect(rowZeroCalls.map((c) => [c.sessionId, c.attempt])).toEqual([
				['sess_1', 1],
				['sess_1', 2],
				['sess_1', 3],
			]);
			// sess_1 paused for its Retry-After; sess_2 was not held back meanwhile
			const retryAt = rowZeroCalls[1].t;
			expect(rowZeroCalls[2].t).toBeGreaterThanOrEqual(retryAt + 5_000);
			const during = api.calls.filter((c) => c.t > retryAt && c.t < retryAt + 5_000);
			expect(during.length).toBeGreaterThan(0);
			expect(during.every((c) => c.sessionId === 'sess_2')).toBe(true);
			expect(outcomes[0]).toMatchObject({ status: 'sent', sessionId: 'sess_1', attempts: 3 });
			expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
		});

		it('cancelling while it waits ends it saying SendApi may have sent it', async () => {
			const signal = { aborted: false };
			const respond: Responder = (call, n) => {
				if (n === 0) return { ok: false, retryable: true, reason: 'HTTP 503' };
				signal.aborted = true;
				return { ok: true, id: `m${n}` };
			};
			const { run } = setup(makeRows(3), PLAN_LIMITS.growth, sessionIds(1), respond);
			const outcomes = await run({ concurrency: 1, signal });

			expect(outcomes[0]).toMatchObject({ status: 'not_sent', attempts: 1 });
			expect(outcomes[0].reason).toBe(
				'cancelled; an earlier answer was lost, so SendApi may have sent it',
			);
			expect(outcomes[2]).toMatchObject({ status: 'not_sent', reason: 'cancelled' });
		});
	});

	it('when no session can send, every row ends not_sent once, naming the sessions', async () => {
		const respond: Responder = () => NOT_CONNECTED;
		const { api, run } = setup(makeRows(10), PLAN_LIMITS.growth, sessionIds(2), respond);
		const outcomes = await run({ concurrency: 2 });

		expect(api.calls).toHaveLength(2);
		expect(outcomes).toHaveLength(10);
		for (const outcome of outcomes) {
			expect(outcome.status).toBe('not_sent');
			expect(outcome.reason).toMatch(/^no session can send \(sess_1: .*not connected.*; sess_2: /);
		}
	});

	it('rows the remaining sessions’ day budgets cannot carry end not_sent with the numbers', async () => {
		const limits: BulkLimits = { ...PLAN_LIMITS.growth, sessionMessagesPerDay: 5 };
		const respond: Responder = (call, n) =>
			call.sessionId === 'sess_1' ? NOT_CONNECTED : { ok: true, id: `m${n}` };
		const { run } = setup(makeRows(8), limits, sessionIds(2), respond);
		const outcomes = await run({ concurrency: 1 });

		expect(outcomes.filter((o) => o.status === 'sent')).toHaveLength(5);
		const notSent = outcomes.filter((o) => o.status === 'not_sent');
		expect(notSent).toHaveLength(3);
		expect(notSent[0].reason).toMatch(/^daily limit: .*5\/day each.*sess_1: /);
	});

	it('cancelling while rows wait to move ends them as cancelled', async () => {
		const signal = { aborted: false };
		const respond: Responder = (call) => {
			if (call.sessionId === 'sess_1') {
				signal.aborted = true;
				return NOT_CONNECTED;
			}
			return { ok: true };
		};
		const { run } = setup(makeRows(5), PLAN_LIMITS.growth, sessionIds(2), respond);
		const outcomes = await run({ concurrency: 1, signal });
		expect(outcomes[0]).toMatchObject({ status: 'not_sent', attempts: 1 });
		expect(outcomes[0].reason).toMatch(/^cancelled \(last attempt: .*not connected/);
		expect(outcomes.every((o) => o.status === 'not_sent')).toBe(true);
	});
});
