/**
 * Message → Send and Wait for Response run by n8n-core's real WorkflowExecute against the fake
 * SendApi: what is registered and sent before the execution waits, what is cleaned up, and what
 * survives for the answer. (Resuming through n8n's waiting URL is the e2e's: test/e2e/sendAndWait.e2e.ts.)
 */
import type { INodeParameters } from 'n8n-workflow';

import { runNode } from '../helpers/runWorkflow';
import { useFakeSendApi } from '../helpers/fakeServer';
import { approveButtonId, declineButtonId } from '../../nodes/SendApi/sendAndWait/answer';
import { ownerParams, readWaitUrl } from '../../nodes/SendApi/sendAndWait/ownership';
import { openWebhook } from '../../nodes/SendApi/sendAndWait/sealed';
import { customDataKey } from '../../nodes/SendApi/sendAndWait/store';

const fake = useFakeSendApi();
const byId = (value: string | number) => ({ __rl: true, mode: 'id', value: String(value) });
const ASKED = '+447700900111';

async function ask(parameters: INodeParameters = {}) {
	const session = fake.api.seedSession({ status: 'connected' });
	const result = await runNode({
		parameters: {
			resource: 'message',
			operation: 'sendAndWait',
			session: byId(session.id),
			to: ASKED,
			message: 'Approve the refund of order 1234?',
			...parameters,
		},
		credentials: fake.credentials,
	});
	return { ...result, session };
}

function sends() {
	return fake.api.requests.filter((r) => r.method === 'POST' && r.path === '/v1/whatsapp/send');
}

function waitHooks() {
	return [...fake.api.state.webhooks.values()].filter((w) => readWaitUrl(w.url, fake.api.apiKey));
}

test('approval over WhatsApp: one webhook for this wait, then the question with two buttons; the execution waits', async () => {
	const { run, error, session } = await ask();
	expect(error).toBeUndefined();
	expect(run.waitTill).toBeInstanceOf(Date);

	const [hook] = waitHooks();
	expect(waitHooks()).toHaveLength(1);
	expect(hook.events).toEqual(['message.received']);
	const url = new URL(hook.url);
	expect(url.pathname).toMatch(/^\/webhook-waiting\/exec-test-\d+\/sendapi$/);
	expect(url.searchParams.get('signature')).toBeTruthy();
	const nonce = url.searchParams.get('sendapi_wait_q')!;

	const [question] = sends();
	expect(question.body).toMatchObject({
		session_id: session.id,
		to: ASKED,
		type: 'interactive',
		interactive: {
			type: 'button',
			body: { text: 'Approve the refund of order 1234?' },
			action: {
				buttons: [
					{ type: 'reply', reply: { id: approveButtonId(nonce), title: 'Approve' } },
					{ type: 'reply', reply: { id: declineButtonId(nonce), title: 'Decline' } },
				],
			},
		},
	});

	// What the resumed webhook() needs survives in the execution, sealed with the API key.
	const sealed = run.data.resultData.metadata?.[customDataKey('sendapi')];
	const binding = `${url.pathname.split('/')[2]}/sendapi`;
	expect(openWebhook(fake.api.apiKey, binding, sealed)).toEqual({
		webhookId: String(hook.id),
		secret: hook.secret,
	});
});

test('Approve Only and own labels; free text asks in plain text', async () => {
	await ask({
		approvalOptions: { values: { approvalType: 'single', approveLabel: 'Yes, refund' } },
	});
	const buttons = (sends()[0].body as any).interactive.action.buttons.map(
		(b: any) => b.reply.title,
	);
	expect(buttons).toEqual(['Yes, refund']);

	fake.api.reset();
	await ask({ responseType: 'freeText', message: 'Which slot suits you?' });
	expect(sends()[0].body).toMatchObject({ type: 'text', text: { body: 'Which slot suits you?' } });
});

test('the same label for Approve and Decline is refused before anything is registered', async () => {
	const { error } = await ask({
		approvalOptions: {
			values: { approvalType: 'double', approveLabel: 'OK', disapproveLabel: 'ok' },
		},
	});
	expect(error?.message).toMatch(/Decline Button Label/);
	expect(fake.api.state.webhooks.size).toBe(0);
	expect(sends()).toHaveLength(0);
});

describe("labels over WhatsApp's reply-button title limit (20 characters)", () => {
	const labels = (approveLabel: string, disapproveLabel = 'Decline') => ({
		approvalOptions: { values: { approvalType: 'double', approveLabel, disapproveLabel } },
	});

	test.each([
		[
			'Approve',
			labels('Approve the refund now'),
			/^Item 1: Approve Button Label is 22 characters long/,
		],
		[
			'Decline',
			labels('Yes', 'No, keep the order as is'),
			/^Item 1: Decline Button Label is 24 characters long/,
		],
	])(
		'a long %s label is refused with item, field, length and limit; nothing is sent',
		async (_, parameters, message) => {
			const { error } = await ask(parameters);
			expect(error?.name).toBe('NodeOperationError');
			expect(error?.message).toMatch(message);
			expect(error?.message).toMatch(/at most 20$/);
			expect(error?.description).toMatch(/20 characters or fewer/);
			// Not even the clean-up of ended waits: the fake server saw no request at all.
			expect(fake.api.requests).toHaveLength(0);
			expect(fake.api.state.webhooks.size).toBe(0);
		},
	);

	test('emoji count as the reader sees them: a flag or a joined family is one character', async () => {
		// 20 visible characters, 36 UTF-16 units: 🇬🇧 is 2 code points, 👨‍👩‍👧 is 5.
		const twenty = `OK 🇬🇧 👨‍👩‍👧 ${'x'.repeat(13)}`;
		expect(twenty.length).toBeGreaterThan(20);
		const { error, run } = await ask(labels(twenty));
		expect(error).toBeUndefined();
		expect(run.waitTill).toBeInstanceOf(Date);
		expect((sends()[0].body as any).interactive.action.buttons[0].reply.title).toBe(twenty);

		fake.api.reset();
		const refused = await ask(labels(`${twenty}👍`));
		expect(refused.error?.message).toMatch(/Approve Button Label is 21 characters long/);
		expect(fake.api.requests).toHaveLength(0);
	});

	test('the limit is for buttons only: Link mode and Free Text send long labels as text', async () => {
		const long = 'Approve the refund of order 1234';
		const { error } = await ask({ ...labels(long), answerVia: 'link' });
		expect(error).toBeUndefined();
		expect((sends()[0].body as any).text.body).toContain(`${long}: http`);

		fake.api.reset();
		const free = await ask({ ...labels(long), responseType: 'freeText' });
		expect(free.error).toBeUndefined();
		expect(sends()).toHaveLength(1);
	});
});

test('when the question cannot be sent, the webhook registered for it is removed', async () => {
	const session = fake.api.seedSession({ status: 'connected' });
	const { error } = await runNode({
		parameters: {
			resource: 'message',
			operation: 'sendAndWait',
			session: byId(session.id),
			to: '+999',
			message: 'Q?',
		},
		credentials: fake.credentials,
	});
	expect(error).toBeDefined();
	expect(fake.api.state.webhooks.size).toBe(0);

	fake.api.faults.push({ kind: '500', method: 'POST', path: '/whatsapp/send', times: Infinity });
	const failed = await ask();
	expect(failed.error).toBeDefined();
	expect(
		fake.api.requests.filter((r) => r.method === 'DELETE' && r.path.startsWith('/v1/webhooks/')),
	).toHaveLength(1);
	expect(fake.api.state.webhooks.size).toBe(0);
});

test('Link mode registers nothing and sends the approval links, without a link preview', async () => {
	const { run } = await ask({ answerVia: 'link' });
	expect(run.waitTill).toBeInstanceOf(Date);
	expect(fake.api.state.webhooks.size).toBe(0);
	const body = sends()[0].body as any;
	expect(body.text.preview_url).toBe(false);
	expect(body.text.body).toMatch(
		/^Approve the refund of order 1234\?\n\nApprove: http:\/\/127\.0\.0\.1:5678\/webhook-waiting\/\S+approved=true\S*\nDecline: \S+approved=false/,
	);
});

test('Limit Wait Time sets the wait and the deadline in the registered URL', async () => {
	const before = Date.now();
	const { run } = await ask({
		options: {
			limitWaitTime: {
				values: { limitType: 'afterTimeInterval', resumeAmount: 2, resumeUnit: 'hours' },
			},
		},
	});
	const deadline = run.waitTill!.getTime();
	expect(deadline).toBeGreaterThanOrEqual(before + 2 * 3_600_000);
	expect(deadline).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000);
	expect(readWaitUrl(waitHooks()[0].url, fake.api.apiKey)?.deadline).toBe(deadline);
});

test("before asking, ended waits of this API key are removed; live ones and anyone else's are kept", async () => {
	const base = 'http://127.0.0.1:5678/webhook-waiting/old/sendapi';
	const mark = (params: Record<string, string>) =>
		`${base}?${new URLSearchParams(params).toString()}`;
	const now = Date.now();
	const ended = fake.api.seedWebhook({
		url: mark(
			ownerParams(fake.api.apiKey, base, { createdAt: now - 3_600_000, deadline: now - 1000 }),
		),
	});
	const live = fake.api.seedWebhook({
		url: mark(
			ownerParams(fake.api.apiKey, base, { createdAt: now - 1000, deadline: now + 3_600_000 }),
		),
	});
	const otherKey = fake.api.seedWebhook({
		url: mark(
			ownerParams('sk_live_someone_else', base, {
				createdAt: now - 3_600_000,
				deadline: now - 1000,
			}),
		),
	});
	const notOurs = fake.api.seedWebhook({ url: 'https://example.com/hooks/sendapi' });

	await ask();
	const left = [...fake.api.state.webhooks.values()].map((w) => w.id);
	expect(left).not.toContain(ended.id);
	expect(left).toEqual(expect.arrayContaining([live.id, otherKey.id, notOurs.id]));
	expect(left).toHaveLength(4);
});

test("a wait without a deadline is judged by asking n8n's waiting URL, once past its grace period", async () => {
	const http = await import('node:http');
	// Plays n8n's waiting webhooks: /gone is a deleted execution, /waiting runs our webhook().
	const n8n = http.createServer((req, res) => {
		if (req.url?.startsWith('/webhook-waiting/waiting/')) {
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(
				JSON.stringify({
					received: false,
					waiting: true,
					message: 'sendapi-send-and-wait:waiting',
				}),
			);
			return;
		}
		res.writeHead(404, { 'content-type': 'application/json' });
		res.end(JSON.stringify({ code: 404, message: 'The execution "gone" does not exist.' }));
	});
	await new Promise<void>((resolve) => n8n.listen(0, '127.0.0.1', resolve));
	try {
		const origin = `http://127.0.0.1:${(n8n.address() as { port: number }).port}`;
		const createdAt = Date.now() - 60_000;
		const seed = (execution: string) => {
			const base = `${origin}/webhook-waiting/${execution}/sendapi`;
			const params = new URLSearchParams(
				ownerParams(fake.api.apiKey, base, { createdAt, deadline: 0 }),
			);
			return fake.api.seedWebhook({ url: `${base}?${params.toString()}` });
		};
		const gone = seed('gone');
		const waiting = seed('waiting');
		await ask();
		const left = [...fake.api.state.webhooks.values()].map((w) => w.id);
		expect(left).not.toContain(gone.id);
		expect(left).toContain(waiting.id);
	} finally {
		await new Promise((resolve) => n8n.close(resolve));
	}
});
