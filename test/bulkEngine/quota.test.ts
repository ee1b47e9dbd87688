/**
 * SendApi's quota_exceeded during a run: the plan's day is spent (the node's daily limit was set
 * higher than the account really has), so nothing new is sent and every row not yet started ends
 * not_sent with SendApi's reason and the run's numbers; rows already sent off are answered as
 * SendApi answers them.
 */
import {
	PLAN_LIMITS,
	type BulkLimits,
	type BulkProgress,
	type SendFailure,
} from '../../nodes/SendApi/bulkEngine';
import { makeRows, sessionIds, setupRun, type Responder, type SendCall } from './harness';

const SAID = 'SendApi: Daily message quota of 60 exceeded for this plan (quota_exceeded 4020)';

const planQuota = (reason = SAID): SendFailure => ({
	ok: false,
	retryable: false,
	refused: true,
	planQuotaExceeded: true,
	reason,
});

/** What the rows not yet started say, for a run that had sent `sent` and read `today`. */
function notStarted(sent: number, today: string, limit = '500 messages/day on the plan'): string {
	return (
		`daily limit: SendApi refused a send with "${SAID}" after this run had sent ${sent}; ` +
		`${today}; the node's daily limit is ${limit}; this row was not started`
	);
}

/** A server that accepts `quota` messages, then answers every send with the plan's 402. */
function quotaServer(
	quota: number,
	onRefusal: (call: SendCall) => void = () => undefined,
): Responder {
	let accepted = 0;
	return (call, n) => {
		if (accepted + call.weight > quota) {
			onRefusal(call);
			return planQuota();
		}
		accepted += call.weight;
		return { ok: true, id: `${call.kind === 'bulk' ? 'batch' : 'msg'}_${n}` };
	};
}

/** No window in the way: only the concurrency and the answers' latency set the pace. */
const UNLIMITED: BulkLimits = {
	planMessagesPerWindow: Infinity,
	planMessagesPerDay: 500,
	requestsPerWindow: Infinity,
	sessionMessagesPerWindow: Infinity,
	sessionMessagesPerDay: Infinity,
};

describe('the plan’s daily quota is spent mid-run (402 quota_exceeded about the plan)', () => {
	it('row 61 of 120 refused: nothing new is sent, rows 61..120 come out not_sent with the reason and numbers', async () => {
		let callsAtRefusal = -1;
		let inFlightAtRefusal = -1;
		const respond = quotaServer(60, () => {
			if (callsAtRefusal >= 0) return;
			callsAtRefusal = api.calls.length;
			inFlightAtRefusal = api.inFlight - 1; // the others besides the refused one
		});
		const rows = makeRows(120);
		const { api, run } = setupRun(rows, UNLIMITED, ['s1'], respond, () => 100);
		const outcomes = await run({ concurrency: 4, sentToday: { plan: 0 } });

		// The requests up to the refusal, and those already in flight then: not one more.
		expect(inFlightAtRefusal).toBe(3);
		expect(callsAtRefusal).toBe(61 + inFlightAtRefusal);
		expect(api.calls).toHaveLength(callsAtRefusal);
		expect(api.calls.map((c) => c.indexes[0])).toEqual(rows.slice(0, 64).map((r) => r.index));

		// Every row once, in input order.
		expect(outcomes.map((o) => o.index)).toEqual(rows.map((r) => r.index));
		expect(outcomes.slice(0, 60).every((o) => o.status === 'sent' && o.attempts === 1)).toBe(true);
		// Refused or in flight: answered as SendApi answered them.
		for (const outcome of outcomes.slice(60, 64)) {
			expect(outcome).toEqual({
				index: outcome.index,
				status: 'not_sent',
				sessionId: 's1',
				attempts: 1,
				reason: SAID,
			});
		}
		// Not started: no request, SendApi's reason and what the run knows.
		const reason = notStarted(60, '0 were already sent today before the run');
		for (const outcome of outcomes.slice(64)) {
			expect(outcome).toEqual({ index: outcome.index, status: 'not_sent', attempts: 0, reason });
		}
	});

	it('in flight rows SendApi still accepts come out sent; the numbers say what was read today', async () => {
		// Row 0 is sent off first but answered last: the refusal of row 1 comes back before it.
		const respond: Responder = (call) =>
			call.indexes[0] === 1 ? planQuota() : { ok: true, id: `msg_${call.indexes[0]}` };
		const latency = (call: SendCall) => (call.indexes[0] === 0 ? 300 : 100);
		const { api, run } = setupRun(makeRows(10), UNLIMITED, ['s1'], respond, latency);
		const outcomes = await run({ concurrency: 2, sentToday: { plan: 430 } });

		expect(api.calls.map((c) => c.indexes[0])).toEqual([0, 1]);
		expect(outcomes[0]).toMatchObject({ status: 'sent', id: 'msg_0', attempts: 1 });
		expect(outcomes[1]).toMatchObject({ status: 'not_sent', reason: SAID, attempts: 1 });
		// The reason was written when the refusal came in: row 0 was not answered yet.
		const reason = notStarted(0, '430 were already sent today before the run');
		expect(outcomes.slice(2).map((o) => o.reason)).toEqual(Array(8).fill(reason));
	});

	it('without today’s usage read, and with no daily limit set, the reason says so', async () => {
		const { api, run } = setupRun(
			makeRows(5),
			{ ...UNLIMITED, planMessagesPerDay: Infinity },
			['s1'],
			quotaServer(2),
		);
		const outcomes = await run({ concurrency: 1 });
		expect(api.calls).toHaveLength(3);
		expect(outcomes.slice(3).map((o) => o.reason)).toEqual(
			Array(2).fill(notStarted(2, 'what was sent today before the run was not read', 'not set')),
		);
	});

	it('a refused /send-bulk chunk ends the rest of its group and every other row waiting', async () => {
		const rows = makeRows(1_000, (i) => (i % 10 === 9 ? `own${i}` : 'promo'));
		const limits: BulkLimits = { ...UNLIMITED, planMessagesPerDay: 10_000 };
		const { api, run } = setupRun(rows, limits, sessionIds(2), quotaServer(250));
		const progress: BulkProgress[] = [];
		const outcomes = await run({
			concurrency: 1,
			groupIdentical: true,
			maxRecipientsPerBulk: 200,
			onProgress: (p) => progress.push(p),
		});
		// 200 queued, the next chunk of 200 refused: nothing after it.
		expect(api.calls.map((c) => [c.kind, c.weight])).toEqual([
			['bulk', 200],
			['bulk', 200],
		]);
		const byStatus = (status: string) => outcomes.filter((o) => o.status === status).length;
		expect(byStatus('queued')).toBe(200);
		expect(byStatus('not_sent')).toBe(800);
		const refused = new Set(api.calls[1].indexes);
		for (const outcome of outcomes.filter((o) => o.status === 'not_sent')) {
			if (refused.has(outcome.index)) expect(outcome).toMatchObject({ reason: SAID, attempts: 1 });
			else
				expect(outcome).toMatchObject({
					reason: notStarted(
						200,
						'what was sent today before the run was not read',
						'10000 messages/day on the plan',
					),
					attempts: 0,
				});
		}
		expect(progress[progress.length - 1]).toMatchObject({
			total: 1_000,
			done: 1_000,
			queued: 200,
			notSent: 800,
		});
	});

	it('a retry whose earlier answer was lost is still made (only it can tell); one refused by a 429 is not', async () => {
		// First answers: row 0's is lost (it may have gone out), row 1 is refused by a 429
		// (nothing went out); both wait to retry when row 2 finds the plan's day spent. Rows 3
		// and 4 took their places meanwhile; their answers, the same two kinds, come after it.
		const firstAnswers: Record<number, SendFailure> = {
			0: { ok: false, retryable: true, reason: 'HTTP 503' },
			1: { ok: false, retryable: true, refused: true, reason: 'HTTP 429' },
			3: { ok: false, retryable: true, reason: 'HTTP 503' },
			4: { ok: false, retryable: true, refused: true, reason: 'HTTP 429' },
		};
		const respond: Responder = (call) => {
			const row = call.indexes[0];
			if (row === 2) return planQuota();
			if (call.attempt === 1 && firstAnswers[row]) return firstAnswers[row];
			return { ok: true, id: `msg_${row}` };
		};
		const latency = (call: SendCall) => ({ 2: 20, 3: 30, 4: 30 })[call.indexes[0]] ?? 10;
		const { api, run } = setupRun(makeRows(6), UNLIMITED, ['s1'], respond, latency);
		const outcomes = await run({ concurrency: 3, sentToday: { plan: 0 } });
		expect(api.calls.map((c) => [c.indexes[0], c.attempt])).toEqual([
			[0, 1],
			[1, 1],
			[2, 1],
			[3, 1],
			[4, 1],
			[0, 2],
			[3, 2],
		]);
		const reason = notStarted(0, '0 were already sent today before the run');
		expect(outcomes.map((o) => [o.status, o.attempts, o.reason])).toEqual([
			['sent', 2, undefined],
			['not_sent', 1, reason],
			['not_sent', 1, SAID],
			['sent', 2, undefined],
			['not_sent', 1, reason],
			['not_sent', 0, reason],
		]);
		expect([outcomes[1].sessionId, outcomes[4].sessionId]).toEqual(['s1', 's1']);
	});

	it('rows refused by a session that cannot send are not moved once the day is spent', async () => {
		// s1's refusal (not connected) comes back after s2's quota_exceeded.
		const respond: Responder = (call) => {
			if (call.sessionId === 's1') {
				return {
					ok: false,
					retryable: false,
					sessionUnavailable: true,
					reason: 'session_not_connected',
				};
			}
			return planQuota();
		};
		const latency = (call: SendCall) => (call.sessionId === 's1' ? 50 : 10);
		const { api, run } = setupRun(makeRows(8), UNLIMITED, ['s1', 's2'], respond, latency);
		const outcomes = await run({ concurrency: 2, sentToday: { plan: 0 } });
		expect(api.calls.map((c) => [c.sessionId, c.indexes[0]])).toEqual([
			['s1', 0],
			['s2', 1],
		]);
		const reason = notStarted(0, '0 were already sent today before the run');
		expect(outcomes[0]).toEqual({
			index: 0,
			status: 'not_sent',
			sessionId: 's1',
			attempts: 1,
			reason,
		});
		expect(outcomes[1]).toMatchObject({ reason: SAID, attempts: 1 });
		expect(outcomes.slice(2).every((o) => o.reason === reason && o.attempts === 0)).toBe(true);
	});

	it('a later quota_exceeded for rows in flight is reported as SendApi said it, once per row', async () => {
		const other = 'SendApi: quota exceeded again';
		const respond: Responder = (call) =>
			call.indexes[0] === 0 ? planQuota() : call.indexes[0] < 4 ? planQuota(other) : { ok: true };
		const { api, run } = setupRun(makeRows(9), PLAN_LIMITS.business, ['s1'], respond, () => 5);
		const outcomes = await run({ concurrency: 4, sentToday: { plan: 0 } });
		expect(api.calls).toHaveLength(4);
		expect(outcomes.slice(1, 4).map((o) => o.reason)).toEqual([other, other, other]);
		expect(
			outcomes
				.slice(4)
				.every((o) => o.reason?.startsWith(`daily limit: SendApi refused a send with "${SAID}"`)),
		).toBe(true);
	});
});
