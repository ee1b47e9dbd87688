/**
 * Send and Wait's decisions, without n8n's server: which delivery is the answer, which SendApi
 * webhooks are ours and when their wait has ended, what survives the wait sealed, Limit Wait Time.
 */
import { createHmac } from 'node:crypto';

import type { WaitRecord } from '../../nodes/SendApi/sendAndWait/answer';
import {
	approveButtonId,
	declineButtonId,
	judgeDelivery,
} from '../../nodes/SendApi/sendAndWait/answer';
import {
	endedByDeadline,
	ownerParams,
	readWaitUrl,
	STILL_WAITING,
	verdictFromProbe,
} from '../../nodes/SendApi/sendAndWait/ownership';
import { openWebhook, sealWebhook } from '../../nodes/SendApi/sendAndWait/sealed';
import { customDataKey } from '../../nodes/SendApi/sendAndWait/store';
import { readWaitLimit, waitDeadline } from '../../nodes/SendApi/sendAndWait/waitTime';
import { approvalPage, escapeHtml } from '../../nodes/SendApi/sendAndWait/pages';
import { readIncomingReply } from '../../nodes/SendApi/transport/wire/replies';

const SECRET = 'whsec_test_secret';
const ASKED_AT = Date.parse('2026-11-30T10:00:00Z');

const record = (overrides: Partial<WaitRecord> = {}): WaitRecord => ({
	executionId: '42',
	webhookId: 'wh_1',
	secret: SECRET,
	to: '+447700900111',
	sessionId: 'sess_1',
	askedAt: ASKED_AT,
	nonce: 'abc123',
	responseType: 'approval',
	approveLabel: 'Approve',
	declineLabel: 'Decline',
	deadline: 0,
	...overrides,
});

const sign = (body: string, secret = SECRET) =>
	`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

function delivery(data: Record<string, unknown>, envelope: 'event' | 'legacy' = 'event') {
	const full = {
		message_id: 'msg_9',
		session_id: 'sess_1',
		from: '+447700900111',
		received_at: '2026-11-30T10:00:05Z',
		...data,
	};
	const body =
		envelope === 'event'
			? JSON.stringify({ event: 'message.received', timestamp: full.received_at, data: full })
			: JSON.stringify({
					id: 'evt_1',
					type: 'message.received',
					data: full,
					created_at: full.received_at,
				});
	return { body, signature: sign(body) };
}

const tap = (id: string, title: string) => ({
	type: 'interactive',
	content: { body: title },
	interactive: { type: 'button_reply', button_reply: { id, title } },
});

describe('which delivery answers an approval', () => {
	test("the recipient's Decline button resumes with approved false, who answered and when", () => {
		const { body, signature } = delivery(tap(declineButtonId('abc123'), 'Decline'));
		expect(judgeDelivery(record(), body, signature)).toEqual({
			answer: true,
			output: {
				data: {
					approved: false,
					from: '+447700900111',
					session_id: 'sess_1',
					message_id: 'msg_9',
					answered_at: '2026-11-30T10:00:05.000Z',
					via: 'whatsapp',
				},
			},
		});
	});

	test('Approve resumes with approved true, in the older envelope too', () => {
		const { body, signature } = delivery(tap(approveButtonId('abc123'), 'Approve'), 'legacy');
		const judged = judgeDelivery(record(), body, signature);
		expect(judged).toMatchObject({ answer: true, output: { data: { approved: true } } });
	});

	test.each([
		[
			'from another number',
			{ ...tap(declineButtonId('abc123'), 'Decline'), from: '+447700900222' },
			/number/,
		],
		[
			'on another session',
			{ ...tap(declineButtonId('abc123'), 'Decline'), session_id: 'sess_2' },
			/session/,
		],
		[
			'sent before the question',
			{ ...tap(declineButtonId('abc123'), 'Decline'), received_at: '2026-11-30T09:59:59Z' },
			/before/,
		],
		['a button of another question', tap(declineButtonId('old999'), 'Decline'), /another question/],
		['a text that is not a label', { type: 'text', content: { body: 'maybe later' } }, /buttons/],
	])('%s: ignored, the execution keeps waiting', (_, data, reason) => {
		const { body, signature } = delivery(data);
		const judged = judgeDelivery(record(), body, signature);
		expect(judged.answer).toBe(false);
		expect(judged).toMatchObject({ reason: expect.stringMatching(reason) });
	});

	test('a forged signature, a missing one or another webhook’s secret: ignored', () => {
		const { body } = delivery(tap(declineButtonId('abc123'), 'Decline'));
		expect(judgeDelivery(record(), body, sign(body, 'whsec_other')).answer).toBe(false);
		expect(judgeDelivery(record(), body, undefined).answer).toBe(false);
		expect(judgeDelivery(record(), `${body} `, sign(body)).answer).toBe(false);
	});

	test('a status event for the same number is not an answer', () => {
		const body = JSON.stringify({
			event: 'message.read',
			data: { message_id: 'm', from: '+447700900111', session_id: 'sess_1' },
		});
		expect(judgeDelivery(record(), body, sign(body))).toMatchObject({
			answer: false,
			reason: expect.stringMatching(/not an answer/),
		});
	});

	test('a tap forwarded as its title only counts (case and spaces aside); Approve Only has no Decline', () => {
		const text = (t: string) => delivery({ type: 'text', content: { body: t } });
		const declined = text(' decline ');
		expect(judgeDelivery(record(), declined.body, declined.signature)).toMatchObject({
			answer: true,
			output: { data: { approved: false } },
		});
		expect(
			judgeDelivery(record({ declineLabel: undefined }), declined.body, declined.signature).answer,
		).toBe(false);
		const declineTap = delivery(tap(declineButtonId('abc123'), 'Decline'));
		expect(
			judgeDelivery(record({ declineLabel: undefined }), declineTap.body, declineTap.signature)
				.answer,
		).toBe(false);
	});

	test('phone numbers are compared in E.164 whatever their spelling', () => {
		const { body, signature } = delivery({
			...tap(approveButtonId('abc123'), 'Approve'),
			from: '447700900111',
		});
		expect(judgeDelivery(record(), body, signature).answer).toBe(true);
	});
});

describe('which delivery answers a free-text question', () => {
	const freeText = record({ responseType: 'freeText' });

	test("the recipient's text is the answer", () => {
		const { body, signature } = delivery({ type: 'text', content: { body: 'Tuesday at 10' } });
		expect(judgeDelivery(freeText, body, signature)).toMatchObject({
			answer: true,
			output: { data: { text: 'Tuesday at 10', from: '+447700900111' } },
		});
	});

	test('the client-code dialect (content as a string) is read too', () => {
		const { body, signature } = delivery({ type: 'text', content: 'plain content' });
		expect(judgeDelivery(freeText, body, signature)).toMatchObject({
			output: { data: { text: 'plain content' } },
		});
	});

	test('a message without text (an image) and replies from others are ignored', () => {
		const image = delivery({ type: 'image', content: { url: 'https://x/y.png' } });
		expect(judgeDelivery(freeText, image.body, image.signature).answer).toBe(false);
		const other = delivery({ type: 'text', content: { body: 'me!' }, from: '+447700900222' });
		expect(judgeDelivery(freeText, other.body, other.signature).answer).toBe(false);
	});
});

describe('reading a button reply (undocumented by SendApi)', () => {
	test.each([
		[
			'Meta shape at the top',
			{ interactive: { type: 'button_reply', button_reply: { id: 'b1', title: 'Yes' } } },
		],
		[
			'Meta shape in content',
			{ content: { body: 'Yes', interactive: { button_reply: { id: 'b1', title: 'Yes' } } } },
		],
		['bare button_reply', { button_reply: { id: 'b1', title: 'Yes' } }],
		['button with payload and text', { button: { payload: 'b1', text: 'Yes' } }],
	])('%s', (_, data) => {
		expect(readIncomingReply(data as never)).toMatchObject({ buttonId: 'b1', buttonTitle: 'Yes' });
	});

	test('a plain text has no button', () => {
		expect(readIncomingReply({ content: { body: 'hi' } })).toEqual({ text: 'hi' });
	});
});

describe('which webhooks are ours, and when their wait has ended', () => {
	const base = 'https://n8n.example.com/webhook-waiting/42/node-1';
	const urlWith = (params: Record<string, string>) => {
		const url = new URL(base);
		for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
		url.searchParams.set('signature', 'n8n-signs-this');
		return url.toString();
	};

	test('a URL marked with this API key reads back its creation and deadline', () => {
		const url = urlWith(ownerParams('sk_live_a', base, { createdAt: 1000, deadline: 5000 }));
		expect(readWaitUrl(url, 'sk_live_a')).toEqual({ createdAt: 1000, deadline: 5000 });
	});

	test('another key, a changed deadline, another execution or no mark: not ours', () => {
		const params = ownerParams('sk_live_a', base, { createdAt: 1000, deadline: 5000 });
		expect(readWaitUrl(urlWith(params), 'sk_live_b')).toBeUndefined();
		expect(
			readWaitUrl(urlWith({ ...params, sendapi_wait_until: '0' }), 'sk_live_a'),
		).toBeUndefined();
		expect(readWaitUrl(urlWith(params).replace('/42/', '/43/'), 'sk_live_a')).toBeUndefined();
		expect(
			readWaitUrl('https://n8n.example.com/webhook-waiting/42/node-1', 'sk_live_a'),
		).toBeUndefined();
		expect(readWaitUrl('https://example.com/someone-elses-hook', 'sk_live_a')).toBeUndefined();
		expect(readWaitUrl('not a url', 'sk_live_a')).toBeUndefined();
	});

	test('a deadline in the past ends the wait; no deadline never does', () => {
		expect(endedByDeadline({ createdAt: 0, deadline: 5000 }, 5000)).toBe(true);
		expect(endedByDeadline({ createdAt: 0, deadline: 5000 }, 4999)).toBe(false);
		expect(endedByDeadline({ createdAt: 0, deadline: 0 }, Number.MAX_SAFE_INTEGER)).toBe(false);
	});

	test.each([
		[{ status: 200, body: { received: false, waiting: true, message: STILL_WAITING } }, 'waiting'],
		[{ status: 200, body: '<html>No action required</html>' }, 'ended'],
		[{ status: 404, body: { message: 'The execution "42" does not exist.' } }, 'ended'],
		[{ status: 409, body: { message: 'The execution "42" has finished with error.' } }, 'ended'],
		[{ status: 409, body: { message: 'The execution "42" is running already.' } }, 'unknown'],
		[{ status: 401, body: '<html>invalid token</html>' }, 'ended'],
		[{ status: 502, body: 'bad gateway' }, 'unknown'],
		[undefined, 'unknown'],
	])("n8n's answer %j means the wait is %s", (answer, verdict) => {
		expect(verdictFromProbe(answer)).toBe(verdict);
	});
});

describe('the sealed webhook secret in the execution’s custom data', () => {
	test('opens only with the same API key and for the same execution and node', () => {
		const sealed = sealWebhook('sk_live_a', '42/node-1', { webhookId: 'wh_1', secret: SECRET });
		expect(sealed).not.toContain(SECRET);
		expect(sealed.length).toBeLessThanOrEqual(255);
		expect(openWebhook('sk_live_a', '42/node-1', sealed)).toEqual({
			webhookId: 'wh_1',
			secret: SECRET,
		});
		expect(openWebhook('sk_live_b', '42/node-1', sealed)).toBeUndefined();
		expect(openWebhook('sk_live_a', '43/node-1', sealed)).toBeUndefined();
		expect(openWebhook('sk_live_a', '42/node-1', `${sealed.slice(0, -2)}xx`)).toBeUndefined();
		expect(openWebhook('sk_live_a', '42/node-1', undefined)).toBeUndefined();
	});

	test("the custom data key is n8n's kind: letters, digits, underscores, at most 50", () => {
		const key = customDataKey('5f1c2a9e-0000-4000-8000-00000000abcd');
		expect(key).toMatch(/^[A-Za-z0-9_]{1,50}$/);
	});
});

describe('Limit Wait Time', () => {
	const now = Date.parse('2026-11-30T10:00:00Z');
	const iso = (value: string) =>
		Number.isNaN(Date.parse(value)) ? undefined : new Date(value).toISOString();

	test('no limit chosen: none', () => {
		expect(readWaitLimit({})).toBeUndefined();
	});

	test('after an interval', () => {
		const limit = readWaitLimit({
			limitWaitTime: {
				values: { limitType: 'afterTimeInterval', resumeAmount: 45, resumeUnit: 'minutes' },
			},
		});
		expect(waitDeadline(limit!, now, iso)).toEqual({ deadline: now + 45 * 60_000 });
		const days = readWaitLimit({
			limitWaitTime: {
				values: { limitType: 'afterTimeInterval', resumeAmount: 0.5, resumeUnit: 'days' },
			},
		});
		expect(waitDeadline(days!, now, iso)).toEqual({ deadline: now + 12 * 3_600_000 });
	});

	test('at a date; one in the past or not a date is refused', () => {
		const at = (value: string) =>
			waitDeadline({ limitType: 'atSpecifiedTime', maxDateAndTime: value }, now, iso);
		expect(at('2026-12-01T10:00:00Z')).toEqual({ deadline: Date.parse('2026-12-01T10:00:00Z') });
		expect(at('2026-11-29T10:00:00Z')).toEqual({ problem: expect.stringMatching(/past/) });
		expect(at('soon')).toEqual({ problem: expect.stringMatching(/not a date/) });
		expect(
			waitDeadline(
				{ limitType: 'afterTimeInterval', resumeAmount: 0, resumeUnit: 'hours' },
				now,
				iso,
			),
		).toEqual({ problem: expect.stringMatching(/positive/) });
	});
});

describe('Link pages', () => {
	test('the approval link only shows a confirm form (POST); the question is escaped', () => {
		const html = approvalPage('Refund <b>1234</b>?', true, 'Approve');
		expect(html).toContain('<form method="post">');
		expect(html).toContain('name="approved" value="true"');
		expect(html).toContain(escapeHtml('Refund <b>1234</b>?'));
		expect(html).not.toContain('<b>1234</b>');
	});
});
