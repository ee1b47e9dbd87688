/**
 * Send and Wait for Response in a real `n8n start`. Each workflow is *Webhook → SendApi Send and
 * Wait → SendApi Send* (the last node reports the wait's output as a text message, so the fake
 * SendApi's request log shows what the workflow continued with). The fake delivers the answers:
 * a reply from another number and a forged one leave the execution waiting; the recipient's
 * answer resumes it. Link mode is answered through n8n's waiting URL; a time-out and a cancelled
 * execution leave their webhook behind, which the next Send and Wait removes.
 */
import { N8nHome, N8nRest, sleep, waitUntil, type N8nServer } from './helpers/n8nProcess';
import { credentialFor, requestsTo, startFake, type FakeSendApi } from './helpers/fake';
import type { WebhookDeliveryLog } from '../fake-sendapi';
import {
	byId,
	chain,
	node,
	sendApi,
	wfId,
	type CredentialRef,
	type WorkflowNode,
} from './helpers/workflows';

const CRED: CredentialRef = { id: wfId('credWait'), name: 'SendApi e2e (wait)' };
const S1 = 'sess_e2e_wait';
const ASKED = '+447700900111';
const OTHER = '+447700900222';
const REPORT_TO = '+447700900999';

let fake: FakeSendApi;
let home: N8nHome;
let server: N8nServer | undefined;
let rest: N8nRest;

interface Flow {
	id: string;
	path: string;
}

function flow(
	stem: string,
	waitParameters: Record<string, unknown>,
): { flow: Flow; workflow: ReturnType<typeof chain> } {
	const path = `ask-${stem.toLowerCase()}`;
	const id = wfId(`wfWait${stem}`);
	const start: WorkflowNode = node(
		'Start',
		'n8n-nodes-base.webhook',
		{ httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
		{
			webhookId: `5e0da9b1-0000-4000-8000-${stem
				.toLowerCase()
				.padEnd(12, '0')
				.slice(0, 12)
				.replace(/[^0-9a-f]/g, 'a')}`,
			typeVersion: 2,
		},
	);
	const ask = sendApi('Ask', CRED, {
		resource: 'message',
		operation: 'sendAndWait',
		session: byId(S1),
		to: ASKED,
		message: `Question ${stem}?`,
		...waitParameters,
	});
	const report = sendApi('Report', CRED, {
		resource: 'message',
		operation: 'send',
		session: byId(S1),
		to: REPORT_TO,
		messageType: 'text',
		text: '={{ JSON.stringify($json) }}',
	});
	return { flow: { id, path }, workflow: chain(id, `e2e wait ${stem}`, [start, ask, report]) };
}

const approval = flow('Approval', { responseType: 'approval', answerVia: 'whatsapp' });
const freeText = flow('FreeText', { responseType: 'freeText', answerVia: 'whatsapp' });
const link = flow('Link', { responseType: 'approval', answerVia: 'link' });
const timeout = flow('Timeout', {
	responseType: 'approval',
	answerVia: 'whatsapp',
	options: {
		limitWaitTime: {
			values: { limitType: 'afterTimeInterval', resumeAmount: 0.05, resumeUnit: 'minutes' },
		},
	},
});
const cancelled = flow('Cancel', { responseType: 'freeText', answerVia: 'whatsapp' });
const last = flow('Last', { responseType: 'approval', answerVia: 'whatsapp' });
// Who and where from the Webhook's input ($json expressions): after the restart the resumed
// webhook() reads them again from the waiting execution.
const restart = flow('Restart', {
	responseType: 'approval',
	answerVia: 'whatsapp',
	session: byId('={{ $json.body.session }}'),
	to: '={{ $json.body.to }}',
});
const RESTART_BODY = JSON.stringify({ order: 1234, session: S1, to: ASKED });

beforeAll(async () => {
	fake = await startFake();
	fake.seedSession({ id: S1, name: 'E2E wait', status: 'connected' });
	home = N8nHome.create('send-and-wait');
	await home.importCredentials([credentialFor(fake, CRED)]);
	const all = [approval, freeText, link, timeout, cancelled, last, restart];
	await home.importWorkflows(all.map((f) => f.workflow));
	for (const f of all) await home.publish(f.flow.id);
	server = await home.startServer();
	rest = new N8nRest(server.url);
	await rest.setupOwner();
});

afterAll(async () => {
	await server?.stop();
	await fake?.close();
});

/** Starts the flow and resolves with its execution once it waits. */
/** What SendApi gets back for an answer that resumes the run (not n8n's default `firstEntryJson`). */
const ANSWER_RECORDED = [200, { received: true, message: 'Answer recorded' }];
const answered = (d: WebhookDeliveryLog) => [d.status, JSON.parse(d.response ?? 'null')];

async function startWaiting(f: Flow, body = '{"order":1234}'): Promise<string> {
	const before = new Set((await rest.executions(f.id)).map((e) => e.id));
	// Right after `n8n start` the published workflows' webhooks may not be registered yet (404).
	await waitUntil(
		`${f.path} to start`,
		async () => {
			const r = await fetch(`${server!.url}/webhook/${f.path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body,
			});
			return r.status === 200;
		},
		30_000,
		500,
	);
	const execution = await waitUntil(
		`an execution of ${f.path} waiting`,
		async () => {
			const list = await rest.executions(f.id);
			return list.find((e) => !before.has(e.id) && e.status === 'waiting');
		},
		60_000,
	);
	return execution.id;
}

async function statusOf(f: Flow, executionId: string): Promise<string | undefined> {
	return (await rest.executions(f.id)).find((e) => e.id === executionId)?.status;
}

async function finished(f: Flow, executionId: string, timeoutMs = 30_000): Promise<string> {
	return await waitUntil(
		`execution ${executionId} to finish`,
		async () => {
			const status = await statusOf(f, executionId);
			return status && !['waiting', 'running', 'new'].includes(status) ? status : undefined;
		},
		timeoutMs,
		500,
	);
}

function waitHookOf(executionId: string) {
	return [...fake.state.webhooks.values()].find((w) =>
		w.url.includes(`/webhook-waiting/${executionId}/`),
	);
}

function questionTo(stem: string) {
	const sends = requestsTo(fake, 'POST', '/whatsapp/send').filter((r) =>
		JSON.stringify(r.body).includes(`Question ${stem}?`),
	);
	return sends[sends.length - 1]?.body as Record<string, any>;
}

/** What the Report node sent: the Send and Wait node's output item, as JSON. */
async function reported(marker: string): Promise<Record<string, any>> {
	return await waitUntil(
		`the report containing ${marker}`,
		() => {
			const sends = requestsTo(fake, 'POST', '/whatsapp/send').filter(
				(r) => (r.body as any)?.to === REPORT_TO,
			);
			const hit = sends
				.map((r) => String((r.body as any).text?.body ?? ''))
				.find((t) => t.includes(marker));
			return hit ? (JSON.parse(hit) as Record<string, any>) : undefined;
		},
		30_000,
	);
}

test('approval over WhatsApp: another number and a forged reply are ignored, the recipient’s Decline resumes with approved false', async () => {
	const executionId = await startWaiting(approval.flow);
	const hook = waitHookOf(executionId);
	expect(hook).toBeDefined();
	expect(hook!.events).toEqual(['message.received']);

	const question = questionTo('Approval');
	expect(question).toMatchObject({ session_id: S1, to: ASKED, type: 'interactive' });
	const buttons = question.interactive.action.buttons.map((b: any) => b.reply);
	expect(buttons.map((b: any) => b.title)).toEqual(['Approve', 'Decline']);
	const decline = buttons[1];

	const fromOther = await fake.simulateIncomingMessage({
		session_id: S1,
		from: OTHER,
		button: decline,
	});
	expect(fromOther.deliveries.map((d) => d.status)).toEqual([200]);
	await sleep(1500);
	expect(await statusOf(approval.flow, executionId)).toBe('waiting');

	const tap = {
		message_id: 'msg_forged_1',
		session_id: S1,
		from: ASKED,
		type: 'interactive',
		content: { body: decline.title },
		interactive: { type: 'button_reply', button_reply: decline },
		received_at: new Date().toISOString(),
	};
	const forged = await fake.deliverWebhook(hook!.url, tap, {
		secret: hook!.secret,
		signature: 'forged',
		envelope: 'event',
		event: 'message.received',
	});
	expect(forged.status).toBe(200);
	await sleep(1500);
	expect(await statusOf(approval.flow, executionId)).toBe('waiting');
	expect(waitHookOf(executionId)).toBeDefined();

	const answer = await fake.simulateIncomingMessage({
		session_id: S1,
		from: ASKED,
		button: decline,
	});
	expect(answer.deliveries.map(answered)).toEqual([ANSWER_RECORDED]);
	expect(await finished(approval.flow, executionId)).toBe('success');
	const output = await reported(answer.message.id as string);
	expect(output.data).toMatchObject({
		approved: false,
		from: ASKED,
		session_id: S1,
		message_id: answer.message.id,
		via: 'whatsapp',
	});
	expect(waitHookOf(executionId)).toBeUndefined();
});

test('free text over WhatsApp: the recipient’s reply resumes with its text', async () => {
	const executionId = await startWaiting(freeText.flow);
	const hook = waitHookOf(executionId)!;
	expect(questionTo('FreeText')).toMatchObject({
		to: ASKED,
		type: 'text',
		text: { body: 'Question FreeText?' },
	});

	await fake.simulateIncomingMessage({ session_id: S1, from: OTHER, text: 'not me' });
	const forged = await fake.deliverWebhook(
		hook.url,
		{
			message_id: 'msg_forged_2',
			session_id: S1,
			from: ASKED,
			type: 'text',
			content: { body: 'forged' },
		},
		{ secret: hook.secret, signature: 'forged', envelope: 'event', event: 'message.received' },
	);
	expect(forged.status).toBe(200);
	await sleep(1500);
	expect(await statusOf(freeText.flow, executionId)).toBe('waiting');

	const answer = await fake.simulateIncomingMessage({
		session_id: S1,
		from: ASKED,
		text: 'Tuesday at 10 suits me',
	});
	expect(answer.deliveries.map(answered)).toEqual([ANSWER_RECORDED]);
	expect(await finished(freeText.flow, executionId)).toBe('success');
	const output = await reported('Tuesday at 10');
	expect(output.data).toMatchObject({
		text: 'Tuesday at 10 suits me',
		from: ASKED,
		message_id: answer.message.id,
	});
	expect(waitHookOf(executionId)).toBeUndefined();
});

test('Link mode: opening the link only shows a page; its form resumes through n8n’s waiting URL', async () => {
	const hooksBefore = fake.state.webhooks.size;
	const executionId = await startWaiting(link.flow);
	expect(fake.state.webhooks.size).toBe(hooksBefore);
	const text = String(questionTo('Link').text.body);
	const approveUrl = /Approve: (\S+)/.exec(text)?.[1];
	expect(approveUrl).toContain(`/webhook-waiting/${executionId}/`);
	expect(text).toMatch(/Decline: \S+approved=false/);

	const preview = await fetch(approveUrl!);
	expect(preview.status).toBe(200);
	expect(await preview.text()).toContain('<form method="post">');
	await sleep(1000);
	expect(await statusOf(link.flow, executionId)).toBe('waiting');

	const confirm = await fetch(approveUrl!, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: 'approved=true',
	});
	expect(confirm.status).toBe(200);
	expect(await finished(link.flow, executionId)).toBe('success');
	const output = await reported('"via":"link"');
	expect(output.data).toMatchObject({ approved: true, via: 'link' });
});

test('a time-out goes on with the input items; a cancelled wait ends too; the next Send and Wait removes both webhooks', async () => {
	const timedOut = await startWaiting(timeout.flow);
	const timedOutHook = waitHookOf(timedOut);
	expect(timedOutHook).toBeDefined();
	const cancelledRun = await startWaiting(cancelled.flow);
	const cancelledHook = waitHookOf(cancelledRun);
	expect(cancelledHook).toBeDefined();
	const stop = await rest.request('POST', `/executions/${cancelledRun}/stop`);
	expect(stop.status).toBe(200);

	// n8n's wait tracker resumes timed-out executions (it looks every minute).
	expect(await finished(timeout.flow, timedOut, 120_000)).toBe('success');
	const output = await reported('"order":1234');
	expect(output.data).toBeUndefined();
	expect(output.body).toEqual({ order: 1234 });
	expect(await statusOf(cancelled.flow, cancelledRun)).not.toBe('waiting');
	// Nothing answered them, so their webhooks are still registered…
	expect(waitHookOf(timedOut)).toBeDefined();
	expect(waitHookOf(cancelledRun)).toBeDefined();
	await sleep(16_000); // …and the cancelled one is judged only once past its grace period.

	const executionId = await startWaiting(last.flow);
	expect(waitHookOf(timedOut)).toBeUndefined();
	expect(waitHookOf(cancelledRun)).toBeUndefined();
	const approve = questionTo('Last').interactive.action.buttons[0].reply;
	await fake.simulateIncomingMessage({ session_id: S1, from: ASKED, button: approve });
	expect(await finished(last.flow, executionId)).toBe('success');
	expect((await reported('"approved":true')).data.approved).toBe(true);

	expect(
		[...fake.state.webhooks.values()].filter((w) => w.url.includes('/webhook-waiting/')),
	).toEqual([]);
});

test('after a restart of n8n the recipient’s answer resumes the wait; forged deliveries still do not (see n8n-differences.ts)', async () => {
	const executionId = await startWaiting(restart.flow, RESTART_BODY);
	expect(questionTo('Restart')).toMatchObject({ session_id: S1, to: ASKED });
	expect(waitHookOf(executionId)).toBeDefined();
	const decline = questionTo('Restart').interactive.action.buttons[1].reply;
	const port = Number(new URL(server!.url).port);
	await server!.stop();
	server = await home.startServer({ port });
	rest = new N8nRest(server.url);
	await rest.login();

	const hook = waitHookOf(executionId)!;
	const other = await fake.simulateIncomingMessage({
		session_id: S1,
		from: OTHER,
		button: decline,
	});
	expect(other.deliveries.map((d) => d.status)).toEqual([200]);
	// Unsigned deliveries claiming the asked number: a message SendApi does not know, and the other
	// number's real message.
	const claim = (message_id: string) => ({
		message_id,
		session_id: S1,
		from: ASKED,
		type: 'interactive',
		content: { body: decline.title },
		interactive: { type: 'button_reply', button_reply: decline },
		received_at: new Date().toISOString(),
	});
	const forge = async (message_id: string) => {
		const answer = await fake.deliverWebhook(hook.url, claim(message_id), {
			secret: hook.secret,
			signature: 'forged',
			envelope: 'event',
			event: 'message.received',
		});
		expect(answer.status).toBe(200);
		return JSON.parse(answer.body) as Record<string, unknown>;
	};
	const unknown = await forge('msg_does_not_exist');
	const borrowed = await forge(String(other.message.id));
	if (home.differences.waitCustomDataSurvivesRestart) {
		// The sealed secret survived: the signature decides.
		expect(unknown).toMatchObject({
			received: false,
			waiting: true,
			message: expect.stringMatching(/X-SendAPI-Signature/),
		});
		expect(borrowed).toMatchObject({
			received: false,
			waiting: true,
			message: expect.stringMatching(/X-SendAPI-Signature/),
		});
	} else {
		// No record after the restart: SendApi's API is asked, and says no.
		expect(unknown).toMatchObject({
			received: false,
			waiting: true,
			message: 'SendApi knows no message msg_does_not_exist',
		});
		expect(borrowed).toMatchObject({
			received: false,
			waiting: true,
			message: 'Not from the number that was asked',
		});
	}
	await sleep(1500);
	expect(await statusOf(restart.flow, executionId)).toBe('waiting');
	expect(waitHookOf(executionId)).toBeDefined();

	const answer = await fake.simulateIncomingMessage({
		session_id: S1,
		from: ASKED,
		button: decline,
	});
	expect(answer.deliveries.map(answered)).toEqual([ANSWER_RECORDED]);
	const output = await reported(String(answer.message.id));
	expect(output.data).toMatchObject({
		approved: false,
		from: ASKED,
		session_id: S1,
		message_id: answer.message.id,
		via: 'whatsapp',
	});
	expect(waitHookOf(executionId)).toBeUndefined();
	expect(
		[...fake.state.webhooks.values()].filter((w) => w.url.includes('/webhook-waiting/')),
	).toEqual([]);
});
