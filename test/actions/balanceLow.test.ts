/**
 * SendApi's 4021 "balance low" outside Send Bulk (whose run stops as for the plan's quota, see
 * sendBulk.test.ts): run inside n8n-core's engine against the fake SendApi (its `balanceMessages`),
 * an operation fails with the fix in the description. Which answers count as balance low is
 * wire/errorBody.ts's choice (docs/wire-format.md), held by the last tests.
 */

import type { SendApiErrorInfo } from '../../nodes/SendApi/transport/wire/errorBody';
import { isBalanceLow, quotaExceededScope } from '../../nodes/SendApi/transport/wire/errorBody';
import type { LoggedRequest } from '../fake-sendapi';
import type { QuotaErrorShape } from '../fake-sendapi/limits';
import { useFakeSendApi } from '../helpers/fakeServer';
import { refusedSend } from '../helpers/refusedSend';
import { runNode } from '../helpers/runWorkflow';

const fake = useFakeSendApi();
const byId = (value: string | number) => ({ __rl: true, mode: 'id', value: String(value) });
const FIX =
	'Your SendApi balance is too low: nothing was sent. Top up the SendApi balance in the SendApi dashboard, then run it again.';
/** How the fake's refusal reads in each error shape (its message names what is left), as a RegExp source. */
const SAID: Record<QuotaErrorShape, string> = {
	coded: String.raw`SendApi: Balance too low: \d+ of the \d+ messages are paid for \(balance_low 4021\)`,
	param: String.raw`SendApi: Balance too low: \d+ of the \d+ messages are paid for \(invalid_request_error insufficient_balance\)`,
};
const FIX_SOURCE = FIX.replace(/[.]/g, '\\.');

const sends = (): LoggedRequest[] =>
	fake.api.requests.filter((r) => r.method === 'POST' && /\/send(-bulk)?$/.test(r.path));
const sentTo = (): string[] =>
	fake.api.state.messages
		.filter((m) => m.direction === 'out' && m.dialect !== 'seed')
		.map((m) => String(m.to));

describe('other operations: a NodeApiError that says to top up the balance', () => {
	test.each<QuotaErrorShape>(['coded', 'param'])(
		'Message → Send (%s shape): one request, no retry, the fix in the description',
		async (quotaErrorShape) => {
			fake.api.setLimits({ balanceMessages: 0, quotaErrorShape });
			const session = fake.api.seedSession();
			const { error } = await runNode({
				parameters: {
					resource: 'message',
					operation: 'send',
					session: byId(session.id),
					to: '+447700900001',
					text: 'Your code is 1234',
				},
				credentials: fake.credentials,
			});
			expect(error?.name).toBe('NodeApiError');
			expect(error?.message).toMatch(new RegExp(`^Item 1: ${SAID[quotaErrorShape]}$`));
			expect(error?.description).toMatch(new RegExp(`^${FIX_SOURCE} Request: `));
			expect((error as unknown as { httpCode?: string }).httpCode).toBe('402');
			expect(sends()).toHaveLength(1);
			expect(sentTo()).toHaveLength(0);
		},
	);
});

describe('which answers are balance low (our choice: docs/wire-format.md)', () => {
	const refusedWith = refusedSend;

	test.each<[string, number, SendApiErrorInfo]>([
		['code 4021 (coded shape)', 402, { type: 'api_error', code: 4021, message: 'Low' }],
		['code "4021" as a string', 400, { code: '4021' }],
		['type balance_low', 403, { type: 'balance_low', message: 'Low' }],
		['code balance_low (other shape)', 402, { type: 'invalid_request_error', code: 'balance_low' }],
		[
			'code insufficient_balance',
			402,
			{ type: 'invalid_request_error', code: 'insufficient_balance' },
		],
		['type insufficient_balance', 402, { type: 'insufficient_balance' }],
		['a bare 402 that speaks of the balance', 402, { message: 'Insufficient balance' }],
		[
			'a 402 that asks to top up the credit',
			402,
			{ type: 'invalid_request_error', message: 'Please top up your credit' },
		],
	])('%s', (_, status, info) => {
		expect(isBalanceLow(status, info)).toBe(true);
		expect(quotaExceededScope(status, info)).toBeUndefined();
		const { error, result } = refusedWith(status, info);
		expect(error.description).toMatch(/^Your SendApi balance is too low/);
		expect(result).toMatchObject({ ok: false, retryable: false, refused: true, balanceLow: true });
		expect(result).not.toHaveProperty('planQuotaExceeded');
	});

	test('a bare 402, or a quota_exceeded whatever its words, stays the quota', () => {
		for (const [status, info] of [
			[402, {}],
			[402, { message: 'Payment required' }],
			[402, { type: 'quota_exceeded', code: 4020, message: 'Top up your balance' }],
			[402, { type: 'invalid_request_error', code: 'quota_exceeded', message: 'balance' }],
		] as Array<[number, SendApiErrorInfo]>) {
			expect(isBalanceLow(status, info)).toBe(false);
			expect(quotaExceededScope(status, info)).toBe('plan');
			expect(refusedWith(status, info).error.description).toMatch(/plan quota is used up/);
		}
		// Words alone on another status are not enough.
		expect(isBalanceLow(400, { message: 'Insufficient balance' })).toBe(false);
	});
});
