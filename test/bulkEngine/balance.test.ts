/**
 * SendApi's 4021 "balance low" during a run: it stops the run as the plan's quota_exceeded does
 * (quota.test.ts), on every session at once, and the rows not yet started say to top up the
 * balance. Runs on the harness's virtual clock.
 */
import { type BulkLimits, type SendFailure } from '../../nodes/SendApi/bulkEngine';
import { makeRows, sessionIds, setupRun, type Responder } from './harness';

const SAID =
	'SendApi: Balance too low (balance_low 4021). Your SendApi balance is too low: nothing was sent. Top up the SendApi balance in the SendApi dashboard, then run it again.';

const balanceLow: SendFailure = {
	ok: false,
	retryable: false,
	refused: true,
	balanceLow: true,
	reason: SAID,
};

function notStarted(sent: number): string {
	return (
		`balance low: SendApi refused a send with "${SAID}" after this run had sent ${sent}; ` +
		'top up the SendApi balance, then send the rows not sent again; this row was not started'
	);
}

/** A server whose balance pays for `paid` messages, then refuses every send with 4021. */
function balanceServer(paid: number): Responder {
	let accepted = 0;
	return (call, n) => {
		if (accepted + call.weight > paid) return balanceLow;
		accepted += call.weight;
		return { ok: true, id: `${call.kind === 'bulk' ? 'batch' : 'msg'}_${n}` };
	};
}

const UNLIMITED: BulkLimits = {
	planMessagesPerWindow: Infinity,
	planMessagesPerDay: Infinity,
	requestsPerWindow: Infinity,
	sessionMessagesPerWindow: Infinity,
	sessionMessagesPerDay: Infinity,
};

describe('the balance runs out mid-run (4021 balance low)', () => {
	it('row 26 of 40 refused on one of three sessions: no session sends again, the rest say to top up', async () => {
		const rows = makeRows(40);
		const { api, run } = setupRun(rows, UNLIMITED, sessionIds(3), balanceServer(25));
		const outcomes = await run({ concurrency: 1 });

		// 25 sent, the 26th refused, and not one request after it (not on the other sessions).
		expect(api.calls).toHaveLength(26);
		expect(new Set(api.calls.map((c) => c.sessionId)).size).toBe(3);
		expect(outcomes.slice(0, 25).every((o) => o.status === 'sent')).toBe(true);
		// The refused row stays where it was refused: another session would be refused too.
		expect(outcomes[25]).toEqual({
			index: rows[25].index,
			status: 'not_sent',
			sessionId: api.calls[25].sessionId,
			attempts: 1,
			reason: SAID,
		});
		for (const outcome of outcomes.slice(26)) {
			expect(outcome).toEqual({
				index: outcome.index,
				status: 'not_sent',
				attempts: 0,
				reason: notStarted(25),
			});
		}
	});

	it('an answer after it: a 429-refused row ends too; one whose answer was lost is still retried', async () => {
		const respond: Responder = (call) => {
			const row = call.indexes[0];
			if (row === 2) return balanceLow;
			if (call.attempt === 1 && row === 0)
				return { ok: false, retryable: true, reason: 'HTTP 503' };
			if (call.attempt === 1 && row === 1)
				return { ok: false, retryable: true, refused: true, reason: 'HTTP 429' };
			return { ok: true, id: `msg_${row}` };
		};
		// Row 2's refusal comes back first, the answers of rows 0 and 1 after it.
		const latency = (call: { indexes: number[] }) => (call.indexes[0] === 2 ? 10 : 20);
		const { api, run } = setupRun(makeRows(5), UNLIMITED, ['s1'], respond, latency);
		const outcomes = await run({ concurrency: 3 });

		expect(api.calls.map((c) => [c.indexes[0], c.attempt])).toEqual([
			[0, 1],
			[1, 1],
			[2, 1],
			[0, 2],
		]);
		expect(outcomes.map((o) => [o.status, o.attempts, o.reason])).toEqual([
			['sent', 2, undefined],
			['not_sent', 1, notStarted(0)],
			['not_sent', 1, SAID],
			['not_sent', 0, notStarted(0)],
			['not_sent', 0, notStarted(0)],
		]);
	});

	it('a refused /send-bulk chunk ends its group and every other row waiting', async () => {
		const rows = makeRows(300, (i) => (i % 10 === 9 ? `own${i}` : 'promo'));
		const { api, run } = setupRun(rows, UNLIMITED, sessionIds(2), balanceServer(100));
		const outcomes = await run({ concurrency: 1, groupIdentical: true, maxRecipientsPerBulk: 100 });
		expect(api.calls.map((c) => [c.kind, c.weight])).toEqual([
			['bulk', 100],
			['bulk', 100],
		]);
		expect(outcomes.filter((o) => o.status === 'queued')).toHaveLength(100);
		const notSent = outcomes.filter((o) => o.status === 'not_sent');
		expect(notSent).toHaveLength(200);
		expect(notSent.filter((o) => o.reason === SAID)).toHaveLength(100);
		expect(notSent.filter((o) => o.reason === notStarted(100))).toHaveLength(100);
	});
});
