/**
 * SendApi as an AI Agent's tool in a real n8n: Manual Trigger → AI Agent, with n8n's OpenAI Chat
 * Model (its credential's Base URL pointing at the fake OpenAI-compatible server in test/fake-openai)
 * and the SendApi Tool (Message → Send, To and Text let to the model through `$fromAI`). The fake
 * model calls the tool, then answers with a text; what the model was shown (the tool's name and
 * description, and the tool result) is read from the fake's request log.
 */
import { N8nHome, nodeItems } from './helpers/n8nProcess';
import { keepModelRequests, openAiCredentialFor } from './helpers/openAi';
import { credentialFor, requestsTo, startFake, type FakeSendApi } from './helpers/fake';
import {
	aiAgent,
	byId,
	connectSubNode,
	fromAi,
	graph,
	manualTrigger,
	openAiChatModel,
	sendApiTool,
	wfId,
	type CredentialRef,
	type Workflow,
} from './helpers/workflows';
import {
	callToolThenAnswer,
	FAKE_MODEL,
	startFakeOpenAi,
	toolResults,
	type FakeOpenAi,
	type LoggedChatRequest,
} from '../fake-openai';

const SENDAPI_CRED: CredentialRef = { id: wfId('credAgentSendApi'), name: 'SendApi e2e (agent)' };
const OPENAI_CRED: CredentialRef = { id: wfId('credAgentOpenAi'), name: 'Fake OpenAI e2e' };
const S1 = 'sess_e2e_agent';
const WF_AGENT = wfId('wfAgentSend');
const WF_AGENT_GONE_SESSION = wfId('wfAgentGoneSession');
/** The name the editor gives a new SendApi Tool node set to Message → Send: its action's text. */
const TOOL_NODE = 'Send a WhatsApp message in SendApi';
const TOOL_NAME = 'Send_a_WhatsApp_message_in_SendApi';
const PHONE_FIX =
	'Use the full international number in E.164 format, with the country code, e.g. +447700900000.';

let fake: FakeSendApi;
let openAi: FakeOpenAi;
let home: N8nHome;

/** Trigger → agent, with the model and the SendApi tool (sending from `session`). */
function agentWorkflow(id: string, name: string, session: string): Workflow {
	const tool = sendApiTool(
		TOOL_NODE,
		SENDAPI_CRED,
		{
			resource: 'message',
			operation: 'send',
			session: byId(session),
			to: fromAi('To', 'The WhatsApp number to send to'),
			messageType: 'text',
			text: fromAi('Text', 'What the message says'),
		},
		home.differences.aiToolErrorsReachAgent.toolNodeSettings,
	);
	const workflow = graph(
		id,
		name,
		[
			manualTrigger(),
			aiAgent(
				'AI Agent',
				'Tell Ann on WhatsApp that her order has shipped.',
				home.differences.aiAgentTypeVersion,
			),
			openAiChatModel('OpenAI Chat Model', OPENAI_CRED, FAKE_MODEL),
			tool,
		],
		[['Start', 'AI Agent']],
	);
	connectSubNode(workflow, 'OpenAI Chat Model', 'AI Agent', 'ai_languageModel');
	return connectSubNode(workflow, TOOL_NODE, 'AI Agent', 'ai_tool');
}

/** Runs the workflow with the fake model calling the tool with `args`; the model's requests of that run. */
async function converse(workflowId: string, args: Record<string, unknown>) {
	openAi.setScript(callToolThenAnswer(TOOL_NAME, args));
	const before = openAi.requests.length;
	const sendsBefore = requestsTo(fake, 'POST', '/whatsapp/send').length;
	const { run } = await home.execute(workflowId);
	return {
		run,
		chats: openAi.requests.slice(before),
		sends: requestsTo(fake, 'POST', '/whatsapp/send').slice(sendsBefore),
	};
}

/** The one tool result the model was sent, in the completion after the tool call. */
function toolResultOf(chats: LoggedChatRequest[]): string {
	expect(chats).toHaveLength(2);
	expect(toolResults(chats[0].body)).toEqual([]);
	const results = toolResults(chats[1].body);
	expect(results).toHaveLength(1);
	return results[0];
}

/**
 * The error message in a tool result: the agent sends the model the tool's output items as JSON,
 * `[{"error": …}]` (n8n 2.x makes that item of a failed tool; in 1.x it is the node's own error item
 * under Continue, which also carries `error_description` and `sendapi_error`).
 */
function errorOf(toolResult: string): unknown {
	const items = JSON.parse(toolResult) as Array<Record<string, unknown>>;
	expect(items).toHaveLength(1);
	return items[0].error;
}

beforeAll(async () => {
	fake = await startFake();
	fake.seedSession({ id: S1, name: 'E2E agent' });
	openAi = await startFakeOpenAi();
	home = N8nHome.create('agent');
	await home.importCredentials([
		credentialFor(fake, SENDAPI_CRED),
		openAiCredentialFor(openAi, OPENAI_CRED),
	]);
	await home.importWorkflows([
		agentWorkflow(WF_AGENT, 'e2e agent sends a WhatsApp message', S1),
		agentWorkflow(
			WF_AGENT_GONE_SESSION,
			'e2e agent with a session that does not exist',
			'sess_gone',
		),
	]);
});

afterAll(async () => {
	keepModelRequests(home, openAi);
	await openAi?.close();
	await fake?.close();
});

describe('the SendApi tool in an AI Agent', () => {
	test('the model sees a WhatsApp tool, calls it, and exactly one WhatsApp text goes out', async () => {
		const { run, chats, sends } = await converse(WF_AGENT, {
			To: '+44 7700 900401',
			Text: 'Your order has shipped.',
		});

		const offered = chats[0].body.tools ?? [];
		expect(offered.map((tool) => tool.function.name)).toEqual([TOOL_NAME]);
		expect(offered[0].function.description).toBe('Send a WhatsApp message in SendApi');
		expect(Object.keys(offered[0].function.parameters?.properties ?? {}).sort()).toEqual([
			'Text',
			'To',
		]);
		expect(chats[0].authorization).toBe(`Bearer ${openAi.apiKey}`);

		expect(sends).toHaveLength(1);
		expect(sends[0].body).toMatchObject({
			session_id: S1,
			to: '+447700900401',
			type: 'text',
			text: { body: 'Your order has shipped.' },
		});

		const result = JSON.parse(toolResultOf(chats)) as Array<Record<string, unknown>>;
		expect(result).toHaveLength(1);
		expect(result[0]).toMatchObject({ status: 'accepted', to: '+447700900401' });
		expect(result[0].message_id).toMatch(/^msg_/);

		const [answer] = nodeItems(run, 'AI Agent');
		expect(String(answer.json.output)).toMatch(/^The tool answered: .*"status":"accepted"/);
	});

	test('a bad number: the model is told what to change, without "Item 1:", and nothing is sent', async () => {
		const { run, chats, sends } = await converse(WF_AGENT, {
			To: 'call-me-maybe',
			Text: 'Your order has shipped.',
		});

		expect(sends).toHaveLength(0);
		const result = toolResultOf(chats);
		expect(errorOf(result)).toBe(`To "call-me-maybe" contains letters. ${PHONE_FIX}`);
		expect(result).not.toContain('Item 1');
		// The agent goes on after the refused call and finishes with the model's answer.
		expect(String(nodeItems(run, 'AI Agent')[0].json.output)).toMatch(
			/^The tool answered: .*E\.164/,
		);
	});

	test('a session that does not exist: the model is told the id is wrong and how to list sessions', async () => {
		const { chats, sends } = await converse(WF_AGENT_GONE_SESSION, {
			To: '+447700900402',
			Text: 'Hello',
		});

		expect(sends).toHaveLength(1);
		expect(sends[0].status).toBe(404);
		const result = toolResultOf(chats);
		expect(errorOf(result)).toBe(
			'SendApi: No such session: sess_gone (invalid_request_error resource_missing). The session ID is wrong: this SendApi ' +
				'account has no session with that ID. Use the ID of one of its sessions (Session → Get Many lists them). Field: session_id.',
		);
		expect(result).not.toContain('Item 1');
	});
});
