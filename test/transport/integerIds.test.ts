/**
 * Every operation against a SendApi that issues integer ids (its client-code dialect; the fake's
 * `integerIds` mode): whatever the server answers, an id comes out of the node as a string, the
 * type SendApi documents, in every output of every operation (transport/wire/ids.ts `stringifyIds`).
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { useFakeSendApi } from '../helpers/fakeServer';
import { runNode } from '../helpers/runWorkflow';
import { TriggerHarness } from '../helpers/runTrigger';
import { readRegistry } from '../../nodes/SendApiTrigger/state';

const fake = useFakeSendApi({ integerIds: true });
const byId = (value: string | number) => ({ __rl: true, mode: 'id', value: String(value) });

async function run(parameters: INodeParameters, items?: INodeExecutionData[]) {
	const result = await runNode({ parameters, items, credentials: fake.credentials });
	expect(result.error).toBeUndefined();
	return result.outputs[0].map((item) => item.json);
}

/**
 * Where in an output an id is still a number: every field named `id`, `…_id` or `…_ids`, at any
 * depth. Empty when the node kept its promise; the explicit assertions in each test say which
 * fields must be there.
 */
function numericIds(value: unknown, path = '$'): string[] {
	if (Array.isArray(value)) return value.flatMap((entry, i) => numericIds(entry, `${path}[${i}]`));
	if (typeof value !== 'object' || value === null) return [];
	return Object.entries(value).flatMap(([key, field]) => {
		const here = `${path}.${key}`;
		const isId = key === 'id' || key.endsWith('_id');
		const isIdList = key === 'ids' || key.endsWith('_ids');
		if (isId && typeof field === 'number') return [here];
		if (isIdList && Array.isArray(field) && field.some((entry) => typeof entry === 'number')) {
			return [here];
		}
		return numericIds(field, here);
	});
}

describe('integer-id SendApi: every id comes out as a string', () => {
	test('the fake in this mode issues integers (precondition)', () => {
		const session = fake.api.seedSession();
		const [message] = fake.api.seedMessages(session.id, 1);
		expect(session.id).toBe(1);
		expect(message).toMatchObject({ id: 1, message_id: 1, session_id: 1 });
	});

	test('Session → Create, Get, Get Many, Get QR Code and Delete', async () => {
		const [created] = await run({ resource: 'session', operation: 'create', name: 'Support' });
		const id = String(fake.api.state.sessions.values().next().value?.id);
		expect(id).toBe('1');
		expect(created).toMatchObject({ id: '1', name: 'Support', status: 'pending' });

		const [got] = await run({ resource: 'session', operation: 'get', session: byId(id) });
		expect(got).toMatchObject({ id: '1', name: 'Support' });

		fake.api.seedSession({ name: 'Second' });
		const many = await run({ resource: 'session', operation: 'getAll', returnAll: true });
		expect(many.map((session) => session.id)).toEqual(['1', '2']);

		const [qr] = await run({ resource: 'session', operation: 'getQrCode', session: byId(id) });
		expect(qr.session_id).toBe('1');

		const [deleted] = await run({
			resource: 'session',
			operation: 'deleteSession',
			session: byId(id),
		});
		// The server's answer here is `{data: {id: 1, deleted: true}}`: the same id as Create's, as text.
		expect(deleted).toEqual({ id: '1', deleted: true });

		for (const json of [created, got, ...many, qr, deleted]) expect(numericIds(json)).toEqual([]);
	});

	test('Contact → Check Number and Get Many', async () => {
		const session = fake.api.seedSession();
		const [contact] = fake.api.seedContacts(session.id, 2);
		expect(contact.id).toBe(1);

		const [checked] = await run({
			resource: 'contact',
			operation: 'checkNumber',
			session: byId(session.id),
			phone: contact.phone,
		});
		expect(checked).toMatchObject({ phone: contact.phone, whatsapp_id: expect.any(String) });

		const contacts = await run({
			resource: 'contact',
			operation: 'getAll',
			session: byId(session.id),
			returnAll: true,
		});
		expect(contacts.map((entry) => entry.id)).toEqual(['1', '2']);
		for (const json of [checked, ...contacts]) expect(numericIds(json)).toEqual([]);
	});

	test('Message → Send, Get and Get Many, with the nested session and batch ids', async () => {
		const session = fake.api.seedSession();
		const [sent] = await run({
			resource: 'message',
			operation: 'send',
			session: byId(session.id),
			to: '+447700900001',
			messageType: 'text',
			text: 'Hi',
		});
		// Send answers `{id: 1, message_id: 1, session_id: 1, …}`.
		expect(sent).toMatchObject({ id: '1', message_id: '1', session_id: '1', status: 'accepted' });

		const [got] = await run({ resource: 'message', operation: 'get', messageId: '1' });
		expect(got).toMatchObject({ id: '1', message_id: '1', session_id: '1' });

		await run(bulkParameters(session.id), [
			{ json: { phone: '+447700900002' } },
			{ json: { phone: '+447700900003' } },
		]);
		const listed = await run({
			resource: 'message',
			operation: 'getAll',
			session: byId(session.id),
			returnAll: true,
		});
		expect(listed).toHaveLength(3);
		const fromBulk = listed.filter((message) => message.batch_id !== undefined);
		expect(fromBulk.map((message) => message.batch_id)).toEqual(['1', '1']);
		expect(listed.map((message) => message.session_id)).toEqual(['1', '1', '1']);
		expect(listed.map((message) => typeof message.id)).toEqual(['string', 'string', 'string']);
		for (const json of [sent, got, ...listed]) expect(numericIds(json)).toEqual([]);
	});

	test('Message → Send Bulk: message_id, batch_id and session_id of every row', async () => {
		const session = fake.api.seedSession();
		const identical = await run(bulkParameters(session.id), [
			{ json: { phone: '+447700900002' } },
			{ json: { phone: '+447700900003' } },
		]);
		expect(identical.map((row) => [row.status, row.batch_id, row.session_id])).toEqual([
			['queued', '1', '1'],
			['queued', '1', '1'],
		]);

		const personal = await run({ ...bulkParameters(session.id), text: '=Hi {{ $json.name }}' }, [
			{ json: { phone: '+447700900004', name: 'Ann' } },
			{ json: { phone: '+447700900005', name: 'Bo' } },
		]);
		expect(personal.map((row) => [row.status, row.message_id, row.session_id])).toEqual([
			['sent', '3', '1'],
			['sent', '4', '1'],
		]);
		for (const json of [...identical, ...personal]) expect(numericIds(json)).toEqual([]);
	});

	test('Group → Create, Get Many and Update', async () => {
		const session = fake.api.seedSession();
		const [created] = await run({
			resource: 'group',
			operation: 'create',
			session: byId(session.id),
			name: 'Team',
			participants: '+447700900001',
		});
		expect(created).toMatchObject({ id: '1', session_id: '1', name: 'Team' });

		const groups = await run({
			resource: 'group',
			operation: 'getAll',
			session: byId(session.id),
			returnAll: true,
		});
		expect(groups.map((group) => [group.id, group.session_id])).toEqual([['1', '1']]);

		const [updated] = await run({
			resource: 'group',
			operation: 'update',
			group: byId('1'),
			updateFields: { name: 'Team 2' },
		});
		expect(updated).toMatchObject({ id: '1', session_id: '1', name: 'Team 2' });
		for (const json of [created, ...groups, updated]) expect(numericIds(json)).toEqual([]);
	});

	test('API errors name the item, and keep an integer request id as text', async () => {
		const session = fake.api.seedSession();
		const { outputs } = await runNode({
			parameters: { resource: 'session', operation: 'get', session: byId('={{ $json.id }}') },
			items: [{ json: { id: session.id } }, { json: { id: 99 } }],
			credentials: fake.credentials,
			continueOnFail: true,
		});
		expect(outputs[0].map((item) => item.json.error)).toEqual([
			undefined,
			'Item 2: SendApi: No such session: 99 (invalid_request_error resource_missing)',
		]);

		// A 401 carries SendApi's `meta.request_id`, an integer from this server.
		const { error } = await runNode({
			parameters: { resource: 'session', operation: 'getAll', returnAll: true },
			credentials: { ...fake.credentials, apiKey: 'sk_test_wrong' },
		});
		const requestId = fake.api.requests.at(-1)?.requestId;
		expect(requestId).toMatch(/^\d+$/);
		expect(error?.message).toBe('Item 1: SendApi: Invalid API key (authentication_error 4011)');
		expect(error?.description).toContain(`SendApi request id: ${requestId}.`);
		expect(error?.context?.sendApi).toMatchObject({ request_id: requestId, code: 4011 });
	});

	test('SendApi Trigger: the webhook id it keeps is text, and it is what it deletes', async () => {
		const harness = await TriggerHarness.start({
			credentials: fake.credentials,
			parameters: { events: ['message.received'] },
		});
		try {
			await harness.activate();
			const [entry] = Object.values(readRegistry(harness.staticData));
			expect(entry.id).toBe('1');
			expect(await harness.deactivate()).toBe(true);
			expect(fake.api.requests.at(-1)).toMatchObject({
				method: 'DELETE',
				path: '/v1/webhooks/1',
				status: 200,
			});
		} finally {
			await harness.close();
		}
	});
});

function bulkParameters(sessionId: string | number): INodeParameters {
	return {
		resource: 'message',
		operation: 'sendBulk',
		sessions: { session: [{ id: byId(sessionId) }] },
		to: '={{ $json.phone }}',
		messageType: 'text',
		text: 'Same for all',
		plan: 'custom',
		planMessagesPerMinute: 0,
		planMessagesPerDay: 0,
		requestsPerMinute: 0,
		options: { checkTodaysUsage: false, sessionMessagesPerMinute: 0, sessionMessagesPerDay: 0 },
	};
}
