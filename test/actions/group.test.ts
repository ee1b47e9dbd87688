import type { INodeParameters } from 'n8n-workflow';

import { runNode } from '../helpers/runWorkflow';
import { useFakeSendApi } from '../helpers/fakeServer';

const fake = useFakeSendApi();
const byId = (value: string | number) => ({ __rl: true, mode: 'id', value: String(value) });

async function group(parameters: INodeParameters) {
	return await runNode({
		parameters: { resource: 'group', ...parameters },
		credentials: fake.credentials,
	});
}

describe('Group → Create', () => {
	test('sends name, normalised participants and description; returns the group', async () => {
		const session = fake.api.seedSession({ id: 7 });
		const { outputs, error } = await group({
			operation: 'create',
			session: byId(session.id),
			name: ' Team updates ',
			participants: '+44 7700 900001\n0044 7700 900002, +447700900001',
			additionalFields: { description: 'Weekly news' },
		});
		expect(error).toBeUndefined();
		expect(fake.api.requests[0]).toMatchObject({
			method: 'POST',
			path: '/v1/whatsapp/groups',
			status: 201,
			body: {
				session_id: 7,
				name: 'Team updates',
				participants: ['+447700900001', '+447700900002'],
				description: 'Weekly news',
			},
		});
		expect(outputs[0][0].json).toMatchObject({
			id: expect.stringMatching(/^grp_/),
			invite_link: expect.stringMatching(/^https:\/\/chat\.whatsapp\.com\//),
			participants: ['+447700900001', '+447700900002'],
		});
	});

	test('participants from an expression returning a list; no description is left out', async () => {
		const session = fake.api.seedSession();
		const { error } = await runNode({
			parameters: {
				resource: 'group',
				operation: 'create',
				session: byId(session.id),
				name: 'G',
				participants: '={{ $json.people }}',
			},
			items: [{ json: { people: ['+447700900003', 447700900004] } }],
			credentials: fake.credentials,
		});
		expect(error).toBeUndefined();
		expect(fake.api.requests[0].body).toEqual({
			session_id: session.id,
			name: 'G',
			participants: ['+447700900003', '+447700900004'],
		});
	});

	test.each<[string, INodeParameters, string]>([
		[
			'a name of 26 characters',
			{ name: 'x'.repeat(26), participants: '+447700900001' },
			'Item 1: Name is 26 characters long; at most 25 are allowed',
		],
		[
			'no participants',
			{ name: 'G', participants: ' ' },
			'Item 1: Participants needs at least 1 phone number',
		],
		[
			'a bad participant',
			{ name: 'G', participants: '+447700900001, 12' },
			'Item 1: Participants (entry 2) "12" is not a valid international number (7 to 15 digits with the country code)',
		],
		[
			'a description over 512 characters',
			{
				name: 'G',
				participants: '+447700900001',
				additionalFields: { description: 'd'.repeat(513) },
			},
			'Item 1: Description is 513 characters long; at most 512 are allowed',
		],
	])('refuses %s by item and field', async (_name, parameters, message) => {
		const session = fake.api.seedSession();
		const { error } = await group({
			operation: 'create',
			session: byId(session.id),
			...parameters,
		});
		expect(error?.message).toBe(message);
		expect(fake.api.requests).toHaveLength(0);
	});
});

describe('Group → Get Many', () => {
	test('Return All walks the pages of one session', async () => {
		const session = fake.api.seedSession();
		const other = fake.api.seedSession();
		fake.api.seedGroups(session.id, 130);
		fake.api.seedGroups(other.id, 5);
		const { outputs } = await group({
			operation: 'getAll',
			session: byId(session.id),
			returnAll: true,
		});
		expect(outputs[0]).toHaveLength(130);
		expect(fake.api.requests.map((r) => r.query)).toEqual([
			{ session_id: String(session.id), page: '1', per_page: '100' },
			{ session_id: String(session.id), page: '2', per_page: '100' },
		]);
		expect(outputs[0].every((item) => item.json.session_id === session.id)).toBe(true);
	});

	test('Limit', async () => {
		const session = fake.api.seedSession();
		fake.api.seedGroups(session.id, 10);
		const { outputs } = await group({
			operation: 'getAll',
			session: byId(session.id),
			returnAll: false,
			limit: 3,
		});
		expect(outputs[0]).toHaveLength(3);
	});
});

describe('Group → Update', () => {
	test('renames and adds and removes participants with the chosen field names', async () => {
		const session = fake.api.seedSession();
		const [existing] = fake.api.seedGroups(session.id, 1);
		const [first] = existing.participants;
		const { outputs, error } = await group({
			operation: 'update',
			session: byId(session.id),
			group: byId(existing.id),
			updateFields: {
				name: 'Renamed',
				description: '',
				addParticipants: '+447700900011, +447700900012',
				removeParticipants: first,
			},
		});
		expect(error).toBeUndefined();
		expect(fake.api.requests[0]).toMatchObject({
			method: 'PUT',
			path: `/v1/whatsapp/groups/${existing.id}`,
			status: 200,
			body: {
				name: 'Renamed',
				description: '',
				add_participants: ['+447700900011', '+447700900012'],
				remove_participants: [first],
			},
		});
		expect(outputs[0][0].json).toMatchObject({
			name: 'Renamed',
			description: '',
			participants: ['+447700900011', '+447700900012'],
		});
	});

	test('only the fields given are sent, and the session is not needed with a group ID', async () => {
		const session = fake.api.seedSession();
		const [existing] = fake.api.seedGroups(session.id, 1);
		const { error } = await group({
			operation: 'update',
			group: byId(existing.id),
			updateFields: { description: 'New' },
		});
		expect(error).toBeUndefined();
		expect(fake.api.requests[0].body).toEqual({ description: 'New' });
	});

	test.each<[string, INodeParameters, string]>([
		['no change', { updateFields: {} }, 'Item 1: Update Fields has no changes'],
		['an empty name', { updateFields: { name: ' ' } }, 'Item 1: Name is empty'],
		[
			'a name of 26 characters',
			{ updateFields: { name: 'n'.repeat(26) } },
			'Item 1: Name is 26 characters long; at most 25 are allowed',
		],
		[
			'an empty participant list',
			{ updateFields: { addParticipants: '' } },
			'Item 1: Add Participants needs at least 1 phone number',
		],
		['no group', { group: byId(' '), updateFields: { name: 'x' } }, 'Item 1: Group is empty'],
	])('refuses %s by item and field', async (_name, parameters, message) => {
		const session = fake.api.seedSession();
		const [existing] = fake.api.seedGroups(session.id, 1);
		const { error } = await group({ operation: 'update', group: byId(existing.id), ...parameters });
		expect(error?.message).toBe(message);
		expect(fake.api.requests).toHaveLength(0);
	});
});
