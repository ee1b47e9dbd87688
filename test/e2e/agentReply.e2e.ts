/**
 * The "answer WhatsApp messages with an agent" pattern of docs/ai-agent-tool.md in a real `n8n start`, both ways.
 * With the reply sent by the agent's SendApi Tool: a published workflow SendApi Trigger (Message Received) →
 * AI Agent (n8n's OpenAI Chat Model on the fake OpenAI-compatible server in test/fake-openai, and
 * the SendApi Tool with Session taken from the trigger's item, To and Text let to the model). The
 * fake SendApi server delivers a signed incoming message; the fake model reads the sender and the
 * text from its prompt, calls the tool to answer that sender, then ends with a text. Exactly one
 * WhatsApp message must go out, to the sender, from the session the message came in on.
 * With the reply as a plain SendApi node after the agent (the guide's first advice): the model
 * only answers in text, and that text goes to the sender, once.
 */
import * as fs from 'fs';
import * as path from 'path';
import { N8nHome, N8nRest, sleep, waitUntil, type N8nServer } from './helpers/n8nProcess';
import { credentialFor, requestsTo, startFake, type FakeSendApi } from './helpers/fake';
import {
	aiAgent,
	byId,
	connectSubNode,
	fromAi,
	graph,
	node,
	openAiChatModel,
	sendApi,
	SENDAPI_TRIGGER,
	sendApiTool,
	wfId,
	type CredentialRef,
} from './helpers/workflows';
import {
	FAKE_MODEL,
	startFakeOpenAi,
	toolResults,
	userText,
	type FakeOpenAi,
	type ModelScript,
} from '../fake-openai';

const SENDAPI_CRED: CredentialRef = {
	id: wfId('credAgentReplySendApi'),
	name: 'SendApi e2e (agent reply)',
};
const OPENAI_CRED: CredentialRef = {
	id: wfId('credAgentReplyOpenAi'),
	name: 'Fake OpenAI e2e (agent reply)',
};
const WF_ID = wfId('wfAgentReply');
const WF_PLAIN_ID = wfId('wfAgentPlainReply');
const WEBHOOK_ID = '5e0da9b1-0000-4000-8000-00000000e2e5';
const PLAIN_WEBHOOK_ID = '5e0da9b1-0000-4000-8000-00000000e2e6';
const S1 = 'sess_e2e_agent_reply';
/** The plain-reply workflow's trigger listens to this session (each workflow gets only its own messages). */
const S2 = 'sess_e2e_agent_plain';
const TOOL_NODE = 'Send a WhatsApp message in SendApi';
const TOOL_NAME = 'Send_a_WhatsApp_message_in_SendApi';
const SENDER = '+447700900611';
const INCOMING = 'Where is my order #4711?';
const FINAL_TEXT = 'I answered on WhatsApp.';

let fake: FakeSendApi;
let openAi: FakeOpenAi;
let home: N8nHome;
let server: N8nServer | undefined;
let rest: N8nRest;

/**
 * The model: it answers whoever its prompt says wrote, quoting what they wrote (so the arguments
 * come from what it was given, not from the test), then ends once the tool has answered.
 */
const replyToSender: ModelScript = (request) => {
	if (toolResults(request).length > 0) return { text: FINAL_TEXT };
	const prompt = userText(request);
	const from = /from (\+\d{7,15})/.exec(prompt)?.[1];
	const said = /wrote: (.*)$/s.exec(prompt)?.[1];
	if (!from || said === undefined) return { text: `The prompt names no sender: ${prompt}` };
	const answer = `Thanks for your message ("${said}"). We are on it.`;
	// Without a tool (the plain-reply workflow) the answer is the agent's output.
	if (!request.tools?.length) return { text: answer };
	return { toolCall: { name: TOOL_NAME, arguments: { To: from, Text: answer } } };
};

function incoming(from: string, text: string, session_id = S1) {
	return {
		message_id: `msg_in_${from.slice(-4)}_${Date.now()}`,
		session_id,
		from,
		type: 'text',
		content: { body: text },
		received_at: new Date().toISOString(),
	};
}

function messageTrigger(session: string, webhookId: string) {
	return node(
		'SendApi Trigger',
		SENDAPI_TRIGGER,
		{ events: ['message.received'], session: byId(session) },
		{ webhookId, credentials: { sendApiApi: { id: SENDAPI_CRED.id, name: SENDAPI_CRED.name } } },
	);
}

const PROMPT = '=A WhatsApp message from {{ $json.from }}. They wrote: {{ $json.text }}';

function agentReplyWorkflow() {
	const trigger = messageTrigger(S1, WEBHOOK_ID);
	const tool = sendApiTool(TOOL_NODE, SENDAPI_CRED, {
		resource: 'message',
		operation: 'send',
		// As docs/ai-agent-tool.md says: the session the message came in on is fixed, not the model's to choose.
		session: byId("={{ $('SendApi Trigger').item.json.session_id }}"),
		to: fromAi('To', 'The WhatsApp number to answer'),
		messageType: 'text',
		text: fromAi('Text', 'The answer'),
	});
	const workflow = graph(
		WF_ID,
		'e2e SendApi Trigger → AI Agent (SendApi Tool) → reply',
		[
			trigger,
			aiAgent('AI Agent', PROMPT, home.differences.aiAgentTypeVersion),
			openAiChatModel('OpenAI Chat Model', OPENAI_CRED, FAKE_MODEL),
			tool,
		],
		[['SendApi Trigger', 'AI Agent']],
	);
	connectSubNode(workflow, 'OpenAI Chat Model', 'AI Agent', 'ai_languageModel');
	return connectSubNode(workflow, TOOL_NODE, 'AI Agent', 'ai_tool');
}

/** Trigger → agent (model only) → SendApi Send to the trigger's sender and session, as docs/ai-agent-tool.md writes it. */
function plainReplyWorkflow() {
	const reply = sendApi('Reply', SENDAPI_CRED, {
		resource: 'message',
		operation: 'send',
		session: byId("={{ $('SendApi Trigger').item.json.session_id }}"),
		to: "={{ $('SendApi Trigger').item.json.from }}",
		messageType: 'text',
		text: '={{ $json.output }}',
	});
	const workflow = graph(
		WF_PLAIN_ID,
		'e2e SendApi Trigger → AI Agent → SendApi reply',
		[
			messageTrigger(S2, PLAIN_WEBHOOK_ID),
			aiAgent('AI Agent', PROMPT, home.differences.aiAgentTypeVersion),
			openAiChatModel('OpenAI Chat Model', OPENAI_CRED, FAKE_MODEL),
			reply,
		],
		[
			['SendApi Trigger', 'AI Agent'],
			['AI Agent', 'Reply'],
		],
	);
	return connectSubNode(workflow, 'OpenAI Chat Model', 'AI Agent', 'ai_languageModel');
}

/** The webhook the fake SendApi holds for the trigger with `webhookId`, once it registered it. */
async function hookOf(webhookId: string) {
	return await waitUntil(
		`the trigger ${webhookId} to register its webhook`,
		() => [...fake.state.webhooks.values()].find((hook) => hook.url.includes(`/${webhookId}/`)),
		60_000,
	);
}

/** Waits for the workflow's one execution to finish and checks there is no second. */
async function oneFinishedRun(workflowId: string) {
	const runs = await waitUntil(
		'one finished execution',
		async () => {
			const list = await rest.executions(workflowId);
			return list.length >= 1 && list.every((e) => e.status !== 'running' && e.status !== 'new')
				? list
				: undefined;
		},
		60_000,
	);
	await sleep(1000);
	expect(await rest.executions(workflowId)).toHaveLength(1);
	expect(runs[0]).toMatchObject({ status: 'success', mode: 'webhook' });
	return runs[0];
}

beforeAll(async () => {
	fake = await startFake();
	// Two sessions of one account: each reply must leave from the one its message came in on.
	fake.seedSession({ id: S1, name: 'E2E agent reply' });
	fake.seedSession({ id: S2, name: 'E2E agent plain reply' });
	openAi = await startFakeOpenAi({ script: replyToSender });
	home = N8nHome.create('agent-reply');
	await home.importCredentials([
		credentialFor(fake, SENDAPI_CRED),
		{
			id: OPENAI_CRED.id,
			name: OPENAI_CRED.name,
			type: 'openAiApi',
			data: { apiKey: openAi.apiKey, url: openAi.baseUrl },
		},
	]);
	await home.importWorkflows([agentReplyWorkflow(), plainReplyWorkflow()]);
	await home.publish(WF_ID);
	await home.publish(WF_PLAIN_ID);
	server = await home.startServer();
	rest = new N8nRest(server.url);
	await rest.setupOwner();
});

afterAll(async () => {
	if (home && openAi)
		fs.writeFileSync(
			path.join(home.dir, 'fake-openai-requests.json'),
			JSON.stringify(openAi.requests, null, 2),
		);
	await server?.stop();
	await openAi?.close();
	await fake?.close();
});

test('an incoming WhatsApp message is answered by the agent through the SendApi Tool: one send, to the sender, same session', async () => {
	const hook = await hookOf(WEBHOOK_ID);
	const res = await fake.deliverWebhook(hook.url, incoming(SENDER, INCOMING), {
		secret: hook.secret,
		envelope: 'event',
		event: 'message.received',
	});
	expect(res.status).toBe(200);
	const run = await oneFinishedRun(WF_ID);

	// The model was given the incoming text and the sender, and was offered the WhatsApp tool.
	expect(openAi.requests).toHaveLength(2);
	const [first, second] = openAi.requests.map((r) => r.body);
	expect(userText(first)).toContain(INCOMING);
	expect(userText(first)).toContain(SENDER);
	expect((first.tools ?? []).map((tool) => tool.function.name)).toEqual([TOOL_NAME]);

	const sends = requestsTo(fake, 'POST', '/whatsapp/send');
	expect(sends).toHaveLength(1);
	expect(sends[0].status).toBeLessThan(300);
	expect(sends[0].body).toMatchObject({
		session_id: S1,
		to: SENDER,
		type: 'text',
		text: { body: `Thanks for your message ("${INCOMING}"). We are on it.` },
	});
	// What the tool answered went back to the model, which then finished.
	const [result] = toolResults(second);
	expect(JSON.parse(result)).toEqual([expect.objectContaining({ status: 'accepted', to: SENDER })]);

	const execution = await rest.execution(run.id);
	expect(JSON.stringify(execution)).toContain(FINAL_TEXT);
});

test('with the reply as a plain node after the agent: the model’s text goes to the sender once, from the same session', async () => {
	const chatsBefore = openAi.requests.length;
	const sendsBefore = requestsTo(fake, 'POST', '/whatsapp/send').length;
	const sender = '+447700900612';
	const hook = await hookOf(PLAIN_WEBHOOK_ID);
	const res = await fake.deliverWebhook(
		hook.url,
		incoming(sender, 'Can I change my address?', S2),
		{ secret: hook.secret, envelope: 'event', event: 'message.received' },
	);
	expect(res.status).toBe(200);
	await oneFinishedRun(WF_PLAIN_ID);

	const chats = openAi.requests.slice(chatsBefore).map((r) => r.body);
	expect(chats).toHaveLength(1);
	expect(userText(chats[0])).toBe(
		`A WhatsApp message from ${sender}. They wrote: Can I change my address?`,
	);
	const sends = requestsTo(fake, 'POST', '/whatsapp/send').slice(sendsBefore);
	expect(sends).toHaveLength(1);
	expect(sends[0].body).toMatchObject({
		session_id: S2,
		to: sender,
		type: 'text',
		text: { body: 'Thanks for your message ("Can I change my address?"). We are on it.' },
	});
});
