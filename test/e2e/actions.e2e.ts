/**
 * Session, contact, message-list and group operations of the SendApi node, run by a real n8n from
 * the packed tarball (`n8n execute`), against the fake SendApi server.
 */
import { N8nHome, nodeItems } from './helpers/n8nProcess';
import {
	authHeaders,
	credentialFor,
	E2E_API_KEY,
	requestsTo,
	startFake,
	type FakeSendApi,
} from './helpers/fake';
import { byId, chain, manualTrigger, sendApi, wfId, type CredentialRef } from './helpers/workflows';

const CRED: CredentialRef = { id: wfId('credActions'), name: 'SendApi e2e (actions)' };
const PNG_SIGNATURE = '89504e470d0a1a0a';

let fake: FakeSendApi;
let home: N8nHome;
const S1 = 'sess_e2e_actions';

const WF = {
	sessionCreate: wfId('wfSessionCreate'),
	sessionOps: wfId('wfSessionOps'),
	contactCheck: wfId('wfContactCheck'),
	messagesList: wfId('wfMessagesList'),
	groups: wfId('wfGroups'),
};
const SEEDED_MESSAGES = 250;

beforeAll(async () => {
	fake = await startFake();
	fake.seedSession({ id: S1, name: 'E2E actions' });
	fake.seedContacts(S1, 3);
	fake.seedMessages(S1, SEEDED_MESSAGES, { direction: 'in' });
	fake.seedMessages(S1, 5, { direction: 'out' });
	home = N8nHome.create('actions');
	await home.importCredentials([credentialFor(fake, CRED)]);
	await home.importWorkflows([
		chain(WF.sessionCreate, 'e2e session create', [
			manualTrigger(),
			sendApi('Create Session', CRED, {
				resource: 'session',
				operation: 'create',
				name: 'Support line',
			}),
		]),
		chain(WF.sessionOps, 'e2e session get / get many / QR', [
			manualTrigger(),
			sendApi('Get Session', CRED, { resource: 'session', operation: 'get', session: byId(S1) }),
			sendApi(
				'Get Many Sessions',
				CRED,
				{ resource: 'session', operation: 'getAll', returnAll: true },
				{ alwaysOutputData: true },
			),
		]),
		chain(WF.contactCheck, 'e2e contact check', [
			manualTrigger(),
			sendApi('Check Number', CRED, {
				resource: 'contact',
				operation: 'checkNumber',
				session: byId(S1),
				phone: '+44 (7700) 900-123',
			}),
			sendApi('Get Contacts', CRED, {
				resource: 'contact',
				operation: 'getAll',
				session: byId(S1),
				returnAll: true,
			}),
		]),
		chain(WF.messagesList, 'e2e messages get many (return all)', [
			manualTrigger(),
			sendApi('Incoming Messages', CRED, {
				resource: 'message',
				operation: 'getAll',
				session: byId(S1),
				returnAll: true,
				filters: { direction: 'in' },
			}),
		]),
		chain(WF.groups, 'e2e group create → update → get many', [
			manualTrigger(),
			sendApi('Create Group', CRED, {
				resource: 'group',
				operation: 'create',
				session: byId(S1),
				name: 'E2E Team',
				participants: '+44 7700 900401, +447700900402',
				additionalFields: { description: 'Made by the e2e test' },
			}),
			sendApi('Update Group', CRED, {
				resource: 'group',
				operation: 'update',
				group: byId('={{ $json.id }}'),
				updateFields: {
					name: 'E2E Team renamed',
					addParticipants: '+447700900403',
					removeParticipants: '+447700900401',
				},
			}),
			sendApi('Get Groups', CRED, {
				resource: 'group',
				operation: 'getAll',
				session: byId(S1),
				returnAll: true,
			}),
		]),
	]);
});

afterAll(async () => {
	await fake?.close();
});

test('session create: the answer and the QR code as a PNG binary on the item', async () => {
	const { run } = await home.execute(WF.sessionCreate);
	const [item] = nodeItems(run, 'Create Session');
	expect(item.json).toMatchObject({ name: 'Support line', status: 'pending' });
	expect(String(item.json.id)).toMatch(/^sess_/);
	expect(String(item.json.qr_code)).toMatch(/^data:image\/png;base64,/);
	const bin = item.binary?.qrCode;
	expect(bin).toBeDefined();
	expect(bin!.mimeType).toBe('image/png');
	expect(home.readBinary(bin!).subarray(0, 8).toString('hex')).toBe(PNG_SIGNATURE);

	const posts = requestsTo(fake, 'POST', '/whatsapp/sessions');
	expect(posts).toHaveLength(1);
	expect(posts[0].body).toEqual({ name: 'Support line' });
	expect(posts[0].headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
	expect(authHeaders(fake)).toEqual([`Bearer ${E2E_API_KEY}`]);
});

test('session get and get many', async () => {
	const { run } = await home.execute(WF.sessionOps);
	expect(nodeItems(run, 'Get Session')[0].json).toMatchObject({ id: S1, status: 'connected' });
	const all = nodeItems(run, 'Get Many Sessions').map((i) => i.json.id);
	expect(all).toContain(S1);
	expect(requestsTo(fake, 'GET', `/whatsapp/sessions/${S1}`)).toHaveLength(1);
});

test('contact check normalises the number to E.164; get many returns the seeded contacts', async () => {
	const { run } = await home.execute(WF.contactCheck);
	const [checked] = nodeItems(run, 'Check Number');
	expect(checked.json).toMatchObject({
		phone: '+447700900123',
		is_whatsapp_user: true,
		whatsapp_id: '447700900123@s.whatsapp.net',
	});
	const reqs = requestsTo(fake, 'GET', /\/contacts\/.+\/check$/);
	expect(reqs).toHaveLength(1);
	expect(reqs[0].path).toBe('/v1/whatsapp/contacts/%2B447700900123/check');
	expect(reqs[0].query).toEqual({ session_id: S1 });
	expect(nodeItems(run, 'Get Contacts')).toHaveLength(3);
});

test('message get many with Return All walks every page', async () => {
	const { run } = await home.execute(WF.messagesList);
	const items = nodeItems(run, 'Incoming Messages');
	expect(items).toHaveLength(SEEDED_MESSAGES);
	expect(new Set(items.map((i) => i.json.id)).size).toBe(SEEDED_MESSAGES);
	expect(items.every((i) => i.json.direction === 'in')).toBe(true);
	const pages = requestsTo(fake, 'GET', '/whatsapp/messages');
	expect(pages.length).toBeGreaterThanOrEqual(3);
	expect(pages.every((r) => r.query.direction === 'in' && r.query.session_id === S1)).toBe(true);
	expect(pages.map((r) => r.query.page)).toEqual(pages.map((_, i) => String(i + 1)));
});

test('group create, then update by the created id, then get many', async () => {
	const { run } = await home.execute(WF.groups);
	const [created] = nodeItems(run, 'Create Group');
	expect(created.json).toMatchObject({
		name: 'E2E Team',
		description: 'Made by the e2e test',
		participants: ['+447700900401', '+447700900402'],
	});
	const [updated] = nodeItems(run, 'Update Group');
	expect(updated.json).toMatchObject({ id: created.json.id, name: 'E2E Team renamed' });
	expect([...(updated.json.participants as string[])].sort()).toEqual([
		'+447700900402',
		'+447700900403',
	]);
	const puts = requestsTo(fake, 'PUT', `/whatsapp/groups/${String(created.json.id)}`);
	expect(puts).toHaveLength(1);
	expect(puts[0].body).toEqual({
		name: 'E2E Team renamed',
		add_participants: ['+447700900403'],
		remove_participants: ['+447700900401'],
	});
	expect(nodeItems(run, 'Get Groups').map((i) => i.json.id)).toEqual([created.json.id]);
});
