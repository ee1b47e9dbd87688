/**
 * The resumed webhook() of a WhatsApp-reply wait whose record is gone (as after an n8n 1.x restart:
 * no custom data, nothing in this process), run in n8n-core's real WebhookContext against the fake
 * SendApi. What survives is set up as n8n keeps it: the wait's SendApi webhook (its URL the waiting
 * URL with the owner tag), the request's query on that URL, and the waiting execution's stack (the
 * node's input, which its `$json` parameters read). The answer counts only once SendApi's API
 * confirms it (GET /messages/{id}).
 */
import { WebhookContext } from 'n8n-core';
import type {
	IDataObject,
	INode,
	INodeType,
	INodeTypes,
	IRunExecutionData,
	IWebhookDescription,
	IWebhookResponseData,
} from 'n8n-workflow';
import { createRunExecutionData, Workflow } from 'n8n-workflow';

import { SendApi } from '../../nodes/SendApi/SendApi.node';
import { retrySettings } from '../../nodes/SendApi/transport';
import { declineButtonId } from '../../nodes/SendApi/sendAndWait/answer';
import { NONCE_PARAM, ownerParams } from '../../nodes/SendApi/sendAndWait/ownership';
import { useFakeSendApi } from '../helpers/fakeServer';
import { SENDAPI_TYPE, testAdditionalData } from '../helpers/runWorkflow';

const fake = useFakeSendApi();
const ASKED = '+447700900111';
const OTHER = '+447700900222';
const NONCE = 'feedc0de';
const ORIGIN = 'http://127.0.0.1:9'; // nothing listens: the fake's own deliveries go nowhere
let executions = 0;

const nodeType = new SendApi();
const nodeTypes: INodeTypes = {
	getByName: () => nodeType as INodeType,
	getByNameAndVersion: () => nodeType as INodeType,
	getKnownTypes: () => ({}),
};

interface Wait {
	executionId: string;
	sessionId: string;
	query: Record<string, string>;
	hookId: string;
	node: INode;
	runData: IRunExecutionData;
}

/** A wait asked a moment ago whose run kept nothing but its SendApi webhook and its URL. */
function restartedWait(parameters: IDataObject = {}): Wait {
	const session = fake.api.seedSession({ status: 'connected' });
	const executionId = `exec-restarted-${++executions}`;
	const base = `${ORIGIN}/webhook-waiting/${executionId}/sendapi`;
	const query = {
		...ownerParams(fake.api.apiKey, base, { createdAt: Date.now() - 1000, deadline: 0 }),
		[NONCE_PARAM]: NONCE,
		signature: 'n8n-signed',
	};
	const hook = fake.api.seedWebhook({ url: `${base}?${new URLSearchParams(query).toString()}` });
	const node: INode = {
		id: 'sendapi',
		name: 'Ask',
		type: SENDAPI_TYPE,
		typeVersion: 1,
		position: [0, 0],
		credentials: { sendApiApi: { id: '1', name: 'SendApi account' } },
		parameters: {
			resource: 'message',
			operation: 'sendAndWait',
			// The defaults: both read the waiting node's input item.
			session: { __rl: true, mode: 'id', value: '={{ $json.session_id }}' },
			to: '={{ $json.from }}',
			message: 'Approve the refund?',
			responseType: 'approval',
			answerVia: 'whatsapp',
			...parameters,
		},
	};
	const runData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [
				{
					node,
					data: { main: [[{ json: { from: ASKED, session_id: String(session.id) } }]] },
					source: null,
				},
			],
		},
	});
	return {
		executionId,
		sessionId: String(session.id),
		query,
		hookId: String(hook.id),
		node,
		runData,
	};
}

/** An incoming message SendApi stores (no webhook of the wait sees it: it was seeded later or elsewhere). */
async function incoming(
	wait: Wait,
	from: string,
	button = { id: declineButtonId(NONCE), title: 'Decline' },
) {
	const { message } = await fake.api.simulateIncomingMessage({
		session_id: wait.sessionId,
		from,
		button,
	});
	return String(message.id);
}

function tapDelivery(wait: Wait, messageId: string): string {
	return JSON.stringify({
		event: 'message.received',
		data: {
			message_id: messageId,
			session_id: wait.sessionId,
			from: ASKED,
			type: 'interactive',
			content: { body: 'Decline' },
			interactive: {
				type: 'button_reply',
				button_reply: { id: declineButtonId(NONCE), title: 'Decline' },
			},
		},
	});
}

interface Answered {
	result: IWebhookResponseData;
	status?: number;
	sent?: string;
}

/** One POST to the waiting URL, handled by the node's webhook() in n8n-core's WebhookContext. */
async function deliver(
	wait: Wait,
	body: string,
	query: Record<string, string> = wait.query,
): Promise<Answered> {
	const answered: { status?: number; sent?: string } = {};
	const response = {
		status(code: number) {
			answered.status = code;
			return response;
		},
		setHeader: () => response,
		send(text: string) {
			answered.sent = text;
			return response;
		},
	};
	const request = {
		method: 'POST',
		headers: {},
		query,
		rawBody: Buffer.from(body),
		body: JSON.parse(body) as unknown,
		params: {},
	};
	const additionalData = testAdditionalData({
		credentials: fake.credentials,
		origin: ORIGIN,
		extra: { executionId: wait.executionId, httpRequest: request, httpResponse: response },
	});
	const workflow = new Workflow({
		id: 'wf-wait',
		nodes: [wait.node],
		connections: {},
		nodeTypes,
		active: false,
		settings: {},
	});
	const description = nodeType.description.webhooks?.[1] as IWebhookDescription;
	const context = new WebhookContext(
		workflow,
		wait.node,
		additionalData,
		'webhook',
		{
			httpMethod: 'POST',
			node: wait.node.name,
			path: `${wait.executionId}/sendapi`,
			webhookDescription: description,
			workflowId: 'wf-wait',
			workflowExecuteAdditionalData: additionalData,
		},
		[],
		wait.runData,
	);
	const result = await nodeType.webhook!.call(context);
	return { result, ...answered };
}

const hooks = () => [...fake.api.state.webhooks.values()].map((w) => String(w.id));

test('the confirmed tap resumes with its answer and removes only this wait’s webhook', async () => {
	const wait = restartedWait();
	const someoneElses = fake.api.seedWebhook({ url: 'https://example.com/hooks/sendapi' });
	const messageId = await incoming(wait, ASKED);

	const { result } = await deliver(wait, tapDelivery(wait, messageId));
	expect(result.workflowData).toEqual([
		[
			{
				json: {
					data: expect.objectContaining({
						approved: false,
						from: ASKED,
						session_id: wait.sessionId,
						message_id: messageId,
						via: 'whatsapp',
					}),
				},
			},
		],
	]);
	expect(
		fake.api.requests.some(
			(r) => r.method === 'GET' && r.path === `/v1/whatsapp/messages/${messageId}`,
		),
	).toBe(true);
	expect(hooks()).toEqual([String(someoneElses.id)]);
});

test('a forged delivery keeps waiting: an unknown message, another number’s message, a button title that is not the answer', async () => {
	const wait = restartedWait();
	const unknown = await deliver(wait, tapDelivery(wait, 'msg_does_not_exist'));
	expect(unknown.result).toEqual({
		webhookResponse: {
			received: false,
			waiting: true,
			message: 'SendApi knows no message msg_does_not_exist',
		},
	});

	const borrowed = await deliver(wait, tapDelivery(wait, await incoming(wait, OTHER)));
	expect(borrowed.result.webhookResponse).toMatchObject({
		message: 'Not from the number that was asked',
	});

	const other = await incoming(wait, ASKED, { id: 'x', title: 'Maybe later' });
	const notAButton = await deliver(wait, tapDelivery(wait, other));
	expect(notAButton.result.webhookResponse).toMatchObject({
		message: "SendApi's copy is not one of the question's buttons",
	});
	expect(hooks()).toEqual([wait.hookId]);
});

test('a hit on the waiting URL without the webhook’s owner tag is not confirmed at all', async () => {
	const wait = restartedWait();
	const messageId = await incoming(wait, ASKED);
	const before = fake.api.requests.length;
	const { result } = await deliver(wait, tapDelivery(wait, messageId), {
		...wait.query,
		sendapi_wait: '0'.repeat(32),
	});
	expect(result.workflowData).toBeUndefined();
	expect(result.webhookResponse).toMatchObject({
		message: expect.stringMatching(/No SendApi webhook of this wait/),
	});
	expect(fake.api.requests.slice(before).some((r) => r.path.includes('/messages/'))).toBe(false);
	expect(hooks()).toEqual([wait.hookId]);
});

test('free text takes the text SendApi stored', async () => {
	const wait = restartedWait({ responseType: 'freeText' });
	const { message } = await fake.api.simulateIncomingMessage({
		session_id: wait.sessionId,
		from: ASKED,
		text: 'Tuesday at 10',
	});
	const body = JSON.stringify({
		event: 'message.received',
		data: {
			message_id: message.id,
			session_id: wait.sessionId,
			from: ASKED,
			content: { body: 'something else' },
		},
	});
	const { result } = await deliver(wait, body);
	expect(result.workflowData?.[0][0].json.data).toMatchObject({
		text: 'Tuesday at 10',
		from: ASKED,
	});
});

test('when SendApi cannot be asked, the delivery is answered 503 so SendApi delivers it again', async () => {
	const saved = retrySettings.backoff;
	retrySettings.backoff = () => 0;
	try {
		const wait = restartedWait();
		const messageId = await incoming(wait, ASKED);
		fake.api.faults.push({ kind: '500', method: 'GET', path: /\/messages\//, times: Infinity });
		const answered = await deliver(wait, tapDelivery(wait, messageId));
		expect(answered.result).toEqual({ noWebhookResponse: true });
		expect(answered.status).toBe(503);
		expect(JSON.parse(answered.sent!)).toMatchObject({ waiting: true });
		expect(hooks()).toEqual([wait.hookId]);
	} finally {
		retrySettings.backoff = saved;
	}
});
