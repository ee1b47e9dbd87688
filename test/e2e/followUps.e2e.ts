/**
 * Wait for Follow-up Messages in a real `n8n start`: SendApi Trigger (Message Received) → Wait for
 * Follow-up Messages → Send (the burst's text back to its sender). Messages come in through the
 * fake SendApi's sandbox endpoint (`POST /__sandbox/incoming`), which stores each one in the
 * session's history and then delivers it, signed, to the trigger's webhook, as SendApi does. Each
 * message starts its own execution; only the one of a burst's last message may reach Send.
 * The AI Agent example (test/e2e/workflows/examples/ai-agent-follow-ups.json) runs too, on the fake
 * OpenAI-compatible model: one model call and one reply per burst.
 */
import * as fs from 'fs';
import * as path from 'path';
import { N8nHome, N8nRest, sleep, waitUntil, type N8nServer } from './helpers/n8nProcess';
import { credentialFor, requestsTo, startFake, type FakeSendApi } from './helpers/fake';
import {
	burstReplyWorkflow,
	byId,
	SENDAPI_TRIGGER,
	wfId,
	type CredentialRef,
	type Workflow,
} from './helpers/workflows';
import { startFakeOpenAi, userText, type FakeOpenAi } from '../fake-openai';

const CRED: CredentialRef = { id: wfId('credFollowUps'), name: 'SendApi e2e (follow-ups)' };
const WF_ID = wfId('wfFollowUps');
const WEBHOOK_ID = '5e0da9b1-0000-4000-8000-00000000e2f1';
const S1 = 'sess_e2e_follow_ups';
const ANN = '+447700900701';
const BOB = '+447700900702';
const QUIET_S = 3;
/** The example's credentials, as the sandbox imports them (ids the example names). */
const SANDBOX_CRED = { id: 'sendApiSandbox01', name: 'SendApi sandbox' };
const OPENAI_CRED = { id: 'openAiSandbox001', name: 'OpenAI' };
const EXAMPLE_ID = 'sandboxAgentBrst';
/** The example's trigger is set to this session, so it gets only its own messages. */
const S2 = 'sess_e2e_follow_ups_agent';

let fake: FakeSendApi;
let home: N8nHome;
let server: N8nServer | undefined;
let rest: N8nRest;
let openAi: FakeOpenAi;

/** The example, with its trigger on S2 (as a user picks the session) and the quiet period shortened. */
function agentExample(): Workflow {
	const file = path.join(__dirname, 'workflows', 'examples', 'ai-agent-follow-ups.json');
	const example = JSON.parse(fs.readFileSync(file, 'utf8')) as Workflow;
	for (const n of example.nodes) {
		if (n.type === SENDAPI_TRIGGER) n.parameters.session = byId(S2);
		if (n.parameters.operation === 'waitForFollowUps') n.parameters.quietPeriod = QUIET_S;
	}
	return example;
}

/** One incoming message through the sandbox endpoint (stored, then delivered to the trigger). */
async function incoming(from: string, text: string, session_id = S1): Promise<void> {
	const res = await fetch(`${fake.url}/__sandbox/incoming`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ session_id, from, text }),
	});
	expect(res.status).toBeLessThan(300);
}

/** Waits until `count` executions exist and all have finished; returns them. */
async function finishedRuns(count: number, workflowId = WF_ID) {
	return await waitUntil(
		`${count} finished executions`,
		async () => {
			const list = await rest.executions(workflowId);
			return list.length >= count &&
				list.every((e) => e.status !== 'running' && e.status !== 'new' && e.status !== 'waiting')
				? list
				: undefined;
		},
		60_000,
	);
}

const sends = () => requestsTo(fake, 'POST', '/whatsapp/send');
const sentText = (i: number) => (sends()[i].body as { text: { body: string } }).text.body;

beforeAll(async () => {
	fake = await startFake();
	fake.seedSession({ id: S1, name: 'E2E follow-ups' });
	fake.seedSession({ id: S2, name: 'E2E follow-ups agent' });
	openAi = await startFakeOpenAi({
		script: (request) => ({
			text: `Answer to: ${userText(request).split('\n').slice(1).join(' | ')}`,
		}),
	});
	home = N8nHome.create('follow-ups');
	await home.importCredentials([
		credentialFor(fake, CRED),
		credentialFor(fake, SANDBOX_CRED),
		{
			id: OPENAI_CRED.id,
			name: OPENAI_CRED.name,
			type: 'openAiApi',
			data: { apiKey: openAi.apiKey, url: openAi.baseUrl },
		},
	]);
	await home.importWorkflows([
		burstReplyWorkflow(WF_ID, CRED, { session: S1, webhookId: WEBHOOK_ID, quietPeriod: QUIET_S }),
		agentExample(),
	]);
	await home.publish(WF_ID);
	await home.publish(EXAMPLE_ID);
	server = await home.startServer();
	rest = new N8nRest(server.url);
	await rest.setupOwner();
	await waitUntil(
		'the trigger to register its webhook',
		() => (fake.state.webhooks.size === 2 ? true : undefined),
		60_000,
	);
});

afterAll(async () => {
	await server?.stop();
	await openAi?.close();
	await fake?.close();
});

test('three messages within two seconds: three executions, one reply quoting all three in order', async () => {
	await incoming(ANN, 'Hi');
	await sleep(700);
	await incoming(ANN, 'I ordered on Monday');
	await sleep(700);
	await incoming(ANN, 'where is order 4411?');
	const runs = await finishedRuns(3);
	await sleep(1000);
	expect(await rest.executions(WF_ID)).toHaveLength(3);
	expect(runs.every((run) => run.status === 'success')).toBe(true);
	expect(sends()).toHaveLength(1);
	expect(sends()[0].body).toMatchObject({ session_id: S1, to: ANN, type: 'text' });
	expect(sentText(0)).toBe('You wrote 3:\nHi\nI ordered on Monday\nwhere is order 4411?');
	// Each execution read the history once.
	expect(requestsTo(fake, 'GET', '/whatsapp/messages')).toHaveLength(3);
});

test('a fourth message after the Quiet Period is a burst of its own: a second, separate reply', async () => {
	await incoming(ANN, 'hello?');
	await finishedRuns(4);
	await sleep(1000);
	expect(sends()).toHaveLength(2);
	expect(sentText(1)).toBe('You wrote 1:\nhello?');
});

test('two senders interleaved: two replies, each with only its sender’s texts', async () => {
	await incoming(ANN, 'Ann one');
	await incoming(BOB, 'Bob one');
	await sleep(500);
	await incoming(ANN, 'Ann two');
	await incoming(BOB, 'Bob two');
	await finishedRuns(8);
	await sleep(1000);
	const replies = sends().slice(2);
	expect(replies).toHaveLength(2);
	const byRecipient = Object.fromEntries(
		replies.map((r) => [
			(r.body as { to: string }).to,
			(r.body as { text: { body: string } }).text.body,
		]),
	);
	expect(byRecipient).toEqual({
		[ANN]: 'You wrote 2:\nAnn one\nAnn two',
		[BOB]: 'You wrote 2:\nBob one\nBob two',
	});
});

test('the AI Agent example: a burst is one model call with all its texts, and one reply', async () => {
	const sendsBefore = sends().length;
	const carol = '+447700900703';
	await incoming(carol, 'Hi', S2);
	await sleep(500);
	await incoming(carol, 'my parcel is late', S2);
	await finishedRuns(2, EXAMPLE_ID);
	await sleep(1000);
	expect(openAi.requests).toHaveLength(1);
	expect(userText(openAi.requests[0].body)).toContain('Hi\nmy parcel is late');
	const replies = sends().slice(sendsBefore);
	expect(replies).toHaveLength(1);
	expect(replies[0].body).toMatchObject({
		session_id: S2,
		to: carol,
		text: { body: 'Answer to: Hi | my parcel is late' },
	});
});
