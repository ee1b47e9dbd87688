import { runNode } from '../helpers/runWorkflow';
import { useFakeSendApi } from '../helpers/fakeServer';

const fake = useFakeSendApi();
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const byId = (value: string) => ({ __rl: true, mode: 'id', value });

describe('Session resource', () => {
	test('Create posts the name and webhook URL and returns the QR code as a PNG binary', async () => {
		const { outputs, error } = await runNode({
			parameters: {
				resource: 'session',
				operation: 'create',
				name: 'Support line',
				options: { webhookUrl: 'https://example.com/hook' },
			},
			credentials: fake.credentials,
		});
		expect(error).toBeUndefined();
		const [item] = outputs[0];
		expect(item.json).toMatchObject({ name: 'Support line', status: 'pending' });
		expect(String(item.json.id)).toMatch(/^sess_/);
		expect(String(item.json.qr_code)).toMatch(/^data:image\/png;base64,/);
		expect(item.binary?.qrCode).toMatchObject({ mimeType: 'image/png', fileExtension: 'png' });
		expect(Buffer.from(item.binary!.qrCode.data, 'base64').subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(item.pairedItem).toEqual({ item: 0 });

		const post = fake.api.requests.find((r) => r.method === 'POST');
		expect(post?.path).toBe('/v1/whatsapp/sessions');
		expect(post?.body).toEqual({ name: 'Support line', webhook_url: 'https://example.com/hook' });
		expect(post?.headers.authorization).toBe(`Bearer ${fake.api.apiKey}`);
		expect(String(post?.headers['idempotency-key'])).toMatch(/^[0-9a-f-]{36}$/);
	});

	test('Create puts the QR into the binary field the user named', async () => {
		const { outputs } = await runNode({
			parameters: {
				resource: 'session',
				operation: 'create',
				name: 'A',
				options: { binaryPropertyName: 'pairing' },
			},
			credentials: fake.credentials,
		});
		expect(Object.keys(outputs[0][0].binary ?? {})).toEqual(['pairing']);
	});

	test('Get QR Code returns a binary PNG for an existing session', async () => {
		const session = fake.api.seedSession({ status: 'pending' });
		const { outputs, error } = await runNode({
			parameters: {
				resource: 'session',
				operation: 'getQrCode',
				session: byId(String(session.id)),
			},
			credentials: fake.credentials,
		});
		expect(error).toBeUndefined();
		const [item] = outputs[0];
		expect(item.json.session_id).toBe(session.id);
		expect(Buffer.from(item.binary!.qrCode.data, 'base64').subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(fake.api.requests.at(-1)?.path).toBe(`/v1/whatsapp/sessions/${session.id}/qr`);
	});

	test('Get returns one session per input item, each paired with its item', async () => {
		const first = fake.api.seedSession({ name: 'First' });
		const second = fake.api.seedSession({ name: 'Second' });
		const { outputs } = await runNode({
			parameters: { resource: 'session', operation: 'get', session: byId('={{ $json.id }}') },
			items: [{ json: { id: first.id } }, { json: { id: second.id } }],
			credentials: fake.credentials,
		});
		expect(outputs[0].map((item) => item.json.name)).toEqual(['First', 'Second']);
		expect(outputs[0].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	test('Get Many with Return All walks every page', async () => {
		for (let n = 0; n < 230; n++) fake.api.seedSession({ name: `S${n}` });
		const { outputs } = await runNode({
			parameters: { resource: 'session', operation: 'getAll', returnAll: true },
			credentials: fake.credentials,
		});
		expect(outputs[0]).toHaveLength(230);
		expect(new Set(outputs[0].map((item) => item.json.id)).size).toBe(230);
		const pages = fake.api.requests
			.filter((r) => r.path === '/v1/whatsapp/sessions')
			.map((r) => r.query.page);
		expect(pages).toEqual(['1', '2', '3']);
	});

	test('Get Many with a Limit stops early and asks for small pages', async () => {
		for (let n = 0; n < 30; n++) fake.api.seedSession();
		const { outputs } = await runNode({
			parameters: { resource: 'session', operation: 'getAll', returnAll: false, limit: 7 },
			credentials: fake.credentials,
		});
		expect(outputs[0]).toHaveLength(7);
		expect(fake.api.requests).toHaveLength(1);
		expect(fake.api.requests[0].query.per_page).toBe('7');
	});

	test('Delete removes the session and reports it', async () => {
		const session = fake.api.seedSession();
		const { outputs } = await runNode({
			parameters: {
				resource: 'session',
				operation: 'deleteSession',
				session: byId(String(session.id)),
			},
			credentials: fake.credentials,
		});
		expect(outputs[0][0].json).toMatchObject({ id: session.id, deleted: true });
		expect(fake.api.state.getSession(session.id)).toBeUndefined();
	});

	test('an unknown session becomes a NodeApiError naming the item, with SendApi type, code and request id', async () => {
		const { error } = await runNode({
			parameters: { resource: 'session', operation: 'get', session: byId('sess_missing') },
			credentials: fake.credentials,
		});
		expect(error?.name).toBe('NodeApiError');
		expect(error?.message).toBe(
			'Item 1: SendApi: No such session: sess_missing (invalid_request_error resource_missing)',
		);
		expect(error?.context?.itemIndex).toBe(0);
		expect(error?.httpCode).toBe('404');
		expect(error?.description).toMatch(/SendApi request id: \S+/);
		expect(error?.context?.sendApi).toMatchObject({ httpCode: '404' });
	});

	test('an API error of a later item names that item (1-based), as input errors do', async () => {
		const good = fake.api.seedSession({ name: 'Good' });
		const { error } = await runNode({
			parameters: { resource: 'session', operation: 'get', session: byId('={{ $json.id }}') },
			items: [{ json: { id: good.id } }, { json: { id: 'sess_nope' } }],
			credentials: fake.credentials,
		});
		expect(error?.name).toBe('NodeApiError');
		expect(error?.message).toBe(
			'Item 2: SendApi: No such session: sess_nope (invalid_request_error resource_missing)',
		);
		expect(error?.context?.itemIndex).toBe(1);
		expect(error?.context?.sendApi).toMatchObject({ httpCode: '404', code: 'resource_missing' });
	});

	test('a session expression that resolves to nothing is refused before any request, naming item and field', async () => {
		const { error } = await runNode({
			parameters: {
				resource: 'session',
				operation: 'get',
				session: byId('={{ $json.session_id }}'),
			},
			items: [{ json: { other: 1 } }],
			credentials: fake.credentials,
		});
		expect(error?.name).toBe('NodeOperationError');
		expect(error?.message).toBe('Item 1: Session is empty');
		expect(fake.api.requests).toHaveLength(0);
	});

	test('a wrong API key is reported as such', async () => {
		const { error } = await runNode({
			parameters: { resource: 'session', operation: 'getAll', returnAll: true },
			credentials: { ...fake.credentials, apiKey: 'sk_test_wrong' },
		});
		expect(error?.httpCode).toBe('401');
		expect(error?.message).toMatch(/4011/);
		expect(error?.description).toMatch(/API key/);
	});

	test('with Continue On Fail a failing item carries its error and the others go on', async () => {
		const good = fake.api.seedSession({ name: 'Good' });
		const { outputs, error } = await runNode({
			parameters: { resource: 'session', operation: 'get', session: byId('={{ $json.id }}') },
			items: [{ json: { id: 'sess_nope' } }, { json: { id: good.id } }, { json: { id: '' } }],
			credentials: fake.credentials,
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		const [missing, found, empty] = outputs[0];
		expect(missing.json.error).toBe(
			'Item 1: SendApi: No such session: sess_nope (invalid_request_error resource_missing)',
		);
		expect(missing.json.sendapi_error).toMatchObject({ httpCode: '404' });
		expect(found.json.name).toBe('Good');
		expect(empty.json.error).toBe('Item 3: Session is empty');
		expect(outputs[0].map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
		]);
	});
});
