/**
 * Send Bulk as an AI Agent's tool: a model reads only the rows' reasons (and a thrown error's
 * message), so in a tool run each reason says what to change, names the row only when there are
 * several, and names the recipient SendApi refused; as a plain node every text stays as it was.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { useFakeSendApi } from '../helpers/fakeServer';
import { runNode } from '../helpers/runWorkflow';

/** The advice every bad-number error ends with, written out rather than imported from the node. */
const PHONE_FIX =
	'Use the full international number in E.164 format, with the country code, e.g. +447700900000.';

const fake = useFakeSendApi();
const byId = (value: string | number) => ({ __rl: true, mode: 'id', value: String(value) });

const UNKNOWN_SESSION_FIX =
	'The session ID is wrong: this SendApi account has no session with that ID. Use the ID of one of its sessions (Session → Get Many lists them).';

async function sendBulk(options: {
	phones: string[];
	asAiTool: boolean;
	session?: string;
	parameters?: INodeParameters;
	continueOnFail?: boolean;
}) {
	const session = options.session ?? String(fake.api.seedSession().id);
	const items: INodeExecutionData[] = options.phones.map((phone) => ({ json: { phone } }));
	return await runNode({
		parameters: {
			resource: 'message',
			operation: 'sendBulk',
			sessions: { session: [{ id: byId(session) }] },
			to: '={{ $json.phone }}',
			messageType: 'text',
			text: 'Your order has shipped',
			plan: 'custom',
			planMessagesPerMinute: 0,
			planMessagesPerDay: 0,
			requestsPerMinute: 0,
			options: { sessionMessagesPerMinute: 0, sessionMessagesPerDay: 0 },
			...options.parameters,
		},
		items,
		credentials: fake.credentials,
		asAiTool: options.asAiTool,
		continueOnFail: options.continueOnFail,
	});
}

const reasons = (outputs: INodeExecutionData[][]) =>
	outputs[0].map((item) => (item.json as IDataObject).reason);
const sends = () =>
	fake.api.requests.filter((r) => r.method === 'POST' && /\/send(-bulk)?$/.test(r.path));

describe('Send Bulk rows a model reads', () => {
	test('one row with a bad number: the reason carries the E.164 fix and no "Row 1:"', async () => {
		const { outputs, error } = await sendBulk({ phones: ['call-me-maybe'], asAiTool: true });
		expect(error).toBeUndefined();
		expect(reasons(outputs)).toEqual([`To "call-me-maybe" contains letters. ${PHONE_FIX}`]);
		expect(sends()).toHaveLength(0);
	});

	test('the same row as a plain node keeps "Row 1:" and no fix', async () => {
		const { outputs } = await sendBulk({ phones: ['call-me-maybe'], asAiTool: false });
		expect(reasons(outputs)).toEqual(['Row 1: To "call-me-maybe" contains letters']);
	});

	test('several rows: each refused row is named by its number and row; the good row is sent', async () => {
		const { outputs } = await sendBulk({
			phones: ['call-me-maybe', '+447700900001', '07700 900123'],
			asAiTool: true,
		});
		expect(outputs[0].map((item) => item.json.status)).toEqual(['not_sent', 'sent', 'not_sent']);
		expect(reasons(outputs)).toEqual([
			`To "call-me-maybe" contains letters (row 1). ${PHONE_FIX}`,
			undefined,
			`To "07700 900123" is a national number: add the country code, e.g. +44 7700 900000 (row 3). ${PHONE_FIX}`,
		]);
		expect(sends()).toHaveLength(1);
	});

	const refused =
		'no session can send (sess_nope: SendApi: No such session: sess_nope (invalid_request_error resource_missing)';

	test('rows SendApi refuses: the recipient, the row when several, and SendApi’s advice', async () => {
		const one = await sendBulk({ phones: ['+447700900001'], session: 'sess_nope', asAiTool: true });
		expect(reasons(one.outputs)).toEqual([
			`Not sent to +447700900001: ${refused}. ${UNKNOWN_SESSION_FIX} Field: session_id.)`,
		]);
		const two = await sendBulk({
			phones: ['+447700900001', '+447700900002'],
			session: 'sess_nope',
			asAiTool: true,
		});
		expect(reasons(two.outputs)).toEqual(
			[1, 2].map(
				(row) =>
					`Not sent to +44770090000${row} (row ${row}): ${refused}. ${UNKNOWN_SESSION_FIX} Field: session_id.)`,
			),
		);
	});

	test('the same refusal as a plain node reads as it always has', async () => {
		const { outputs } = await sendBulk({
			phones: ['+447700900001'],
			session: 'sess_nope',
			asAiTool: false,
		});
		expect(reasons(outputs)).toEqual([`${refused})`]);
	});
});

describe('Send Bulk errors a model reads', () => {
	const badPlan = { planMessagesPerMinute: -1 };
	const problem = 'Messages per Minute is -1; it must be a whole number';
	const fix = 'Enter a whole number of messages or requests, or 0 for no limit.';

	test('a wrong setting stops the tool with the fix in the message', async () => {
		const { error } = await sendBulk({
			phones: ['+447700900001'],
			asAiTool: true,
			parameters: badPlan,
		});
		expect(error?.message).toBe(`${problem}. ${fix}`);
		expect(sends()).toHaveLength(0);
	});

	test('with Continue On Fail, every row carries that message', async () => {
		const { outputs } = await sendBulk({
			phones: ['+447700900001', '+447700900002'],
			asAiTool: true,
			parameters: badPlan,
			continueOnFail: true,
		});
		expect(reasons(outputs)).toEqual([`${problem}. ${fix}`, `${problem}. ${fix}`]);
	});

	test('as a plain node the message and description stay apart', async () => {
		const { error } = await sendBulk({
			phones: ['+447700900001'],
			asAiTool: false,
			parameters: badPlan,
		});
		expect(error?.message).toBe(problem);
		expect(error?.description).toBe(fix);
	});
});
