/**
 * n8n 2.x's "Human review" tool built from the SendApi node (`n8n-nodes-sendapi.sendApiHitlTool`,
 * made by n8n for every node with a `sendAndWait` operation), in a real `n8n start`:
 * *Webhook → AI Agent → SendApi (Send)*, the agent with n8n's OpenAI Chat Model (pointed at the fake
 * OpenAI-compatible server) and one tool, the SendApi Tool (Message → Send), gated by the Human
 * review node (Message → Send and Wait, approval over WhatsApp to a manager). The fake model calls
 * the gated tool; n8n asks the manager on WhatsApp and waits; the manager's tap, delivered by the
 * fake SendApi, resumes the run: Approve lets the tool run and its result reach the model, Decline
 * hands the model n8n's refusal instead. The last node reports the agent's output as a message.
 * n8n 1.x builds no such tool (n8n-differences.ts `humanReviewTool`): skipped there.
 */
import { N8nHome, N8nRest, waitUntil, type N8nServer } from './helpers/n8nProcess';
import { differencesFor } from './helpers/n8n-differences';
import { currentN8nVersion } from './helpers/paths';
import { keepModelRequests, openAiCredentialFor } from './helpers/openAi';
import { credentialFor, requestsTo, startFake, type FakeSendApi } from './helpers/fake';
import {
	aiAgent,
	byId,
	connectSubNode,
	fromAi,
	graph,
	node,
	openAiChatModel,
	PACKAGE,
	sendApi,
	sendApiTool,
	wfId,
	type CredentialRef,
} from './helpers/workflows';
import {
	callToolThenAnswer,
	FAKE_MODEL,
	startFakeOpenAi,
	toolResults,
	type FakeOpenAi,
} from '../fake-openai';
import type { WebhookDeliveryLog } from '../fake-sendapi';

const SENDAPI_CRED: CredentialRef = { id: wfId('credReviewSendApi'), name: 'SendApi e2e (review)' };
const OPENAI_CRED: CredentialRef = {
	id: wfId('credReviewOpenAi'),
	name: 'Fake OpenAI e2e (review)',
};
const S1 = 'sess_e2e_review';
const MANAGER = '+447700900311';
const CUSTOMER = '+447700900322';
const REPORT_TO = '+447700900399';
const WF = wfId('wfHumanReview');
const WEBHOOK_PATH = 'agent-review';
const TOOL_NODE = 'Send a WhatsApp message in SendApi';
const TOOL_NAME = 'Send_a_WhatsApp_message_in_SendApi';
const REVIEW_NODE = 'Human review';
/** The Human review tool n8n 2.x builds from the SendApi node. */
const SENDAPI_HITL_TOOL = `${PACKAGE}.sendApiHitlTool`;

const supported = differencesFor(currentN8nVersion()).humanReviewTool;

let fake: FakeSendApi;
let openAi: FakeOpenAi;
let home: N8nHome;
let server: N8nServer | undefined;
let rest: N8nRest;

function reviewWorkflow() {
	const start = node(
		'Start',
		'n8n-nodes-base.webhook',
		{ httpMethod: 'POST', path: WEBHOOK_PATH, responseMode: 'onReceived', options: {} },
		{ webhookId: '5e0da9b1-0000-4000-8000-4e71e7a00001', typeVersion: 2 },
	);
	const agent = aiAgent(
		'AI Agent',
		'Tell the customer on WhatsApp that the refund is approved.',
		home.differences.aiAgentTypeVersion,
	);
	const tool = sendApiTool(TOOL_NODE, SENDAPI_CRED, {
		resource: 'message',
		operation: 'send',
		session: byId(S1),
		to: fromAi('To', 'The WhatsApp number to send to'),
		messageType: 'text',
		text: fromAi('Text', 'What the message says'),
	});
	const review = node(
		REVIEW_NODE,
		SENDAPI_HITL_TOOL,
		{
			session: byId(S1),
			to: MANAGER,
			// `$tool.parameters` is an object: n8n's default message ("Input: {{ $tool.parameters }}")
			// shows it as "[object Object]"
			message: '=May the agent run {{ $tool.name }}? {{ JSON.stringify($tool.parameters) }}',
			answerVia: 'whatsapp',
		},
		{ credentials: { sendApiApi: { id: SENDAPI_CRED.id, name: SENDAPI_CRED.name } } },
	);
	const report = sendApi('Report', SENDAPI_CRED, {
		resource: 'message',
		operation: 'send',
		session: byId(S1),
		to: REPORT_TO,
		messageType: 'text',
		text: '={{ $json.output }}',
	});
	const workflow = graph(
		WF,
		'e2e agent asks for a human review on WhatsApp',
		[
			start,
			agent,
			openAiChatModel('OpenAI Chat Model', OPENAI_CRED, FAKE_MODEL),
			tool,
			review,
			report,
		],
		[
			['Start', 'AI Agent'],
			['AI Agent', 'Report'],
		],
	);
	connectSubNode(workflow, 'OpenAI Chat Model', 'AI Agent', 'ai_languageModel');
	connectSubNode(workflow, TOOL_NODE, REVIEW_NODE, 'ai_tool');
	return connectSubNode(workflow, REVIEW_NODE, 'AI Agent', 'ai_tool');
}

const sendsTo = (to: string) =>
	requestsTo(fake, 'POST', '/whatsapp/send').filter((r) => (r.body as any)?.to === to);

/** Starts the workflow; resolves with its execution once it waits for the manager. */
async function startAndWait(): Promise<string> {
	const before = new Set((await rest.executions(WF)).map((e) => e.id));
	await waitUntil(
		`${WEBHOOK_PATH} to start`,
		async () => {
			const r = await fetch(`${server!.url}/webhook/${WEBHOOK_PATH}`, { method: 'POST' });
			return r.status === 200;
		},
		30_000,
		500,
	);
	const execution = await waitUntil(
		'the agent waiting for the review',
		async () =>
			(await rest.executions(WF)).find((e) => !before.has(e.id) && e.status === 'waiting'),
		60_000,
	);
	return execution.id;
}

async function finished(executionId: string): Promise<string> {
	return await waitUntil(
		`execution ${executionId} to finish`,
		async () => {
			const status = (await rest.executions(WF)).find((e) => e.id === executionId)?.status;
			return status && !['waiting', 'running', 'new'].includes(status) ? status : undefined;
		},
		60_000,
		500,
	);
}

/** The agent's output, as the Report node sent it. */
async function reportedOutput(sentBefore: number): Promise<string> {
	return await waitUntil(
		'the report of the agent output',
		() => sendsTo(REPORT_TO).slice(sentBefore)[0]?.body as any,
		30_000,
	).then((body) => String(body.text?.body));
}

/** Runs the workflow, has the manager tap `label`; what the model, the customer and the report got. */
async function review(label: 'Approve' | 'Decline', text: string) {
	const args = { toolParameters: { To: CUSTOMER, Text: text }, hitlParameters: {} };
	openAi.setScript(callToolThenAnswer(TOOL_NAME, args));
	const chatsBefore = openAi.requests.length;
	const customerBefore = sendsTo(CUSTOMER).length;
	const reportsBefore = sendsTo(REPORT_TO).length;
	const askedBefore = sendsTo(MANAGER).length;

	const executionId = await startAndWait();
	const asked = sendsTo(MANAGER).slice(askedBefore);
	expect(asked).toHaveLength(1);
	// nothing of the gated tool has run while the manager has not answered
	expect(sendsTo(CUSTOMER)).toHaveLength(customerBefore);

	const question = asked[0].body as any;
	const buttons = question.interactive.action.buttons.map((b: any) => b.reply);
	const tap = await fake.simulateIncomingMessage({
		session_id: S1,
		from: MANAGER,
		button: buttons.find((b: any) => b.title === label),
	});
	expect(
		tap.deliveries.map((d: WebhookDeliveryLog) => [d.status, JSON.parse(d.response ?? 'null')]),
	).toEqual([[200, { received: true, message: 'Answer recorded' }]]);
	expect(await finished(executionId)).toBe('success');
	return {
		question,
		buttons,
		chats: openAi.requests.slice(chatsBefore),
		customer: sendsTo(CUSTOMER).slice(customerBefore),
		output: await reportedOutput(reportsBefore),
	};
}

const skipped = supported
	? ''
	: ` (skipped: n8n ${currentN8nVersion()} builds no Human review tool, see humanReviewTool in n8n-differences.ts)`;

(supported ? describe : describe.skip)(
	`the Human review tool n8n 2.x builds from SendApi${skipped}`,
	() => {
		beforeAll(async () => {
			fake = await startFake();
			fake.seedSession({ id: S1, name: 'E2E review', status: 'connected' });
			openAi = await startFakeOpenAi();
			home = N8nHome.create('human-review');
			await home.importCredentials([
				credentialFor(fake, SENDAPI_CRED),
				openAiCredentialFor(openAi, OPENAI_CRED),
			]);
			await home.importWorkflows([reviewWorkflow()]);
			await home.publish(WF);
			server = await home.startServer();
			rest = new N8nRest(server.url);
			await rest.setupOwner();
		});

		afterAll(async () => {
			keepModelRequests(home, openAi);
			await server?.stop();
			await openAi?.close();
			await fake?.close();
		});

		test('the manager taps Approve: the gated tool runs, its result reaches the model, the agent finishes', async () => {
			const { question, buttons, chats, customer, output } = await review(
				'Approve',
				'Your refund is approved.',
			);

			expect(question).toMatchObject({ session_id: S1, to: MANAGER, type: 'interactive' });
			expect(String(question.interactive.body.text)).toContain(`May the agent run ${TOOL_NAME}?`);
			expect(String(question.interactive.body.text)).toContain('Your refund is approved.');
			expect(buttons.map((b: any) => b.title)).toEqual(['Approve', 'Decline']);

			// the model is offered the gated tool, with n8n's review parameters beside the tool's own
			const offered = chats[0].body.tools ?? [];
			expect(offered.map((t) => t.function.name)).toEqual([TOOL_NAME]);
			expect(Object.keys(offered[0].function.parameters?.properties ?? {}).sort()).toEqual([
				'hitlParameters',
				'toolParameters',
			]);

			expect(customer).toHaveLength(1);
			expect(customer[0].body).toMatchObject({
				session_id: S1,
				to: CUSTOMER,
				type: 'text',
				text: { body: 'Your refund is approved.' },
			});
			const results = toolResults(chats[chats.length - 1].body);
			expect(results).toHaveLength(1);
			const result = JSON.parse(results[0]) as Array<Record<string, unknown>>;
			expect(result[0]).toMatchObject({ status: 'accepted', to: CUSTOMER });
			expect(output).toBe(`The tool answered: ${results[0]}`);
		});

		test('the manager taps Decline: nothing is sent and the model is told the call was rejected', async () => {
			const { chats, customer, output } = await review('Decline', 'Your refund is declined.');

			expect(customer).toHaveLength(0);
			const results = toolResults(chats[chats.length - 1].body);
			expect(results).toHaveLength(1);
			expect(results[0]).toContain(`User rejected the tool call to ${TOOL_NODE}`);
			expect(output).toBe(`The tool answered: ${results[0]}`);
		});
	},
);
