/** The fake SendApi server itself: contract, limits, faults, idempotency, webhooks. */
import { createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateSync } from 'node:zlib';
import { Agent, request } from 'undici';

import {
	crc32,
	type FakeSendApi,
	keepRefusalsFromEnv,
	PNG_SIGNATURE,
	sampleFile,
	startFakeSendApi,
} from '../fake-sendapi';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
let clock = T0;
const now = () => clock;

const agent = new Agent({ keepAliveTimeout: 1000 });
let fake: FakeSendApi;

interface Res {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	text: string;
	json: any;
}

async function call(
	method: string,
	path: string,
	opts: {
		body?: unknown;
		raw?: string;
		key?: string | null;
		headers?: Record<string, string>;
		server?: FakeSendApi;
	} = {},
): Promise<Res> {
	const srv = opts.server ?? fake;
	const headers: Record<string, string> = { ...opts.headers };
	const key = opts.key === undefined ? srv.apiKey : opts.key;
	if (key !== null) headers.authorization = `Bearer ${key}`;
	let body: string | undefined;
	if (opts.raw !== undefined) body = opts.raw;
	else if (opts.body !== undefined) body = JSON.stringify(opts.body);
	if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
	const r = await request(`${srv.baseUrl}${path}`, {
		method: method as 'GET',
		headers,
		body,
		dispatcher: agent,
	});
	const text = await r.body.text();
	let json: any;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: r.statusCode, headers: r.headers, text, json };
}

function expectInvalid(r: Res, param: string, code = 'invalid_parameter') {
	expect(r.status).toBe(400);
	expect(r.json.error).toMatchObject({ type: 'invalid_request_error', code, param });
	expect(typeof r.json.error.message).toBe('string');
}

/** A local webhook receiver that records raw bodies and headers. */
async function receiver(status = 200) {
	const got: Array<{ headers: http.IncomingHttpHeaders; raw: string }> = [];
	const srv = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			got.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
			res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
			res.end('ok');
		});
	});
	await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
	const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`;
	return {
		url,
		got,
		close: () =>
			new Promise<void>((r) => {
				srv.closeAllConnections();
				srv.close(() => r());
			}),
	};
}

const hmac = (raw: string, secret: string) =>
	`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

beforeAll(async () => {
	fake = await startFakeSendApi({ now });
});
afterAll(async () => {
	await fake.close();
	await agent.close();
});
beforeEach(() => {
	clock = T0;
	fake.reset();
});

describe('auth and envelopes', () => {
	test('missing key → 401 code 4010 with request id', async () => {
		const r = await call('GET', '/whatsapp/sessions', { key: null });
		expect(r.status).toBe(401);
		expect(r.json).toMatchObject({
			success: false,
			error: { type: 'authentication_error', code: 4010 },
		});
		expect(r.json.meta.request_id).toBe(r.headers['x-request-id']);
		expect(typeof r.json.meta.timestamp).toBe('string');
	});

	test('unknown key → 401 code 4011; extra keys are accepted', async () => {
		const r = await call('GET', '/whatsapp/sessions', { key: 'sk_live_nope' });
		expect(r.status).toBe(401);
		expect(r.json.error.code).toBe(4011);
		const other = await startFakeSendApi({ apiKeys: ['sk_live_a', 'sk_live_b'] });
		try {
			expect(other.apiKey).toBe('sk_live_a');
			expect(
				(await call('GET', '/whatsapp/sessions', { server: other, key: 'sk_live_b' })).status,
			).toBe(200);
		} finally {
			await other.close();
		}
	});

	test('unknown route and wrong method → 404 error shape; rate headers present', async () => {
		const r = await call('GET', '/whatsapp/nope');
		expect(r.status).toBe(404);
		expect(r.json.error.type).toBe('invalid_request_error');
		expect(r.headers['x-request-id']).toMatch(/^req_/);
		expect(r.headers['x-ratelimit-limit']).toBeDefined();
		expect((await call('PATCH', '/whatsapp/sessions')).status).toBe(404);
	});

	test('non-JSON body and wrong content type → 400', async () => {
		const s = fake.seedSession();
		expect((await call('POST', '/whatsapp/send', { raw: '{nope' })).json.error.code).toBe(
			'invalid_json',
		);
		const r = await call('POST', '/whatsapp/send', {
			raw: JSON.stringify({ session_id: s.id, to: '+447700900001', content: 'x' }),
			headers: { 'content-type': 'text/plain' },
		});
		expect(r.status).toBe(400);
		expect((await call('POST', '/whatsapp/send', { body: [1] })).status).toBe(400);
	});

	test('every request is logged with lower-cased headers and parsed body', async () => {
		const s = fake.seedSession();
		await call('POST', '/whatsapp/send', {
			body: { session_id: s.id, to: '+447700900001', content: 'hi' },
			headers: { 'Idempotency-Key': 'k1' },
		});
		const log = fake.requests[fake.requests.length - 1];
		expect(log).toMatchObject({ method: 'POST', path: '/v1/whatsapp/send', status: 200, at: T0 });
		expect(log.headers['idempotency-key']).toBe('k1');
		expect(log.body).toEqual({ session_id: s.id, to: '+447700900001', content: 'hi' });
	});
});

describe('sessions', () => {
	test('create → pending with a valid PNG QR, list, get, qr, delete', async () => {
		const c = await call('POST', '/whatsapp/sessions', {
			body: { name: 'Shop', webhook_url: 'https://example.com/wh' },
		});
		expect(c.status).toBe(201);
		expect(c.json).toMatchObject({
			name: 'Shop',
			status: 'pending',
			qr_expires_at: new Date(T0 + 120_000).toISOString(),
		});
		expect(c.json.id).toMatch(/^sess_/);
		const png = Buffer.from(c.json.qr_code.replace(/^data:image\/png;base64,/, ''), 'base64');
		expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
		// Walk the chunks: CRCs must match and IDAT must inflate to height*(width+1) bytes.
		let off = 8;
		let w = 0;
		let h = 0;
		const idat: Buffer[] = [];
		const types: string[] = [];
		while (off < png.length) {
			const len = png.readUInt32BE(off);
			const type = png.toString('ascii', off + 4, off + 8);
			const data = png.subarray(off + 8, off + 8 + len);
			expect(png.readUInt32BE(off + 8 + len)).toBe(crc32(png.subarray(off + 4, off + 8 + len)));
			if (type === 'IHDR') {
				w = data.readUInt32BE(0);
				h = data.readUInt32BE(4);
			}
			if (type === 'IDAT') idat.push(data);
			types.push(type);
			off += 12 + len;
		}
		expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
		expect(inflateSync(Buffer.concat(idat)).length).toBe(h * (w + 1));

		const list = await call('GET', '/whatsapp/sessions');
		expect(list.json.data).toHaveLength(1);
		expect(Object.keys(list.json.data[0]).sort()).toEqual(
			['id', 'last_seen_at', 'message_count', 'name', 'phone_number', 'status'].sort(),
		);
		expect(list.json.meta).toEqual({ total: 1, page: 1, per_page: 25, last_page: 1 });

		const one = await call('GET', `/whatsapp/sessions/${c.json.id}`);
		expect(one.json.data).toMatchObject({
			id: c.json.id,
			status: 'pending',
			webhook_url: 'https://example.com/wh',
		});

		const qr = await call('GET', `/whatsapp/sessions/${c.json.id}/qr`);
		expect(qr.json.data.qr_code).toMatch(/^data:image\/png;base64,/);
		expect(qr.json.data.status).toBe('pending');

		const del = await call('DELETE', `/whatsapp/sessions/${c.json.id}`);
		expect(del.json).toEqual({ data: { id: c.json.id, deleted: true } });
		const gone = await call('GET', `/whatsapp/sessions/${c.json.id}`);
		expect(gone.status).toBe(404);
		expect(gone.json.error).toMatchObject({
			type: 'invalid_request_error',
			code: 'resource_missing',
		});
	});

	test('validation: name required and ≤100, webhook_url must be http(s)', async () => {
		expectInvalid(
			await call('POST', '/whatsapp/sessions', { body: {} }),
			'name',
			'missing_parameter',
		);
		expectInvalid(
			await call('POST', '/whatsapp/sessions', { body: { name: 'x'.repeat(101) } }),
			'name',
		);
		expectInvalid(
			await call('POST', '/whatsapp/sessions', { body: { name: 'a', webhook_url: 'ftp://x.y' } }),
			'webhook_url',
		);
		expectInvalid(
			await call('POST', '/whatsapp/sessions', { body: { name: 'a', extra: 1 } }),
			'extra',
		);
	});

	test('autoConnectSessions creates connected sessions', async () => {
		const other = await startFakeSendApi({ autoConnectSessions: true });
		try {
			const c = await call('POST', '/whatsapp/sessions', { server: other, body: { name: 'A' } });
			expect(c.json.status).toBe('connected');
			const send = await call('POST', '/whatsapp/send', {
				server: other,
				body: { session_id: c.json.id, to: '+447700900001', content: 'hi' },
			});
			expect(send.status).toBe(200);
		} finally {
			await other.close();
		}
	});
});

describe('integerIds: the client-code dialect numbers everything', () => {
	let ints: FakeSendApi;
	beforeAll(async () => {
		ints = await startFakeSendApi({ integerIds: true, autoConnectSessions: true });
	});
	afterAll(async () => {
		await ints.close();
	});
	beforeEach(() => ints.reset());

	test('sessions, messages, batches, groups, webhooks and contacts get integers per kind; lookups by path work', async () => {
		const created = await call('POST', '/whatsapp/sessions', { server: ints, body: { name: 'A' } });
		expect(created.json.id).toBe(1);
		const sent = await call('POST', '/whatsapp/send', {
			server: ints,
			body: { session_id: 1, to: '+447700900001', content: 'hi' },
		});
		expect(sent.json.data).toMatchObject({ id: 1, message_id: 1, session_id: 1 });
		const bulk = await call('POST', '/whatsapp/send-bulk', {
			server: ints,
			body: { session_id: 1, recipients: ['+447700900002', '+447700900003'], content: 'hi' },
		});
		expect(bulk.json.batch_id).toBe(1);
		const got = await call('GET', '/whatsapp/messages/3', { server: ints });
		expect(got.json.data).toMatchObject({ id: 3, session_id: 1, batch_id: 1, to: '+447700900003' });
		const group = await call('POST', '/whatsapp/groups', {
			server: ints,
			body: { session_id: 1, name: 'G', participants: ['+447700900001'] },
		});
		expect(group.json.data).toMatchObject({ id: 1, session_id: 1 });
		expect(
			(await call('PUT', '/whatsapp/groups/1', { server: ints, body: { name: 'H' } })).json.data
				.name,
		).toBe('H');
		const hook = await call('POST', '/webhooks', {
			server: ints,
			body: { url: 'https://example.com/h', events: ['*'] },
		});
		expect(hook.json.data.id).toBe(1);
		expect((await call('DELETE', '/webhooks/1', { server: ints })).status).toBe(200);
		ints.seedContacts(1, 2);
		const contacts = await call('GET', '/whatsapp/contacts?session_id=1', { server: ints });
		expect(contacts.json.data.map((c: { id: number }) => c.id)).toEqual([1, 2]);
		expect((await call('DELETE', '/whatsapp/sessions/1', { server: ints })).json.data).toEqual({
			id: 1,
			deleted: true,
		});
	});

	test('a session seeded with an integer id is skipped when numbering, and error bodies carry an integer request id', async () => {
		ints.seedSession({ id: 1 });
		expect(
			(await call('POST', '/whatsapp/sessions', { server: ints, body: { name: 'B' } })).json.id,
		).toBe(2);
		const refused = await call('GET', '/whatsapp/sessions', { server: ints, key: 'sk_test_nope' });
		expect(refused.status).toBe(401);
		expect(typeof refused.json.meta.request_id).toBe('number');
		expect(refused.headers['x-request-id']).toBe(String(refused.json.meta.request_id));
	});
});

describe('send', () => {
	test('docs dialect (text + content twin) → {data:{id,message_id,status:accepted}}', async () => {
		const s = fake.seedSession();
		const r = await call('POST', '/whatsapp/send', {
			body: {
				session_id: s.id,
				to: '+447700900000',
				type: 'text',
				text: { body: 'Hello' },
				content: 'Hello',
			},
		});
		expect(r.status).toBe(200);
		expect(r.json.data).toMatchObject({
			session_id: s.id,
			to: '+447700900000',
			type: 'text',
			status: 'accepted',
		});
		expect(r.json.data.id).toMatch(/^msg_/);
		expect(r.json.data.message_id).toBe(r.json.data.id);
		expect(fake.state.messages).toHaveLength(1);
		expect(fake.state.messages[0]).toMatchObject({
			dialect: 'docs',
			content: { body: 'Hello' },
			direction: 'out',
		});
		expect(s.message_count).toBe(1);
	});

	test('client-code dialect with integer session id; "42" and 42 both match', async () => {
		const s = fake.seedSession({ id: 42 });
		const a = await call('POST', '/whatsapp/send', {
			body: { session_id: 42, to: '+447700900000', content: 'Hi' },
		});
		expect(a.status).toBe(200);
		expect(a.json.data.session_id).toBe(42);
		const b = await call('POST', '/whatsapp/send', {
			body: { session_id: '42', to: '+447700900000', content: 'Hi', type: 'text' },
		});
		expect(b.status).toBe(200);
		expect(fake.state.messages.map((m) => m.dialect)).toEqual(['client', 'client']);
		expect(s.message_count).toBe(2);
		expect((await call('GET', '/whatsapp/sessions/42')).json.data.id).toBe(42);
	});

	const media = { url: 'https://example.com/a.png' };
	const valid: Array<[string, Record<string, unknown>]> = [
		['image url', { type: 'image', image: { ...media, caption: 'c' } }],
		[
			'image base64',
			{ type: 'image', image: { base64: 'aGVsbG8=', mime_type: 'image/png', filename: 'a.png' } },
		],
		['video', { type: 'video', video: { url: 'https://example.com/v.mp4' } }],
		['audio', { type: 'audio', audio: { url: 'https://example.com/a.ogg' } }],
		[
			'document',
			{
				type: 'document',
				document: { url: 'https://example.com/d.pdf', filename: 'd.pdf', caption: 'x' },
			},
		],
		[
			'location',
			{ type: 'location', location: { lat: 51.5, lng: -0.12, label: 'HQ', address: 'London' } },
		],
		[
			'contact',
			{
				type: 'contact',
				contact: {
					vcard: 'BEGIN:VCARD\nVERSION:3.0\nFN:A\nEND:VCARD',
					name: 'A',
					phone: '+447700900002',
				},
			},
		],
		[
			'template',
			{
				type: 'template',
				template: {
					name: 'hello_world',
					language: 'en_US',
					components: [{ type: 'body', parameters: [] }],
				},
			},
		],
		[
			'interactive button',
			{
				type: 'interactive',
				interactive: {
					type: 'button',
					body: { text: 'Pick' },
					header: { type: 'text', text: 'H' },
					footer: { text: 'F' },
					action: { buttons: [{ type: 'reply', reply: { id: 'y', title: 'Yes' } }] },
				},
			},
		],
		[
			'interactive list',
			{
				type: 'interactive',
				interactive: {
					type: 'list',
					body: { text: 'Pick' },
					action: {
						button: 'Menu',
						sections: [{ title: 'S', rows: [{ id: 'r1', title: 'Row', description: 'd' }] }],
					},
				},
			},
		],
		[
			'poll',
			{
				type: 'poll',
				poll: { question: 'Q?', options: ['a', 'b'], allow_multiple_answers: false },
			},
		],
		['client image', { type: 'image', content: 'https://example.com/a.png' }],
	];
	test.each(valid)('accepts %s', async (_name, payload) => {
		const s = fake.seedSession();
		const r = await call('POST', '/whatsapp/send', {
			body: { session_id: s.id, to: '+447700900000', ...payload },
		});
		expect(r.json).toHaveProperty('data.status', 'accepted');
	});

	const invalid: Array<[string, Record<string, unknown>, string, string?]> = [
		['missing to', { to: undefined, content: 'x' }, 'to', 'missing_parameter'],
		['bad phone', { to: '07700900000', content: 'x' }, 'to', 'invalid_phone'],
		['unknown type', { type: 'sticker', sticker: {} }, 'type'],
		['type without payload', { type: 'image' }, 'image', 'missing_parameter'],
		['neither dialect', {}, 'content', 'missing_parameter'],
		['payload without type', { text: { body: 'x' } }, 'type', 'missing_parameter'],
		['unknown top-level key', { content: 'x', foo: 1 }, 'foo'],
		['two payloads', { type: 'text', text: { body: 'x' }, image: media }, 'image'],
		[
			'content differs from text.body',
			{ type: 'text', text: { body: 'x' }, content: 'y' },
			'content',
		],
		['content with image payload', { type: 'image', image: media, content: 'y' }, 'content'],
		['empty text', { type: 'text', text: { body: '' } }, 'text.body'],
		[
			'poll 1 option',
			{ type: 'poll', poll: { question: 'q', options: ['a'], allow_multiple_answers: true } },
			'poll.options',
		],
		[
			'poll 13 options',
			{
				type: 'poll',
				poll: { question: 'q', options: Array(13).fill('o'), allow_multiple_answers: true },
			},
			'poll.options',
		],
		['lat out of range', { type: 'location', location: { lat: 91, lng: 0 } }, 'location.lat'],
		['lng out of range', { type: 'location', location: { lat: 0, lng: -181 } }, 'location.lng'],
		[
			'audio caption',
			{ type: 'audio', audio: { url: 'https://e.com/a.ogg', caption: 'no' } },
			'audio.caption',
		],
		[
			'document without filename',
			{ type: 'document', document: { url: 'https://e.com/d.pdf' } },
			'document.filename',
			'missing_parameter',
		],
		[
			'base64 without mime',
			{ type: 'image', image: { base64: 'aGk=', filename: 'a' } },
			'image.mime_type',
			'missing_parameter',
		],
		[
			'media url and base64',
			{ type: 'image', image: { url: 'https://e.com/a', base64: 'aGk=' } },
			'image.base64',
		],
		[
			'4 buttons',
			{
				type: 'interactive',
				interactive: {
					type: 'button',
					body: { text: 'b' },
					action: { buttons: Array(4).fill({ type: 'reply', reply: { id: 'a', title: 'A' } }) },
				},
			},
			'interactive.action.buttons',
		],
		[
			'template without language',
			{ type: 'template', template: { name: 'n' } },
			'template.language',
			'missing_parameter',
		],
		['client dialect poll', { type: 'poll', content: 'x' }, 'poll', 'missing_parameter'],
		['session_id boolean', { session_id: true, content: 'x' }, 'session_id'],
	];
	const invalidRows = invalid.map(
		([n, p, param, code]) => [n, p, param, code ?? 'invalid_parameter'] as const,
	);
	test.each(invalidRows)('refuses %s', async (_name, payload, param, code) => {
		const s = fake.seedSession();
		const r = await call('POST', '/whatsapp/send', {
			body: { session_id: s.id, to: '+447700900000', ...payload },
		});
		expectInvalid(r, param, code);
		expect(fake.state.messages).toHaveLength(0);
	});

	test('unknown session → 404, pending session → 409 session_not_connected', async () => {
		const r = await call('POST', '/whatsapp/send', {
			body: { session_id: 'sess_nope', to: '+447700900000', content: 'x' },
		});
		expect(r.status).toBe(404);
		expect(r.json.error.param).toBe('session_id');
		const p = fake.seedSession({ status: 'pending' });
		const c = await call('POST', '/whatsapp/send', {
			body: { session_id: p.id, to: '+447700900000', content: 'x' },
		});
		expect(c.status).toBe(409);
		expect(c.json.error).toMatchObject({
			type: 'invalid_request_error',
			code: 'session_not_connected',
		});
	});

	test('send-bulk: unwrapped batch answer, recipients stored as accepted messages', async () => {
		const s = fake.seedSession();
		const recipients = ['+447700900001', '+447700900002', '+447700900003'];
		const r = await call('POST', '/whatsapp/send-bulk', {
			body: {
				session_id: s.id,
				recipients,
				type: 'text',
				text: { body: 'Hi' },
				content: 'Hi',
				delay_ms: 800,
			},
		});
		expect(r.status).toBe(202);
		expect(r.json).toMatchObject({
			status: 'queued',
			total: 3,
			queued_at: new Date(T0).toISOString(),
		});
		expect(r.json.batch_id).toMatch(/^batch_/);
		const list = await call('GET', `/whatsapp/messages?session_id=${s.id}&status=accepted`);
		expect(list.json.meta.total).toBe(3);
		expect(list.json.data[0].batch_id).toBe(r.json.batch_id);
		// client dialect
		expect(
			(
				await call('POST', '/whatsapp/send-bulk', {
					body: { session_id: s.id, recipients, content: 'Hi' },
				})
			).status,
		).toBe(202);
	});

	test('send-bulk validation: 1–500 recipients, delay_ms ≥ 500, docs types only', async () => {
		const s = fake.seedSession();
		const base = { session_id: s.id, content: 'x' };
		const many = Array.from({ length: 501 }, (_, i) => `+4477009${String(10000 + i)}`);
		expectInvalid(
			await call('POST', '/whatsapp/send-bulk', { body: { ...base, recipients: [] } }),
			'recipients',
		);
		expectInvalid(
			await call('POST', '/whatsapp/send-bulk', { body: { ...base, recipients: many } }),
			'recipients',
		);
		expectInvalid(
			await call('POST', '/whatsapp/send-bulk', {
				body: { ...base, recipients: ['+447700900001', 'bad'] },
			}),
			'recipients[1]',
			'invalid_phone',
		);
		expectInvalid(
			await call('POST', '/whatsapp/send-bulk', {
				body: { ...base, recipients: ['+447700900001'], delay_ms: 100 },
			}),
			'delay_ms',
		);
		expectInvalid(
			await call('POST', '/whatsapp/send-bulk', {
				body: {
					session_id: s.id,
					recipients: ['+447700900001'],
					type: 'poll',
					poll: { question: 'q', options: ['a', 'b'], allow_multiple_answers: true },
				},
			}),
			'type',
		);
		const ok = await call('POST', '/whatsapp/send-bulk', {
			body: { ...base, recipients: many.slice(0, 500) },
		});
		expect(ok.json.total).toBe(500);
	});
});

describe('messages', () => {
	test('pagination meta across 3 pages, newest first', async () => {
		const s = fake.seedSession();
		fake.seedMessages(s.id, 60, { startAt: T0 - 3_600_000, stepMs: 1000 });
		const seen = new Set<string>();
		for (const [page, len] of [
			[1, 25],
			[2, 25],
			[3, 10],
		]) {
			const r = await call('GET', `/whatsapp/messages?page=${page}`);
			expect(r.json.meta).toEqual({ total: 60, page, per_page: 25, last_page: 3 });
			expect(r.json.data).toHaveLength(len);
			for (const m of r.json.data) seen.add(m.id);
		}
		expect(seen.size).toBe(60);
		const first = await call('GET', '/whatsapp/messages?per_page=2');
		expect(Date.parse(first.json.data[0].created_at)).toBeGreaterThan(
			Date.parse(first.json.data[1].created_at),
		);
		const r4 = await call('GET', '/whatsapp/messages?page=4');
		expect(r4.json.data).toEqual([]);
	});

	test('filters: session_id, direction, status, from_date/to_date', async () => {
		const a = fake.seedSession();
		const b = fake.seedSession({ id: 7 });
		fake.seedMessages(a.id, 5, { direction: 'in', startAt: '2025-01-01T10:00:00Z' });
		fake.seedMessages(a.id, 3, {
			direction: 'out',
			status: 'failed',
			startAt: '2025-01-02T10:00:00Z',
		});
		fake.seedMessages(b.id, 4, { startAt: '2025-01-03T10:00:00Z' });
		const q = async (qs: string) => (await call('GET', `/whatsapp/messages?${qs}`)).json.meta.total;
		expect(await q(`session_id=${a.id}`)).toBe(8);
		expect(await q('session_id=7')).toBe(4);
		expect(await q('direction=in')).toBe(5);
		expect(await q('status=failed')).toBe(3);
		expect(await q('from_date=2025-01-02T00:00:00Z')).toBe(7);
		expect(await q('to_date=2025-01-02')).toBe(8);
		expect(await q('from_date=2025-01-02&to_date=2025-01-02T23:59:59Z&direction=out')).toBe(3);
	});

	test('query validation', async () => {
		expectInvalid(await call('GET', '/whatsapp/messages?per_page=101'), 'per_page');
		expectInvalid(await call('GET', '/whatsapp/messages?page=0'), 'page');
		expectInvalid(await call('GET', '/whatsapp/messages?direction=sideways'), 'direction');
		expectInvalid(await call('GET', '/whatsapp/messages?status=sent'), 'status');
		expectInvalid(await call('GET', '/whatsapp/messages?from_date=yesterday'), 'from_date');
		expectInvalid(await call('GET', '/whatsapp/messages?limit=5'), 'limit');
	});

	test('GET /messages/{id} and 404', async () => {
		const s = fake.seedSession();
		const sent = await call('POST', '/whatsapp/send', {
			body: { session_id: s.id, to: '+447700900009', content: 'yo' },
		});
		const r = await call('GET', `/whatsapp/messages/${sent.json.data.id}`);
		expect(r.json.data).toEqual({
			id: sent.json.data.id,
			message_id: sent.json.data.id,
			session_id: s.id,
			direction: 'out',
			to: '+447700900009',
			type: 'text',
			content: { body: 'yo' },
			status: 'accepted',
			created_at: new Date(T0).toISOString(),
		});
		expect((await call('GET', '/whatsapp/messages/msg_nope')).status).toBe(404);
	});
});

describe('groups and contacts', () => {
	test('create, list with meta, update', async () => {
		const s = fake.seedSession();
		const c = await call('POST', '/whatsapp/groups', {
			body: { session_id: s.id, name: 'Team', participants: ['+447700900001'], description: 'd' },
		});
		expect(c.status).toBe(201);
		expect(c.json.data).toMatchObject({
			session_id: s.id,
			name: 'Team',
			description: 'd',
			participants: ['+447700900001'],
		});
		expect(c.json.data.id).toMatch(/^grp_/);
		expect(c.json.data.invite_link).toMatch(/^https:\/\/chat\.whatsapp\.com\/\w+/);
		fake.seedGroups(s.id, 2);
		const list = await call('GET', `/whatsapp/groups?session_id=${s.id}&per_page=2`);
		expect(list.json.meta).toEqual({ total: 3, page: 1, per_page: 2, last_page: 2 });
		const u = await call('PUT', `/whatsapp/groups/${c.json.data.id}`, {
			body: {
				name: 'Team 2',
				add_participants: ['+447700900002'],
				remove_participants: ['+447700900001'],
			},
		});
		expect(u.json.data).toMatchObject({ name: 'Team 2', participants: ['+447700900002'] });
		expect((await call('PUT', '/whatsapp/groups/grp_nope', { body: { name: 'x' } })).status).toBe(
			404,
		);
	});

	test('group validation', async () => {
		const s = fake.seedSession();
		const base = { session_id: s.id, name: 'ok', participants: ['+447700900001'] };
		expectInvalid(
			await call('POST', '/whatsapp/groups', { body: { ...base, name: 'x'.repeat(26) } }),
			'name',
		);
		expectInvalid(
			await call('POST', '/whatsapp/groups', { body: { ...base, description: 'x'.repeat(513) } }),
			'description',
		);
		expectInvalid(
			await call('POST', '/whatsapp/groups', { body: { ...base, participants: [] } }),
			'participants',
		);
		expectInvalid(
			await call('POST', '/whatsapp/groups', { body: { ...base, participants: ['447700900001'] } }),
			'participants[0]',
			'invalid_phone',
		);
		expectInvalid(await call('GET', '/whatsapp/groups'), 'session_id', 'missing_parameter');
		const g = fake.seedGroups(s.id, 1)[0];
		expectInvalid(
			await call('PUT', `/whatsapp/groups/${g.id}`, { body: {} }),
			'name',
			'missing_parameter',
		);
		expectInvalid(
			await call('PUT', `/whatsapp/groups/${g.id}`, { body: { participants: [] } }),
			'participants',
		);
	});

	test('contacts list paginated, check is deterministic and accepts %2B or bare digits', async () => {
		const s = fake.seedSession();
		fake.seedContacts(s.id, 30);
		const p2 = await call('GET', `/whatsapp/contacts?session_id=${s.id}&page=2`);
		expect(p2.json.meta).toEqual({ total: 30, page: 2, per_page: 25, last_page: 2 });
		expect(p2.json.data).toHaveLength(5);
		expect(Object.keys(p2.json.data[0]).sort()).toEqual([
			'is_whatsapp_user',
			'name',
			'phone',
			'whatsapp_id',
		]);
		expectInvalid(await call('GET', '/whatsapp/contacts'), 'session_id', 'missing_parameter');

		const yes = await call('GET', `/whatsapp/contacts/%2B447700900007/check?session_id=${s.id}`);
		expect(yes.status).toBe(200);
		expect(yes.json).toEqual({
			phone: '+447700900007',
			is_whatsapp_user: true,
			whatsapp_id: '447700900007@s.whatsapp.net',
		});
		const no = await call('GET', `/whatsapp/contacts/447700900008/check?session_id=${s.id}`);
		expect(no.json).toMatchObject({ phone: '+447700900008', is_whatsapp_user: false });
		expect(
			(await call('GET', `/whatsapp/contacts/12/check?session_id=${s.id}`)).json.error.code,
		).toBe('invalid_phone');
		expectInvalid(
			await call('GET', '/whatsapp/contacts/447700900008/check'),
			'session_id',
			'missing_parameter',
		);
	});
});

describe('idempotency', () => {
	test('same key + same body → replay, no second message; different body → 409', async () => {
		const s = fake.seedSession();
		const body = { session_id: s.id, to: '+447700900000', content: 'x' };
		const h = { 'Idempotency-Key': '3f1c8a3e-7c1b-4b8e-9b7a-0a0a0a0a0a0a' };
		const a = await call('POST', '/whatsapp/send', { body, headers: h });
		const b = await call('POST', '/whatsapp/send', {
			body: { content: 'x', to: '+447700900000', session_id: s.id },
			headers: h,
		});
		expect(b.status).toBe(a.status);
		expect(b.json).toEqual(a.json);
		expect(b.headers['idempotent-replayed']).toBe('true');
		expect(a.headers['idempotent-replayed']).toBeUndefined();
		expect(fake.state.messages).toHaveLength(1);
		const c = await call('POST', '/whatsapp/send', { body: { ...body, content: 'y' }, headers: h });
		expect(c.status).toBe(409);
		expect(c.json.error.code).toBe('idempotency_key_reused');
		expect(fake.state.messages).toHaveLength(1);
	});

	test('answers are kept 24 h; failures are not stored', async () => {
		const s = fake.seedSession({ status: 'pending' });
		const body = { session_id: s.id, to: '+447700900000', content: 'x' };
		const h = { 'Idempotency-Key': 'k-fail' };
		expect((await call('POST', '/whatsapp/send', { body, headers: h })).status).toBe(409);
		s.status = 'connected';
		expect((await call('POST', '/whatsapp/send', { body, headers: h })).status).toBe(200);
		clock += 24 * 3600_000;
		const again = await call('POST', '/whatsapp/send', { body, headers: h });
		expect(again.headers['idempotent-replayed']).toBeUndefined();
		expect(fake.state.messages).toHaveLength(2);
	});

	test('idempotencyKeepsRefusals: a refusal is replayed under its key, even after the cause is gone', async () => {
		fake.idempotencyKeepsRefusals = true;
		const s = fake.seedSession({ status: 'pending' });
		const body = { session_id: s.id, to: '+447700900000', content: 'x' };
		const h = { 'Idempotency-Key': 'k-kept-refusal' };
		expect((await call('POST', '/whatsapp/send', { body, headers: h })).status).toBe(409);
		s.status = 'connected';
		const replay = await call('POST', '/whatsapp/send', { body, headers: h });
		expect(replay.status).toBe(409);
		expect(replay.headers['idempotent-replayed']).toBe('true');
		expect(fake.state.messages).toHaveLength(0);
	});

	test('idempotencyKeepsRefusals: a 429 is kept under its key and replayed without Retry-After, a new key is tried anew', async () => {
		fake.idempotencyKeepsRefusals = true;
		fake.setLimits({ sessionMessagesPerWindow: 1 });
		const s = fake.seedSession();
		const send = (key: string, to: string) =>
			call('POST', '/whatsapp/send', {
				body: { session_id: s.id, to, content: 'x' },
				headers: { 'Idempotency-Key': key },
			});
		expect((await send('k-first', '+447700900000')).status).toBe(200);
		const refused = await send('k-refused', '+447700900001');
		expect(refused.status).toBe(429);
		expect(refused.headers['retry-after']).toBe('60');
		expect(refused.headers['idempotent-replayed']).toBeUndefined();
		clock += 60_000;
		// The session's window has room again; the key's answer is still the refusal.
		const replay = await send('k-refused', '+447700900001');
		expect(replay.status).toBe(429);
		expect(replay.json).toEqual(refused.json);
		expect(replay.headers['idempotent-replayed']).toBe('true');
		expect(replay.headers['retry-after']).toBeUndefined();
		expect(replay.headers['x-ratelimit-remaining']).toBeDefined();
		expect(fake.refused429).toBe(1);
		expect((await send('k-new', '+447700900001')).status).toBe(200);
		expect(fake.state.messages).toHaveLength(2);
	});

	test("idempotencyKeepsRefusals: the request window's 429 is kept too, but never over a stored success", async () => {
		fake.idempotencyKeepsRefusals = true;
		fake.setLimits({ requestsPerWindow: 1, windowMs: 1000 });
		const s = fake.seedSession();
		const body = { session_id: s.id, to: '+447700900000', content: 'x' };
		const send = (key: string) =>
			call('POST', '/whatsapp/send', { body, headers: { 'Idempotency-Key': key } });
		expect((await send('k-done')).status).toBe(200);
		expect((await send('k-done')).status).toBe(429);
		expect((await send('k-late')).status).toBe(429);
		clock += 1000;
		const done = await send('k-done');
		expect(done.status).toBe(200);
		expect(done.headers['idempotent-replayed']).toBe('true');
		clock += 1000;
		const late = await send('k-late');
		expect(late.status).toBe(429);
		expect(late.headers['idempotent-replayed']).toBe('true');
		expect(late.headers['retry-after']).toBeUndefined();
		expect(late.headers['retry-after-ms']).toBeUndefined();
		expect(fake.state.messages).toHaveLength(1);
	});

	test('the idempotencyKeepsRefusals option sets the switch, and reset() goes back to it', async () => {
		const strict = await startFakeSendApi({ idempotencyKeepsRefusals: true, now });
		try {
			expect(strict.idempotencyKeepsRefusals).toBe(true);
			strict.idempotencyKeepsRefusals = false;
			strict.reset();
			expect(strict.idempotencyKeepsRefusals).toBe(true);
		} finally {
			await strict.close();
		}
		fake.idempotencyKeepsRefusals = true;
		fake.reset();
		expect(fake.idempotencyKeepsRefusals).toBe(false);
		expect(keepRefusalsFromEnv({ FAKE_SENDAPI_KEEP_REFUSALS: '1' })).toBe(true);
		expect(keepRefusalsFromEnv({ FAKE_SENDAPI_KEEP_REFUSALS: 'true' })).toBe(true);
		expect(keepRefusalsFromEnv({})).toBe(false);
	});

	test('without idempotencyKeepsRefusals a 429 is not kept: the same key is tried anew', async () => {
		fake.setLimits({ sessionMessagesPerWindow: 1 });
		const s = fake.seedSession();
		const body = { session_id: s.id, to: '+447700900001', content: 'x' };
		const h = { 'Idempotency-Key': 'k-429' };
		expect(
			(await call('POST', '/whatsapp/send', { body: { ...body, to: '+447700900000' } })).status,
		).toBe(200);
		expect((await call('POST', '/whatsapp/send', { body, headers: h })).status).toBe(429);
		clock += 60_000;
		const retry = await call('POST', '/whatsapp/send', { body, headers: h });
		expect(retry.status).toBe(200);
		expect(retry.headers['idempotent-replayed']).toBeUndefined();
	});

	test('afterProcessing drop: the work is done, the retry gets the stored answer', async () => {
		const s = fake.seedSession();
		fake.faults.push({ kind: 'drop', path: '/whatsapp/send', afterProcessing: true });
		const body = { session_id: s.id, to: '+447700900000', content: 'x' };
		const h = { 'Idempotency-Key': 'lost-answer' };
		await expect(call('POST', '/whatsapp/send', { body, headers: h })).rejects.toThrow();
		expect(fake.state.messages).toHaveLength(1);
		const retry = await call('POST', '/whatsapp/send', { body, headers: h });
		expect(retry.status).toBe(200);
		expect(retry.headers['idempotent-replayed']).toBe('true');
		expect(retry.json.data.id).toBe(fake.state.messages[0].id);
		expect(fake.state.messages).toHaveLength(1);
	});
});

describe('faults', () => {
	const send = (s: { id: string | number }) =>
		call('POST', '/whatsapp/send', {
			body: { session_id: s.id, to: '+447700900000', content: 'x' },
		});

	test('429 with Retry-After (and Retry-After-Ms when given); times; no message created', async () => {
		const s = fake.seedSession();
		fake.faults.push(
			{ kind: '429', times: 2, retryAfterSeconds: 3 },
			{ kind: '429', retryAfterMs: 250 },
		);
		const a = await send(s);
		expect(a.status).toBe(429);
		expect(a.headers['retry-after']).toBe('3');
		expect(a.json).toMatchObject({
			success: false,
			error: { type: 'rate_limit_exceeded', code: 4029 },
		});
		expect((await send(s)).status).toBe(429);
		const c = await send(s);
		expect(c.headers['retry-after']).toBe('1');
		expect(c.headers['retry-after-ms']).toBe('250');
		expect((await send(s)).status).toBe(200);
		expect(fake.state.messages).toHaveLength(1);
		expect(fake.refused429).toBe(0);
		expect(fake.requests.map((r) => r.fault)).toEqual(['429', '429', '429', undefined]);
	});

	test('500 and 503 answer api_error 5000', async () => {
		const s = fake.seedSession();
		fake.faults.push({ kind: '500' }, { kind: '503' });
		for (const st of [500, 503]) {
			const r = await send(s);
			expect(r.status).toBe(st);
			expect(r.json).toMatchObject({ success: false, error: { type: 'api_error', code: 5000 } });
			expect(r.json.meta.request_id).toMatch(/^req_/);
		}
		expect(fake.state.messages).toHaveLength(0);
	});

	test('drop destroys the socket; method/path filters; clear()', async () => {
		const s = fake.seedSession();
		fake.faults.push({ kind: 'drop', method: 'POST', path: /\/send$/ });
		expect((await call('GET', '/whatsapp/sessions')).status).toBe(200);
		await expect(send(s)).rejects.toThrow();
		expect(fake.state.messages).toHaveLength(0);
		expect(fake.requests[fake.requests.length - 1]).toMatchObject({ status: 0, fault: 'drop' });
		fake.faults.push({ kind: '500', times: Infinity });
		fake.faults.clear();
		expect((await send(s)).status).toBe(200);
	});

	test('slow delays the normal answer', async () => {
		const s = fake.seedSession();
		fake.faults.push({ kind: 'slow', delayMs: 60 });
		const t = Date.now();
		const r = await send(s);
		expect(Date.now() - t).toBeGreaterThanOrEqual(55);
		expect(r.status).toBe(200);
		expect(fake.state.messages).toHaveLength(1);
	});

	test('malformedJson answers 200 with a body that is not JSON', async () => {
		const s = fake.seedSession();
		fake.faults.push({ kind: 'malformedJson' });
		const r = await send(s);
		expect(r.status).toBe(200);
		expect(() => JSON.parse(r.text)).toThrow();
		expect(fake.state.messages).toHaveLength(0);
	});
});

describe('limits', () => {
	test('requests per window: 429 with Retry-After, refused429; with refusedRequestsCount off, refused requests do not count', async () => {
		fake.setLimits({ requestsPerWindow: 3, refusedRequestsCount: false });
		const statuses: number[] = [];
		for (let i = 0; i < 3; i++) {
			const r = await call('GET', '/whatsapp/sessions');
			statuses.push(r.status);
			expect(r.headers['x-ratelimit-limit']).toBe('3');
			expect(r.headers['x-ratelimit-remaining']).toBe(String(2 - i));
			expect(r.headers['x-ratelimit-reset']).toBe(String(Math.ceil((T0 + 60_000) / 1000)));
			clock += 10_000;
		}
		const refused = await call('GET', '/whatsapp/sessions');
		expect(refused.status).toBe(429);
		expect(refused.json).toMatchObject({
			success: false,
			error: { type: 'rate_limit_exceeded', code: 4029 },
		});
		expect(refused.json.meta.request_id).toBe(refused.headers['x-request-id']);
		expect(refused.headers['retry-after']).toBe('30'); // oldest at T0 expires at T0+60s; now T0+30s
		expect(refused.headers['retry-after-ms']).toBeUndefined();
		expect(refused.headers['x-ratelimit-remaining']).toBe('0');
		await call('GET', '/whatsapp/sessions');
		expect(fake.refused429).toBe(2);
		clock = T0 + 60_000; // first request expired: exactly one slot frees (refused ones never counted)
		expect((await call('GET', '/whatsapp/sessions')).status).toBe(200);
		expect((await call('GET', '/whatsapp/sessions')).status).toBe(429);
		expect(statuses).toEqual([200, 200, 200]);
	});

	test('by default every attempt counts: a refused request keeps the window full', async () => {
		fake.setLimits({ requestsPerWindow: 2 });
		expect((await call('GET', '/whatsapp/sessions')).status).toBe(200);
		clock += 10_000;
		expect((await call('GET', '/whatsapp/sessions')).status).toBe(200);
		clock += 10_000;
		expect((await call('GET', '/whatsapp/sessions')).status).toBe(429);
		clock = T0 + 60_000; // the first has left; the refused one at T0+20s still counts
		const again = await call('GET', '/whatsapp/sessions');
		expect(again.status).toBe(429);
		expect(again.headers['retry-after']).toBe('10'); // until the one at T0+10s leaves
		clock = T0 + 80_000; // window (T0+20s, T0+80s]: only the refused one at T0+60s
		expect((await call('GET', '/whatsapp/sessions')).status).toBe(200);
		// a limit-free window would take one more; the refused one at T0+60s holds its slot
		expect((await call('GET', '/whatsapp/sessions')).status).toBe(429);
		expect(fake.refused429).toBe(3);
	});

	test('scaled-down window sends Retry-After-Ms', async () => {
		fake.setLimits({ requestsPerWindow: 1, windowMs: 1000 });
		await call('GET', '/whatsapp/sessions');
		clock += 400;
		const r = await call('GET', '/whatsapp/sessions');
		expect(r.status).toBe(429);
		expect(r.headers['retry-after']).toBe('1');
		expect(r.headers['retry-after-ms']).toBe('600');
	});

	test('plan messages per window count bulk recipients; refused sends create nothing', async () => {
		const s = fake.seedSession();
		fake.setLimits({ planMessagesPerWindow: 5 });
		const bulk = (n: number) =>
			call('POST', '/whatsapp/send-bulk', {
				body: {
					session_id: s.id,
					recipients: Array.from({ length: n }, (_, i) => `+44770090${String(1000 + i)}`),
					content: 'x',
				},
			});
		expect((await bulk(4)).status).toBe(202);
		const over = await bulk(2);
		expect(over.status).toBe(429);
		expect(over.json.error).toMatchObject({ type: 'rate_limit_exceeded', code: 4029 });
		expect(Number(over.headers['retry-after'])).toBe(60);
		expect(fake.state.messages).toHaveLength(4);
		expect((await bulk(1)).status).toBe(202);
		expect(fake.refused429).toBe(1);
	});

	test('session anti-ban → 429 sending_limited; other sessions unaffected', async () => {
		const a = fake.seedSession();
		const b = fake.seedSession();
		fake.setLimits({ sessionMessagesPerWindow: 2 });
		const send = (s: { id: string | number }) =>
			call('POST', '/whatsapp/send', {
				body: { session_id: s.id, to: '+447700900000', content: 'x' },
			});
		expect((await send(a)).status).toBe(200);
		clock += 5000;
		expect((await send(a)).status).toBe(200);
		const r = await send(a);
		expect(r.status).toBe(429);
		expect(r.json).toMatchObject({
			success: false,
			error: { type: 'sending_limited', code: 4029 },
		});
		expect(r.headers['retry-after']).toBe('55');
		expect((await send(b)).status).toBe(200);
		clock = T0 + 60_000;
		expect((await send(a)).status).toBe(200);
		expect(fake.refused429).toBe(1);
	});

	test('plan day quota → 402 quota_exceeded 4020; session day → 429 sending_limited', async () => {
		const s = fake.seedSession();
		fake.setLimits({ planMessagesPerDay: 2 });
		const send = () =>
			call('POST', '/whatsapp/send', {
				body: { session_id: s.id, to: '+447700900000', content: 'x' },
			});
		await send();
		await send();
		const r = await send();
		expect(r.status).toBe(402);
		expect(r.json).toMatchObject({ success: false, error: { type: 'quota_exceeded', code: 4020 } });
		expect(fake.refused429).toBe(0);
		fake.reset();
		const s2 = fake.seedSession();
		fake.setLimits({ sessionMessagesPerDay: 1 });
		await call('POST', '/whatsapp/send', {
			body: { session_id: s2.id, to: '+447700900000', content: 'x' },
		});
		const d = await call('POST', '/whatsapp/send', {
			body: { session_id: s2.id, to: '+447700900000', content: 'x' },
		});
		expect(d.status).toBe(429);
		expect(d.json.error.type).toBe('sending_limited');
	});

	test('402 quota_exceeded in either documented shape: the plan’s day, or one session’s own quota', async () => {
		const a = fake.seedSession();
		const b = fake.seedSession();
		const send = (s: { id: string | number }) =>
			call('POST', '/whatsapp/send', {
				body: { session_id: s.id, to: '+447700900000', content: 'x' },
			});
		const bulk = (s: { id: string | number }, n: number) =>
			call('POST', '/whatsapp/send-bulk', {
				body: {
					session_id: s.id,
					recipients: Array.from({ length: n }, (_, i) => `+44770090${String(1000 + i)}`),
					content: 'x',
				},
			});

		fake.setLimits({ sessionQuotaPerDay: 2 });
		expect((await bulk(a, 2)).status).toBe(202);
		const coded = await send(a);
		expect(coded.status).toBe(402);
		expect(coded.json).toMatchObject({
			success: false,
			error: {
				type: 'quota_exceeded',
				code: 4020,
				message: `Session ${String(a.id)} daily quota of 2 messages exceeded`,
			},
		});
		expect(coded.json.error.param).toBeUndefined();
		expect((await bulk(b, 2)).status).toBe(202); // another session has its own quota
		fake.setLimits({ quotaErrorShape: 'param' });
		const param = await bulk(b, 1);
		expect(param.status).toBe(402);
		expect(param.json).toEqual({
			error: {
				type: 'invalid_request_error',
				code: 'quota_exceeded',
				param: 'session_id',
				message: `Session ${String(b.id)} daily quota of 2 messages exceeded`,
			},
		});
		expect(fake.state.messages).toHaveLength(4);

		fake.setLimits({ sessionQuotaPerDay: Infinity, planMessagesPerDay: 4 });
		const plan = await send(fake.seedSession());
		expect(plan.status).toBe(402);
		expect(plan.json).toEqual({
			error: {
				type: 'invalid_request_error',
				code: 'quota_exceeded',
				message: 'Daily message quota of 4 exceeded for this plan',
			},
		});
		expect(fake.refused402).toBe(3);
		expect(fake.refused429).toBe(0);
		// Every attempt counts as a request, the three refused ones included (refusedRequestsCount).
		expect(plan.headers['x-ratelimit-remaining']).toBe(String(1_000_000 - 5));
	});

	test.each([
		[false, 'does not count', '1', 200],
		[true, 'counts (the default)', '0', 429],
	])(
		'with refusedRequestsCount %s, a request refused by a message limit %s as a request',
		async (refusedRequestsCount, _what, remaining, next) => {
			const s = fake.seedSession();
			fake.setLimits({ requestsPerWindow: 2, sessionMessagesPerWindow: 1, refusedRequestsCount });
			const send = () =>
				call('POST', '/whatsapp/send', {
					body: { session_id: s.id, to: '+447700900000', content: 'x' },
				});
			expect((await send()).status).toBe(200);
			const refused = await send();
			expect(refused.json.error.type).toBe('sending_limited');
			expect(refused.headers['x-ratelimit-remaining']).toBe(remaining);
			expect((await call('GET', '/whatsapp/sessions')).status).toBe(next);
		},
	);
	test('balanceMessages: past the balance a send is refused 402 4021, in either shape, and nothing is sent', async () => {
		const a = fake.seedSession();
		const b = fake.seedSession();
		const send = (s: { id: string | number }) =>
			call('POST', '/whatsapp/send', {
				body: { session_id: s.id, to: '+447700900000', content: 'x' },
			});
		fake.setLimits({ balanceMessages: 3 });
		const bulk = await call('POST', '/whatsapp/send-bulk', {
			body: { session_id: a.id, recipients: ['+447700901000', '+447700901001'], content: 'x' },
		});
		expect(bulk.status).toBe(202);
		expect((await send(b)).status).toBe(200); // the balance is the key's, not a session's
		const coded = await send(a);
		expect(coded.status).toBe(402);
		expect(coded.json).toMatchObject({
			success: false,
			error: {
				type: 'balance_low',
				code: 4021,
				message: expect.stringMatching(/^Balance too low/),
			},
		});
		fake.setLimits({ quotaErrorShape: 'param' });
		const param = await send(b);
		expect(param.status).toBe(402);
		expect(param.json).toEqual({
			error: {
				type: 'invalid_request_error',
				code: 'insufficient_balance',
				message: 'Balance too low: 0 of the 1 messages are paid for',
			},
		});
		expect(fake.state.messages).toHaveLength(3);
		expect(fake.refused402).toBe(2);
	});
});

describe('webhooks', () => {
	test('CRUD; the secret is shown only once', async () => {
		const c = await call('POST', '/webhooks', {
			body: { url: 'https://example.com/h', events: ['message.*'] },
		});
		expect(c.status).toBe(201);
		const d = c.json.data;
		expect(d).toMatchObject({
			url: 'https://example.com/h',
			events: ['message.*'],
			is_active: true,
			failure_count: 0,
		});
		expect(d.id).toMatch(/^wh_/);
		expect(d.secret).toMatch(/^whsec_[0-9a-f]+$/);
		expect(fake.state.webhooks.get(d.id)!.secret).toBe(d.secret);

		const list = await call('GET', '/webhooks');
		expect(list.json.meta.total).toBe(1);
		expect(list.json.data[0].secret).toBeUndefined();
		expect(list.json.data[0].secret_prefix).toBe(d.secret.slice(0, 10));
		const one = await call('GET', `/webhooks/${d.id}`);
		expect(one.json.data.secret).toBeUndefined();
		expect(one.text).not.toContain(d.secret);

		const u = await call('PUT', `/webhooks/${d.id}`, { body: { events: ['*'], is_active: false } });
		expect(u.json.data).toMatchObject({ events: ['*'], is_active: false });
		expect(u.json.data.secret).toBeUndefined();

		expect((await call('DELETE', `/webhooks/${d.id}`)).json).toEqual({
			data: { id: d.id, deleted: true },
		});
		const gone = await call('GET', `/webhooks/${d.id}`);
		expect(gone.status).toBe(404);
		expect(gone.json.error.type).toBe('invalid_request_error');
		expect((await call('PUT', '/webhooks/wh_nope', { body: { is_active: true } })).status).toBe(
			404,
		);
	});

	test('validation', async () => {
		expectInvalid(
			await call('POST', '/webhooks', { body: { url: 'ftp://x.y', events: ['*'] } }),
			'url',
		);
		expectInvalid(
			await call('POST', '/webhooks', { body: { url: 'https://x.y', events: [] } }),
			'events',
		);
		expectInvalid(
			await call('POST', '/webhooks', { body: { url: 'https://x.y' } }),
			'events',
			'missing_parameter',
		);
		expectInvalid(
			await call('POST', '/webhooks', {
				body: { url: 'https://x.y', events: ['Message Received'] },
			}),
			'events[0]',
		);
	});

	test('deliverWebhook: valid, forged and missing signatures; raw body; envelopes', async () => {
		const rx = await receiver();
		try {
			const secret = 'whsec_test';
			const payload = fake.buildEvent('message.received', { message_id: 'm1' });
			expect(payload).toEqual({
				event: 'message.received',
				timestamp: new Date(T0).toISOString(),
				data: { message_id: 'm1' },
			});
			const ok = await fake.deliverWebhook(rx.url, payload, { secret });
			expect(ok.status).toBe(200);
			expect(rx.got[0].raw).toBe(JSON.stringify(payload));
			expect(rx.got[0].headers['x-sendapi-signature']).toBe(hmac(rx.got[0].raw, secret));

			await fake.deliverWebhook(rx.url, payload, { secret, signature: 'forged' });
			expect(rx.got[1].headers['x-sendapi-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
			expect(rx.got[1].headers['x-sendapi-signature']).not.toBe(hmac(rx.got[1].raw, secret));

			await fake.deliverWebhook(rx.url, payload, { secret, signature: 'missing' });
			expect(rx.got[2].headers['x-sendapi-signature']).toBeUndefined();

			await fake.deliverWebhook(rx.url, {}, { secret, rawBody: '{"event": "message.rec' });
			expect(rx.got[3].raw).toBe('{"event": "message.rec');
			expect(rx.got[3].headers['x-sendapi-signature']).toBe(hmac('{"event": "message.rec', secret));

			await fake.deliverWebhook(
				rx.url,
				{ message_id: 'm2' },
				{ secret, envelope: 'legacy', event: 'message.sent', headers: { 'X-Extra': '1' } },
			);
			const legacy = JSON.parse(rx.got[4].raw);
			expect(legacy).toMatchObject({
				type: 'message.sent',
				data: { message_id: 'm2' },
				created_at: new Date(T0).toISOString(),
			});
			expect(legacy.id).toMatch(/^evt_/);
			expect(rx.got[4].headers['x-extra']).toBe('1');
			expect(rx.got[4].headers['x-sendapi-signature']).toBe(hmac(rx.got[4].raw, secret));
		} finally {
			await rx.close();
		}
	});

	test('simulateIncomingMessage delivers message.received to matching webhooks and the session webhook_url', async () => {
		const rx = await receiver();
		const other = await receiver();
		const sessionRx = await receiver();
		try {
			const s = fake.seedSession({ webhook_url: sessionRx.url });
			const match = (
				await call('POST', '/webhooks', { body: { url: rx.url, events: ['message.*'] } })
			).json.data;
			await call('POST', '/webhooks', { body: { url: other.url, events: ['message.sent'] } });
			const { message, deliveries } = await fake.simulateIncomingMessage({
				session_id: s.id,
				from: '+447700900123',
				text: 'Hi there',
			});
			expect(deliveries.map((d) => d.status)).toEqual([200, 200]);
			expect(other.got).toHaveLength(0);
			expect(rx.got).toHaveLength(1);
			const ev = JSON.parse(rx.got[0].raw);
			expect(ev).toEqual({
				event: 'message.received',
				timestamp: new Date(T0).toISOString(),
				data: {
					message_id: message.id,
					session_id: s.id,
					from: '+447700900123',
					type: 'text',
					content: { body: 'Hi there' },
					received_at: new Date(T0).toISOString(),
				},
			});
			expect(rx.got[0].headers['x-sendapi-signature']).toBe(hmac(rx.got[0].raw, match.secret));
			expect(sessionRx.got).toHaveLength(1);
			const inbox = await call('GET', '/whatsapp/messages?direction=in');
			expect(inbox.json.data[0]).toMatchObject({
				id: message.id,
				from: '+447700900123',
				direction: 'in',
			});
		} finally {
			await Promise.all([rx.close(), other.close(), sessionRx.close()]);
		}
	});

	test('a tap on a reply button arrives as an interactive message.received (Meta shape, title as the text)', async () => {
		const rx = await receiver();
		try {
			const s = fake.seedSession();
			const w = fake.seedWebhook({ url: rx.url, events: ['message.received'] });
			const { message } = await fake.simulateIncomingMessage({
				session_id: s.id,
				from: '+447700900123',
				button: { id: 'q1:approve', title: 'Approve' },
			});
			const ev = JSON.parse(rx.got[0].raw);
			expect(ev.data).toEqual({
				message_id: message.id,
				session_id: s.id,
				from: '+447700900123',
				type: 'interactive',
				content: { body: 'Approve' },
				interactive: { type: 'button_reply', button_reply: { id: 'q1:approve', title: 'Approve' } },
				received_at: new Date(T0).toISOString(),
			});
			expect(rx.got[0].headers['x-sendapi-signature']).toBe(hmac(rx.got[0].raw, w.secret));
			await expect(
				fake.simulateIncomingMessage({ session_id: s.id, from: '+447700900123' }),
			).rejects.toThrow(/give a text, media or a button/);
		} finally {
			await rx.close();
		}
	});

	test('failed deliveries raise failure_count', async () => {
		const rx = await receiver(500);
		try {
			const s = fake.seedSession();
			const w = fake.seedWebhook({ url: rx.url, events: ['*'] });
			const { deliveries } = await fake.simulateIncomingMessage({
				session_id: s.id,
				from: '+447700900123',
				text: 'x',
			});
			expect(deliveries[0].status).toBe(500);
			expect(w.failure_count).toBe(1);
			expect((await call('GET', `/webhooks/${w.id}`)).json.data.failure_count).toBe(1);
		} finally {
			await rx.close();
		}
	});

	test('emitEvents delivers message.sent for /send (off by default)', async () => {
		const rx = await receiver();
		const loud = await startFakeSendApi({ emitEvents: true });
		try {
			const s = loud.seedSession();
			const w = loud.seedWebhook({ url: rx.url, events: ['message.sent'] });
			const r = await call('POST', '/whatsapp/send', {
				server: loud,
				body: { session_id: s.id, to: '+447700900000', content: 'x' },
			});
			// delivery is fire-and-forget: poll briefly
			const deadline = Date.now() + 1000;
			while (rx.got.length === 0 && Date.now() < deadline)
				await new Promise((res) => setTimeout(res, 5));
			expect(rx.got).toHaveLength(1);
			const ev = JSON.parse(rx.got[0].raw);
			expect(ev.event).toBe('message.sent');
			expect(ev.data).toEqual({
				message_id: r.json.data.id,
				session_id: s.id,
				to: '+447700900000',
				type: 'text',
				status: 'accepted',
			});
			expect(rx.got[0].headers['x-sendapi-signature']).toBe(hmac(rx.got[0].raw, w.secret));

			// the default server stays quiet
			const s2 = fake.seedSession();
			fake.seedWebhook({ url: rx.url, events: ['*'] });
			await call('POST', '/whatsapp/send', {
				body: { session_id: s2.id, to: '+447700900000', content: 'x' },
			});
			await new Promise((res) => setTimeout(res, 20));
			expect(rx.got).toHaveLength(1);
		} finally {
			await loud.close();
			await rx.close();
		}
	});
});

describe('sandbox routes and lifecycle', () => {
	test('POST /__sandbox/incoming and GET /__sandbox/requests need no auth', async () => {
		const s = fake.seedSession();
		await call('GET', '/whatsapp/sessions');
		const r = await request(`${fake.url}/__sandbox/incoming`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ session_id: s.id, from: '+447700900123', text: 'hello' }),
			dispatcher: agent,
		});
		expect(r.statusCode).toBe(200);
		const j: any = await r.body.json();
		expect(j.data.message).toMatchObject({ direction: 'in', content: { body: 'hello' } });
		const log = await request(`${fake.url}/__sandbox/requests`, { dispatcher: agent });
		const lj: any = await log.body.json();
		expect(lj.data.map((x: { path: string }) => x.path)).toEqual(['/v1/whatsapp/sessions']);

		const tap = await request(`${fake.url}/__sandbox/incoming`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({
				session_id: s.id,
				from: '+447700900123',
				button: { id: 'b1', title: 'Yes' },
			}),
			dispatcher: agent,
		});
		expect(tap.statusCode).toBe(200);
		expect(((await tap.body.json()) as any).data.message).toMatchObject({
			type: 'interactive',
			content: { body: 'Yes' },
		});
		const neither = await request(`${fake.url}/__sandbox/incoming`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ session_id: s.id, from: '+447700900123' }),
			dispatcher: agent,
		});
		expect(neither.statusCode).toBe(400);
		await neither.body.dump();
	});

	test('close() is prompt even with an open keep-alive connection and a slow request in flight', async () => {
		const tmp = await startFakeSendApi();
		tmp.faults.push({ kind: 'slow', delayMs: 60_000 });
		const pending = call('GET', '/whatsapp/sessions', { server: tmp }).catch((e) => e);
		await new Promise((res) => setTimeout(res, 30));
		// A close() that waited for the slow request (60 s) would run into the test's timeout; the
		// request in flight is cut off, not answered.
		await tmp.close();
		expect(await pending).toBeInstanceOf(Error);
		expect(tmp.requests.map((r) => r.status)).toEqual([0]);
	});
});

describe('incoming media', () => {
	const download = async (url: string, headers: Record<string, string> = {}) => {
		const r = await request(url, { headers, dispatcher: agent });
		const bytes = Buffer.from(await r.body.arrayBuffer());
		return { status: r.statusCode, headers: r.headers, bytes };
	};
	const base = { session_id: 'sess_x', from: '+447700900123' };

	test('each shape puts the media object where the package reads it', () => {
		const file = sampleFile('image');
		const typed = fake.incomingMediaData({ ...base, type: 'image', shape: 'typed' });
		expect(typed).toMatchObject({
			type: 'image',
			image: { mime_type: 'image/png', size: file.bytes.length, url: expect.any(String) },
		});
		expect(
			fake.incomingMediaData({ ...base, type: 'image', shape: 'content' }).content,
		).toMatchObject({ url: expect.any(String) });
		expect(fake.incomingMediaData({ ...base, type: 'image', shape: 'media' }).media).toMatchObject({
			url: expect.any(String),
		});
		expect(fake.incomingMediaData({ ...base, type: 'document', shape: 'flat' })).toMatchObject({
			type: 'document',
			media_url: expect.any(String),
			filename: 'Invoice 2026-11.pdf',
		});
		expect(fake.incomingMediaData({ ...base, type: 'voice', source: 'base64' })).toMatchObject({
			type: 'audio',
			audio: {
				base64: sampleFile('voice').bytes.toString('base64'),
				mime_type: 'audio/ogg; codecs=opus',
				voice: true,
			},
		});
		// WhatsApp's own name for a voice note, flat: no flag needed.
		const ptt = fake.incomingMediaData({ ...base, type: 'voice', shape: 'flat', voiceAs: 'ptt' });
		expect(ptt).toMatchObject({ type: 'ptt', mime_type: 'audio/ogg; codecs=opus' });
		expect(ptt).not.toHaveProperty('voice');
		expect(
			(
				fake.incomingMediaData({ ...base, type: 'image', source: 'dataUrl' }).image as {
					base64: string;
				}
			).base64,
		).toMatch(/^data:image\/png;base64,/);
	});

	test('a file on SendApi’s host needs the key; a public one does not; a broken link is 404', async () => {
		const onHost = fake.incomingMediaData({ ...base, type: 'image' }).image as { url: string };
		expect(onHost.url.startsWith(`${fake.baseUrl}/whatsapp/media/`)).toBe(true);
		expect((await download(onHost.url)).status).toBe(401);
		const withKey = await download(onHost.url, { authorization: `Bearer ${fake.apiKey}` });
		expect(withKey).toMatchObject({ status: 200, headers: { 'content-type': 'image/png' } });
		expect(withKey.bytes).toEqual(sampleFile('image').bytes);

		const publicFile = fake.incomingMediaData({ ...base, type: 'voice', host: 'public' }).audio as {
			url: string;
		};
		expect(publicFile.url.startsWith(`${fake.publicUrl}/files/`)).toBe(true);
		expect((await download(publicFile.url)).bytes).toEqual(sampleFile('voice').bytes);
		expect(fake.publicMediaRequests).toHaveLength(1);

		const broken = fake.incomingMediaData({ ...base, type: 'image', broken: true }).image as {
			url: string;
		};
		expect((await download(broken.url, { authorization: `Bearer ${fake.apiKey}` })).status).toBe(
			404,
		);
	});

	test('a redirecting link answers 302 to the public server; chunked files declare no length', async () => {
		const redirect = fake.incomingMediaData({ ...base, type: 'image', host: 'redirect' }).image as {
			url: string;
		};
		const r = await download(redirect.url, { authorization: `Bearer ${fake.apiKey}` });
		expect(r.status).toBe(302);
		expect(String(r.headers.location).startsWith(`${fake.publicUrl}/files/`)).toBe(true);

		const chunked = fake.incomingMediaData({
			...base,
			type: 'image',
			host: 'public',
			declareLength: false,
		}).image as { url: string };
		const c = await download(chunked.url);
		expect(c.headers['content-length']).toBeUndefined();
		expect(c.bytes).toEqual(sampleFile('image').bytes);
	});

	test('POST /__sandbox/incoming delivers a media message whose file is served', async () => {
		const s = fake.seedSession();
		const r = await request(`${fake.url}/__sandbox/incoming`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({
				session_id: s.id,
				from: '+447700900123',
				media: { type: 'document', shape: 'content' },
			}),
			dispatcher: agent,
		});
		expect(r.statusCode).toBe(200);
		const j: any = await r.body.json();
		expect(j.data.message).toMatchObject({
			direction: 'in',
			type: 'document',
			content: { content: { filename: 'Invoice 2026-11.pdf' } },
		});
		const url = j.data.message.content.content.url as string;
		expect((await download(url, { authorization: `Bearer ${fake.apiKey}` })).bytes).toEqual(
			sampleFile('document').bytes,
		);

		const neither = await request(`${fake.url}/__sandbox/incoming`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ session_id: s.id, from: '+447700900123' }),
			dispatcher: agent,
		});
		expect(neither.statusCode).toBe(400);
		await neither.body.text();
	});
});
