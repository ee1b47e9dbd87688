/**
 * The node as an AI Agent's tool: how it knows (runsAsAiTool), and what a model reads when a call
 * is refused (inModelTerms): the message carries the fix, without "Item 1: ". Node tests run it in
 * n8n-core's engine as AI Agent v3 has it run (the tool type, output logged as `ai_tool`), next to
 * the same runs as a plain node, whose errors must stay as they are.
 */
import type { IDataObject, IExecuteFunctions, INode, INodeParameters } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { runNode, SENDAPI_TOOL_TYPE, SENDAPI_TYPE } from '../helpers/runWorkflow';
import { useFakeSendApi } from '../helpers/fakeServer';
import { inModelTerms, runsAsAiTool } from '../../nodes/SendApi/helpers/aiTool';
import { toNodeApiError } from '../../nodes/SendApi/transport/errors';

/** The advice every bad-number error ends with, written out rather than imported from the node. */
const PHONE_FIX =
	'Use the full international number in E.164 format, with the country code, e.g. +447700900000.';

const fake = useFakeSendApi();
const byId = (value: string | number) => ({ __rl: true, mode: 'id', value: String(value) });

const UNKNOWN_SESSION_FIX =
	'The session ID is wrong: this SendApi account has no session with that ID. Use the ID of one of its sessions (Session → Get Many lists them).';

function node(type: string): INode {
	return {
		id: 'n',
		name: 'Send a WhatsApp message in SendApi',
		type,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
}

/** Just enough of an execute context for runsAsAiTool: the node, and isToolExecution when given. */
function contextOf(type: string, isToolExecution?: () => boolean): IExecuteFunctions {
	return {
		getNode: () => node(type),
		...(isToolExecution ? { isToolExecution } : {}),
	} as unknown as IExecuteFunctions;
}

/** Message → Send of a text from a connected session (or the given one), as a tool or not. */
async function sendText(options: {
	to: string;
	session?: string;
	asAiTool: boolean;
	continueOnFail?: boolean;
}) {
	const session = options.session ?? String(fake.api.seedSession().id);
	const parameters: INodeParameters = {
		resource: 'message',
		operation: 'send',
		session: byId(session),
		to: options.to,
		messageType: 'text',
		text: 'Hi from the agent',
	};
	return await runNode({
		parameters,
		credentials: fake.credentials,
		asAiTool: options.asAiTool,
		continueOnFail: options.continueOnFail,
	});
}

const sends = () =>
	fake.api.requests.filter((r) => r.method === 'POST' && r.path === '/v1/whatsapp/send');

describe('runsAsAiTool', () => {
	test('the tool type n8n makes of a usableAsTool node (`<type>Tool`) is a tool run, in every n8n', () => {
		expect(runsAsAiTool(contextOf(SENDAPI_TOOL_TYPE))).toBe(true);
		// n8n 2.40's engine-run tools (AI Agent v3) answer false; the type still tells.
		expect(runsAsAiTool(contextOf(SENDAPI_TOOL_TYPE, () => false))).toBe(true);
	});

	test('the plain node is not, with or without isToolExecution (n8n 1.123 has none)', () => {
		expect(runsAsAiTool(contextOf(SENDAPI_TYPE))).toBe(false);
		expect(runsAsAiTool(contextOf(SENDAPI_TYPE, () => false))).toBe(false);
	});

	test('a context that says it runs a tool (n8n 2.x supply-data runs) is believed', () => {
		expect(runsAsAiTool(contextOf(SENDAPI_TYPE, () => true))).toBe(true);
	});
});

describe('inModelTerms', () => {
	test('an input error: the fix moves from the description into the message, the item prefix goes', () => {
		const error = new NodeOperationError(
			node(SENDAPI_TOOL_TYPE),
			'Item 1: To "call-me-maybe" contains letters',
			{
				itemIndex: 0,
				description: PHONE_FIX,
			},
		);
		inModelTerms(error);
		expect(error.message).toBe(`To "call-me-maybe" contains letters. ${PHONE_FIX}`);
		expect(error.description).toBeNull();
	});

	test('a SendApi error: the advice and field join the message; the request and its id stay in the description', () => {
		const error = toNodeApiError(node(SENDAPI_TOOL_TYPE), {
			status: 404,
			info: { type: 'not_found', code: 4040, message: 'Session not found', requestId: 'req_42' },
			itemIndex: 0,
			request: 'POST /whatsapp/send',
		});
		error.message = `Item 1: ${error.message}`;
		inModelTerms(error);
		expect(error.message).toBe(
			`SendApi: Session not found (not_found 4040). ${UNKNOWN_SESSION_FIX}`,
		);
		expect(error.description).toBe('Request: POST /whatsapp/send. SendApi request id: req_42.');
	});

	test('a second pass changes nothing (the router and an error item may both see one error)', () => {
		const error = new NodeOperationError(node(SENDAPI_TOOL_TYPE), 'Item 3: Text is empty', {
			description: 'Enter a value for Text.',
		});
		inModelTerms(error);
		const once = { message: error.message, description: error.description };
		inModelTerms(error);
		expect({ message: error.message, description: error.description }).toEqual(once);
		expect(once.message).toBe('Text is empty. Enter a value for Text.');
	});

	test('an error without advice only loses the item prefix', () => {
		const error = new NodeOperationError(node(SENDAPI_TOOL_TYPE), 'Item 2: Something odd');
		inModelTerms(error);
		expect(error.message).toBe('Something odd');
	});
});

describe('unknown sessions get advice of their own, in both of SendApi’s error shapes', () => {
	test.each<[string, IDataObject]>([
		[
			'`{type, code: number}`, message only',
			{ type: 'not_found', code: 4040, message: 'Session not found' },
		],
		[
			'`{code, param}` naming session_id',
			{
				type: 'invalid_request_error',
				code: 'resource_missing',
				param: 'session_id',
				message: 'No such session: sess_x',
			},
		],
	])('%s', (_shape, info) => {
		const error = toNodeApiError(node(SENDAPI_TYPE), {
			status: 404,
			info,
			request: 'POST /whatsapp/send',
		});
		expect(error.description).toMatch(new RegExp(`^${escape(UNKNOWN_SESSION_FIX)}`));
	});

	test('a 404 about something else keeps the general advice', () => {
		const error = toNodeApiError(node(SENDAPI_TYPE), {
			status: 404,
			info: {
				type: 'invalid_request_error',
				code: 'resource_missing',
				param: 'id',
				message: 'No such message: msg_1',
			},
			request: 'GET /messages/msg_1',
		});
		expect(error.description).toMatch(/^SendApi has no such resource\./);
	});
});

describe('Message → Send as a tool, in n8n-core’s engine', () => {
	test('a bad number: what the agent reads carries the E.164 fix and no item prefix; nothing is sent', async () => {
		const { outputs, error } = await sendText({ to: 'call-me-maybe', asAiTool: true });
		const expected = `To "call-me-maybe" contains letters. ${PHONE_FIX}`;
		expect(error?.message).toBe(expected);
		// n8n 2.x answers a failed tool with `{error: message}` on `ai_tool`: the agent's observation.
		expect(outputs[0].map((item) => item.json)).toEqual([{ error: expected }]);
		expect(sends()).toHaveLength(0);
	});

	test('the same as a plain node: the message and description stay as they were', async () => {
		const { error } = await sendText({ to: 'call-me-maybe', asAiTool: false });
		expect(error?.message).toBe('Item 1: To "call-me-maybe" contains letters');
		expect(error?.description).toBe(PHONE_FIX);
	});

	test('an unknown session: the model is told the id is wrong and how to list sessions', async () => {
		const { outputs, error } = await sendText({
			to: '+447700900001',
			session: 'sess_nope',
			asAiTool: true,
		});
		expect(error?.message).toBe(
			`SendApi: No such session: sess_nope (invalid_request_error resource_missing). ${UNKNOWN_SESSION_FIX} Field: session_id.`,
		);
		expect(error?.description).toMatch(/^Request: POST \/whatsapp\/send\./);
		expect(outputs[0][0].json.error).toBe(error?.message);
	});

	test('the same as a plain node: only the description gained the advice', async () => {
		const { error } = await sendText({
			to: '+447700900001',
			session: 'sess_nope',
			asAiTool: false,
		});
		expect(error?.message).toBe(
			'Item 1: SendApi: No such session: sess_nope (invalid_request_error resource_missing)',
		);
		expect(error?.description).toMatch(
			new RegExp(
				`^${escape(UNKNOWN_SESSION_FIX)} Field: session_id\\. Request: POST /whatsapp/send\\.`,
			),
		);
	});

	test('with Continue On Fail the error item the model reads is worded the same way', async () => {
		const { outputs, error } = await sendText({
			to: 'call-me-maybe',
			asAiTool: true,
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(outputs[0]).toHaveLength(1);
		expect(outputs[0][0].json).toEqual({
			error: `To "call-me-maybe" contains letters. ${PHONE_FIX}`,
		});
	});

	test('a good call sends one message and returns it as usual', async () => {
		const { outputs, error } = await sendText({ to: '+44 7700 900001', asAiTool: true });
		expect(error).toBeUndefined();
		expect(outputs[0][0].json).toMatchObject({ status: 'accepted', to: '+447700900001' });
		expect(sends()).toHaveLength(1);
	});
});

describe('errors thrown outside the per-item loop are worded for the model too', () => {
	test('Send Bulk without sessions', async () => {
		const { error } = await runNode({
			parameters: {
				resource: 'message',
				operation: 'sendBulk',
				sessions: {},
				to: '+447700900001',
				messageType: 'text',
				text: 'x',
			},
			credentials: fake.credentials,
			asAiTool: true,
		});
		expect(error?.message).toBe(
			'Sessions is empty. Add at least one session to send from: pick it from the list or enter its ID.',
		);
		expect(error?.name).toBe('NodeOperationError');
	});
});

describe('API errors keep their class', () => {
	test('a refused call is still a NodeApiError with its SendApi details', async () => {
		const { error } = await sendText({ to: '+447700900001', session: 'sess_nope', asAiTool: true });
		expect(error?.name).toBe(new NodeApiError(node(SENDAPI_TYPE), {}).name);
		expect((error?.context?.sendApi as IDataObject | undefined)?.code).toBe('resource_missing');
	});
});

function escape(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
