/**
 * SendApi Trigger: the pure helpers directly; the webhook lifecycle through n8n-core's real
 * HookContext against the fake SendApi; deliveries as real signed HTTP POSTs from the fake into
 * n8n-core's real WebhookContext (see test/harness/trigger.ts).
 */
import { createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

import type { SendApiEvent } from '../../nodes/SendApi/inbound/event';
import { normaliseEvent } from '../../nodes/SendApi/inbound/event';
import {
	eventMatches,
	matchesAnyEvent,
	matchesSession,
	sameEvents,
} from '../../nodes/SendApi/inbound/eventFilters';
import { toOutputItem } from '../../nodes/SendApi/inbound/eventItem';
import {
	deliveryKeys,
	eventIdentity,
	REPLAY_MEMORY_KEYS,
	REPLAY_MEMORY_SIZE,
	rememberDelivery,
} from '../../nodes/SendApi/inbound/replayMemory';
import { signatureMatches } from '../../nodes/SendApi/inbound/signature';
import { searchSessions } from '../../nodes/SendApi/methods/listSearch';
import { canonicalJson } from '../../nodes/SendApi/transport/json';
import { SendApiTrigger } from '../../nodes/SendApiTrigger/SendApiTrigger.node';
import type { StoredWebhook } from '../../nodes/SendApiTrigger/state';
import { readRegistry } from '../../nodes/SendApiTrigger/state';
import { type FakeSendApi, startFakeSendApi } from '../fake-sendapi';
import { TriggerHarness } from '../helpers/runTrigger';

const sign = (body: string, secret: string) =>
	`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const receivedData = {
	message_id: 'msg_1',
	session_id: 'sess_A',
	from: '+447700900001',
	type: 'text',
	content: { body: 'Hello there' },
	received_at: '2026-11-25T10:00:00.000Z',
};

describe('helpers', () => {
	describe('signatureMatches', () => {
		const body = '{"event":"message.received","data":{}}';
		const secret = 'whsec_abc';

		it('accepts the HMAC-SHA256 of the raw body, as a string or a Buffer, any hex case', () => {
			expect(signatureMatches(body, sign(body, secret), secret)).toBe(true);
			expect(signatureMatches(Buffer.from(body), sign(body, secret), secret)).toBe(true);
			expect(
				signatureMatches(
					body,
					sign(body, secret).toUpperCase().replace('SHA256', 'sha256'),
					secret,
				),
			).toBe(true);
		});

		it('refuses a wrong key, a changed body, a missing or malformed header and an empty secret', () => {
			expect(signatureMatches(body, sign(body, 'whsec_other'), secret)).toBe(false);
			expect(signatureMatches(`${body} `, sign(body, secret), secret)).toBe(false);
			expect(signatureMatches(body, undefined, secret)).toBe(false);
			expect(signatureMatches(body, sign(body, secret).slice(7), secret)).toBe(false);
			expect(signatureMatches(body, 'sha256=abcd', secret)).toBe(false);
			expect(signatureMatches(body, 'sha1=' + 'a'.repeat(64), secret)).toBe(false);
			expect(signatureMatches(body, sign(body, ''), '')).toBe(false);
		});
	});

	describe('normaliseEvent', () => {
		it('reads the current envelope {event, timestamp, data}', () => {
			expect(normaliseEvent({ event: 'message.sent', timestamp: 'T', data: { a: 1 } })).toEqual({
				event: 'message.sent',
				timestamp: 'T',
				eventId: undefined,
				data: { a: 1 },
			});
		});

		it('reads the older envelope {id, type, data, created_at}', () => {
			expect(
				normaliseEvent({ id: 'evt_1', type: 'message.read', data: {}, created_at: 'C' }),
			).toEqual({
				event: 'message.read',
				timestamp: 'C',
				eventId: 'evt_1',
				data: {},
			});
		});

		it('refuses anything that is not an event', () => {
			for (const payload of [null, 'x', 3, [1], {}, { data: {} }, { event: '' }]) {
				expect(normaliseEvent(payload)).toBeUndefined();
			}
		});
	});

	describe('toOutputItem', () => {
		it('flattens data, adds text from content.body, keeps the envelope and the raw data', () => {
			const item = toOutputItem({ event: 'message.received', timestamp: 'T', data: receivedData });
			expect(item).toEqual({
				...receivedData,
				text: 'Hello there',
				event: 'message.received',
				timestamp: 'T',
				raw: receivedData,
			});
			expect(item).not.toHaveProperty('event_id');
		});

		it('uses a plain-string content as text, `id` as message_id and adds event_id', () => {
			const item = toOutputItem({
				event: 'message.sent',
				eventId: 'evt_9',
				data: { id: 'msg_9', to: '+1', content: 'Hi', status: 'accepted', session_id: 'sess_7' },
			});
			expect(item).toMatchObject({
				message_id: 'msg_9',
				text: 'Hi',
				event_id: 'evt_9',
				session_id: 'sess_7',
			});
		});

		it('gives integer ids as strings, like every output of the SendApi node, and keeps raw as sent', () => {
			const data = { id: 5, from: '+447700900000', content: { body: 'Hi' }, session_id: 7 };
			const item = toOutputItem({ event: 'message.received', data });
			expect(item).toMatchObject({ id: '5', message_id: '5', session_id: '7', text: 'Hi' });
			expect(item.raw).toEqual(data);
		});

		it('lets the envelope win over data fields with the same name', () => {
			const item = toOutputItem({ event: 'message.read', data: { event: 'spoof' } });
			expect(item.event).toBe('message.read');
			expect((item.raw as IDataObject).event).toBe('spoof');
		});
	});

	it('matches events exactly and with * and message.* wildcards', () => {
		expect(eventMatches('message.received', 'message.received')).toBe(true);
		expect(eventMatches('message.received', 'message.sent')).toBe(false);
		expect(eventMatches('*', 'session.connected')).toBe(true);
		expect(eventMatches('message.*', 'message.failed')).toBe(true);
		expect(eventMatches('message.*', 'messages.failed')).toBe(false);
		expect(eventMatches('message.*', 'session.connected')).toBe(false);
		expect(matchesAnyEvent(['message.read', 'message.sent'], 'message.sent')).toBe(true);
		expect(matchesAnyEvent([], 'message.sent')).toBe(false);
	});

	it('matches sessions by opaque id; an empty filter matches all', () => {
		expect(matchesSession('', 'sess_A')).toBe(true);
		expect(matchesSession(' sess_A ', 'sess_A')).toBe(true);
		expect(matchesSession('42', 42)).toBe(true);
		expect(matchesSession('sess_A', 'sess_B')).toBe(false);
		expect(matchesSession('sess_A', undefined)).toBe(false);
	});

	it('compares event lists as sets', () => {
		expect(sameEvents(['a', 'b'], ['b', 'a', 'a'])).toBe(true);
		expect(sameEvents(['a'], ['a', 'b'])).toBe(false);
	});

	describe('replay memory', () => {
		const received = (data: IDataObject, extra: Partial<SendApiEvent> = {}): SendApiEvent => ({
			event: 'message.received',
			data,
			...extra,
		});

		it('keys an incoming message by event, session and message id, whatever the envelope timestamp', () => {
			const at = (timestamp: string) =>
				deliveryKeys(
					received({ message_id: 'msg_1', session_id: 'sess_A' }, { timestamp }),
					timestamp,
				);
			expect(at('2026-01-01T00:00:00Z')).toEqual([
				'event:["message.received","sess_A","msg_1",""]',
			]);
			expect(at('2026-01-01T00:00:05Z')).toEqual(at('2026-01-01T00:00:00Z'));
			expect(eventIdentity(received({ message_id: 42, session_id: 7 }))).toBe(
				eventIdentity(received({ message_id: '42', session_id: '7' })),
			);
			expect(eventIdentity(received({ message_id: 'msg_1', session_id: 'sess_B' }))).not.toBe(
				eventIdentity(received({ message_id: 'msg_1', session_id: 'sess_A' })),
			);
			// Without a session the message id alone identifies it.
			expect(eventIdentity(received({ message_id: 'msg_1' }))).toBe(
				'event:["message.received","","msg_1",""]',
			);
		});

		it('keys by the event id and the identity together; by the digest only when there is neither', () => {
			const data = { message_id: 'msg_1', session_id: 'sess_A' };
			expect(deliveryKeys(received(data, { eventId: 'evt_1' }), 'x')).toEqual([
				'id:evt_1',
				eventIdentity(received(data)),
			]);
			expect(deliveryKeys({ event: 'session.connected', eventId: 'evt_2', data }, 'x')).toEqual([
				'id:evt_2',
			]);
			const [a] = deliveryKeys({ event: 'e', data: {} }, 'body-a');
			expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
			expect(deliveryKeys({ event: 'e', data: {} }, Buffer.from('body-a'))).toEqual([a]);
			expect(deliveryKeys({ event: 'e', data: {} }, 'body-b')).not.toEqual([a]);
			expect(deliveryKeys(received({ session_id: 'sess_A' }), 'body-a')).toEqual([a]);
		});

		it('identifies a status event also by its status, and a failure by its error', () => {
			const status = (event: string, data: IDataObject) =>
				eventIdentity({ event, data: { message_id: 'msg_1', session_id: 'sess_A', ...data } });
			expect(status('message.delivered', { status: 'delivered' })).toBe(
				'event:["message.delivered","sess_A","msg_1","delivered"]',
			);
			expect(status('message.read', { status: 'read' })).not.toBe(
				status('message.delivered', { status: 'read' }),
			);
			expect(status('message.sent', { status: 'accepted' })).not.toBe(
				status('message.sent', { status: 'sent' }),
			);

			const failed = (data: IDataObject) => status('message.failed', { status: 'failed', ...data });
			const error = { code: 131026, message: 'Recipient is not a WhatsApp user' };
			expect(failed({ error })).toBe(
				failed({ error: { message: error.message, code: error.code } }),
			);
			expect(failed({ error })).not.toBe(failed({ error: { ...error, code: 131047 } }));
			// A retry restamping the failure is still the same failure…
			expect(failed({ error, failed_at: 'T1' })).toBe(failed({ error, failed_at: 'T2' }));
			expect(failed({ error_code: 1, failure_reason: 'x' })).not.toBe(
				failed({ error_code: 1, failure_reason: 'y' }),
			);
			// …but without any error field only the very same payload is.
			expect(failed({ failed_at: 'T1' })).not.toBe(failed({ failed_at: 'T2' }));
			expect(failed({ failed_at: 'T1' })).toBe(failed({ failed_at: 'T1' }));
		});

		it('identifies only the documented message events, and only with a message id', () => {
			const data = { message_id: 'msg_1', session_id: 'sess_A' };
			for (const event of ['message.reaction', 'session.connected', 'message']) {
				expect(eventIdentity({ event, data })).toBeUndefined();
			}
			expect(eventIdentity(received({ session_id: 'sess_A', id: 'msg_1' }))).toBeUndefined();
			expect(eventIdentity(received({ session_id: 'sess_A', message_id: '' }))).toBeUndefined();
		});

		it('writes JSON with sorted keys at every depth', () => {
			expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: 'x', u: undefined })).toBe(
				'{"a":"x","b":[{"c":2,"d":1}]}',
			);
		});

		it('reports a repeat when any key was seen, adds nothing then, and forgets the oldest beyond the limit', () => {
			const first = rememberDelivery([], ['k1', 'i1'], 4) as string[];
			expect(rememberDelivery(first, ['k1'], 4)).toBeUndefined();
			expect(rememberDelivery(first, ['k9', 'i1'], 4)).toBeUndefined();
			const full = rememberDelivery(first, ['k2', 'i2'], 4) as string[];
			expect(full).toEqual(['k1', 'i1', 'k2', 'i2']);
			expect(rememberDelivery(full, ['k3'], 4)).toEqual(['i1', 'k2', 'i2', 'k3']);
		});

		it('remembers at least the last 500 deliveries, however many keys each left', () => {
			expect(REPLAY_MEMORY_SIZE).toBe(500);
			let memory: string[] = [];
			for (let i = 0; i <= REPLAY_MEMORY_SIZE; i++) {
				memory = rememberDelivery(memory, [`id:evt_${i}`, `event:${i}`]) as string[];
			}
			expect(memory).toHaveLength(REPLAY_MEMORY_KEYS);
			expect(rememberDelivery(memory, ['event:1'])).toBeUndefined();
			expect(rememberDelivery(memory, ['id:evt_1'])).toBeUndefined();
			expect(rememberDelivery(memory, ['event:0'])).toBeDefined();
		});
	});
});

describe('SendApiTrigger description', () => {
	const node = new SendApiTrigger();

	it('is a webhook trigger with the documented events and a session filter', () => {
		const { description } = node;
		expect(description.name).toBe('sendApiTrigger');
		expect(description.inputs).toEqual([]);
		expect(description.webhooks).toEqual([
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				responseData: '',
				path: 'webhook',
			},
		]);
		const events = description.properties.find((p) => p.name === 'events');
		expect(events?.options?.map((o) => (o as { value: string }).value).sort()).toEqual(
			[
				'*',
				'message.*',
				'message.delivered',
				'message.failed',
				'message.read',
				'message.received',
				'message.sent',
			].sort(),
		);
		const session = description.properties.find((p) => p.name === 'session');
		expect(session).toMatchObject({ type: 'resourceLocator', required: false });
		expect(node.methods.listSearch.searchSessions).toBe(searchSessions);
	});

	it('names its events so that n8n’s node panel lists them as “On …” sentences', () => {
		const events = node.description.properties.find((p) => p.name === 'events');
		const options = (events?.options ?? []) as Array<{
			name: string;
			value: string;
			action?: string;
		}>;
		// The node panel shows `action`; n8n versions that ignore it for triggers show "On " + the
		// lower-cased name (splitting it at dots), so both must give the same sentence.
		expect(options.map((o) => [o.value, o.name, o.action])).toEqual([
			['*', 'Any Event', 'On any event'],
			['message.*', 'Any Message Event', 'On any message event'],
			['message.delivered', 'Message Delivered', 'On message delivered'],
			['message.failed', 'Message Failed', 'On message failed'],
			['message.read', 'Message Read', 'On message read'],
			['message.received', 'Message Received', 'On message received'],
			['message.sent', 'Message Sent', 'On message sent'],
		]);
		for (const o of options) {
			expect(o.name).toMatch(/^[A-Za-z ]+$/);
			expect(o.action).toBe(`On ${o.name.toLowerCase()}`);
		}
	});
});

describe('SendApiTrigger in n8n-core', () => {
	let fake: FakeSendApi;
	let harness: TriggerHarness;

	beforeAll(async () => {
		fake = await startFakeSendApi();
	});

	afterAll(async () => {
		await fake.close();
	});

	beforeEach(async () => {
		fake.reset();
		harness = await TriggerHarness.start({
			credentials: { apiKey: fake.apiKey, baseUrl: fake.baseUrl },
			parameters: { events: ['message.received'] },
		});
	});

	afterEach(async () => {
		await harness.close();
	});

	const registry = () => readRegistry(harness.staticData);
	const stored = (test = false): StoredWebhook => {
		const entry = registry()[harness.webhookUrl({ test })];
		if (!entry) throw new Error('nothing stored for this URL');
		return entry;
	};
	const webhookCalls = () =>
		fake.requests
			.filter((r) => r.path.startsWith('/v1/webhooks'))
			.map((r) => `${r.method} ${r.path}`);

	describe('lifecycle (HookContext)', () => {
		it('creates an account-wide webhook for the production URL and keeps id, secret and events', async () => {
			expect(await harness.activate()).toEqual({ existed: false });

			const url = harness.webhookUrl();
			expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhook\/[0-9a-f-]{36}\/webhook$/);
			expect(webhookCalls()).toEqual(['GET /v1/webhooks', 'POST /v1/webhooks']);
			const post = fake.requests.find((r) => r.method === 'POST');
			expect(post?.body).toEqual({ url, events: ['message.received'] });
			expect(post?.headers.authorization).toBe(`Bearer ${fake.apiKey}`);

			const [remote] = [...fake.state.webhooks.values()];
			expect(stored()).toEqual({
				id: remote.id,
				secret: remote.secret,
				events: ['message.received'],
			});
			expect(remote.secret).toMatch(/^whsec_/);
		});

		it('finds its webhook again without creating another', async () => {
			await harness.activate();
			fake.requests.length = 0;

			expect(await harness.activate()).toEqual({ existed: true });
			expect(webhookCalls()).toEqual([`GET /v1/webhooks/${stored().id}`]);
			expect(fake.state.webhooks.size).toBe(1);
		});

		it('updates the events of its own webhook when the selection changed', async () => {
			await harness.activate();
			const { id, secret } = stored();
			harness.setParameters({ events: ['message.*', 'message.received'] });
			fake.requests.length = 0;

			expect(await harness.call('checkExists')).toBe(true);
			expect(webhookCalls()).toEqual([`GET /v1/webhooks/${id}`, `PUT /v1/webhooks/${id}`]);
			expect(fake.state.webhooks.get(id)?.events).toEqual(['message.*', 'message.received']);
			expect(stored()).toEqual({ id, secret, events: ['message.*', 'message.received'] });
		});

		it('switches its own webhook back on when SendApi deactivated it', async () => {
			await harness.activate();
			const remote = fake.state.webhooks.get(stored().id);
			if (!remote) throw new Error('missing');
			remote.is_active = false;
			expect(await harness.call('checkExists')).toBe(true);
			expect(remote.is_active).toBe(true);
			expect(fake.requests.filter((r) => r.method === 'PUT').map((r) => r.body)).toEqual([
				{ is_active: true },
			]);
		});

		it('treats a 404 as gone: clears the entry, then creates a new webhook', async () => {
			await harness.activate();
			const { id } = stored();
			fake.state.webhooks.delete(id);

			expect(await harness.call('checkExists')).toBe(false);
			expect(registry()).toEqual({});
			await harness.call('create');
			expect(stored().id).not.toBe(id);
			expect(fake.state.webhooks.size).toBe(1);
		});

		it('forgets (but does not touch) its webhook once it points elsewhere', async () => {
			await harness.activate();
			const { id } = stored();
			const remote = fake.state.webhooks.get(id);
			if (!remote) throw new Error('missing');
			remote.url = 'https://elsewhere.example/hook';

			expect(await harness.call('checkExists')).toBe(false);
			expect(registry()).toEqual({});
			expect(fake.state.webhooks.get(id)?.url).toBe('https://elsewhere.example/hook');
			expect(fake.requests.some((r) => r.method === 'PUT' || r.method === 'DELETE')).toBe(false);
		});

		it('never adopts, changes or deletes a webhook someone else made at the same URL', async () => {
			const url = harness.webhookUrl();
			const foreign = fake.seedWebhook({ url, events: ['*'], secret: 'whsec_foreign' });
			const foreignBefore = { ...foreign };

			expect(await harness.activate()).toEqual({ existed: false });
			const ours = stored();
			expect(ours.id).not.toBe(foreign.id);
			expect(fake.state.webhooks.size).toBe(2);

			expect(await harness.deactivate()).toBe(true);
			expect(fake.state.webhooks.get(String(foreign.id))).toEqual(foreignBefore);
			expect(fake.state.webhooks.has(ours.id)).toBe(false);
			const touched = fake.requests.filter((r) => r.path.includes(String(foreign.id)));
			expect(touched).toEqual([]);
		});

		it('re-adopts its own webhook found at this URL only while it holds the secret', async () => {
			await harness.activate();
			const url = harness.webhookUrl();
			const entry = stored();
			// The entry sits under another key (e.g. written before the base URL changed).
			harness.staticData.webhooks = { 'http://old.example/webhook/x/webhook': entry };

			expect(await harness.call('checkExists')).toBe(true);
			expect(registry()).toEqual({ [url]: entry });

			harness.staticData.webhooks = {
				'http://old.example/webhook/x/webhook': { ...entry, secret: undefined },
			};
			expect(await harness.call('checkExists')).toBe(false);
		});

		it('deletes only the webhook it stored; a 404 counts as deleted; nothing stored → no call', async () => {
			await harness.activate();
			const { id } = stored();
			fake.requests.length = 0;
			expect(await harness.deactivate()).toBe(true);
			expect(webhookCalls()).toEqual([`DELETE /v1/webhooks/${id}`]);
			expect(fake.state.webhooks.size).toBe(0);
			expect(registry()).toEqual({});

			fake.requests.length = 0;
			expect(await harness.deactivate()).toBe(true);
			expect(fake.requests).toEqual([]);

			await harness.activate();
			const gone = stored().id;
			fake.state.webhooks.delete(gone);
			fake.requests.length = 0;
			expect(await harness.deactivate()).toBe(true);
			expect(webhookCalls()).toEqual([`DELETE /v1/webhooks/${gone}`]);
			expect(fake.requests[0].status).toBe(404);
			expect(registry()).toEqual({});
		});

		it('keeps the Test URL and the production URL apart', async () => {
			await harness.activate();
			await harness.activate({ test: true });
			const production = stored();
			const test = stored(true);

			expect(harness.webhookUrl({ test: true })).toMatch(/\/webhook-test\/[0-9a-f-]{36}\/webhook$/);
			expect(test.id).not.toBe(production.id);
			expect(test.secret).not.toBe(production.secret);
			expect(fake.state.webhooks.get(test.id)?.url).toBe(harness.webhookUrl({ test: true }));

			expect(await harness.deactivate({ test: true })).toBe(true);
			expect(fake.state.webhooks.has(test.id)).toBe(false);
			expect(fake.state.webhooks.get(production.id)?.url).toBe(harness.webhookUrl());
			expect(stored()).toEqual(production);
			expect(Object.keys(registry())).toEqual([harness.webhookUrl()]);
		});

		it('refuses to create with no events selected', async () => {
			harness.setParameters({ events: [] });
			await expect(harness.call('create')).rejects.toThrow('Choose at least one event');
			expect(fake.state.webhooks.size).toBe(0);
		});

		it('lets SendApi errors surface instead of answering "does not exist"', async () => {
			const stranger = await TriggerHarness.start({
				credentials: { apiKey: 'sk_test_unknown', baseUrl: fake.baseUrl },
				parameters: { events: ['message.received'] },
			});
			try {
				await expect(stranger.call('checkExists')).rejects.toThrow(/SendApi/);
				await expect(stranger.call('create')).rejects.toThrow(/SendApi/);
			} finally {
				await stranger.close();
			}
			expect(fake.state.webhooks.size).toBe(0);
		});

		it('removes a webhook created without a secret and says why', async () => {
			const calls: string[] = [];
			const api = http.createServer((req, res) => {
				calls.push(`${req.method} ${req.url}`);
				res.writeHead(req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json' });
				res.end(JSON.stringify({ data: { id: 'wh_nosecret', url: 'x', events: ['*'] } }));
			});
			await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
			const { port } = api.address() as AddressInfo;
			const secretless = await TriggerHarness.start({
				credentials: { apiKey: 'sk_test_x', baseUrl: `http://127.0.0.1:${port}/v1` },
				parameters: { events: ['message.received'] },
			});
			try {
				await expect(secretless.call('create')).rejects.toThrow(/signing secret/);
				expect(calls).toEqual(['POST /v1/webhooks', 'DELETE /v1/webhooks/wh_nosecret']);
				expect(readRegistry(secretless.staticData)).toEqual({});
			} finally {
				await secretless.close();
				await new Promise<void>((resolve) => api.close(() => resolve()));
			}
		});
	});

	describe('deliveries (WebhookContext over HTTP)', () => {
		const deliver = async (
			payload: object,
			opts: {
				test?: boolean;
				secret?: string;
				signature?: 'valid' | 'forged' | 'missing';
				rawBody?: string;
				headers?: Record<string, string>;
			} = {},
		) => {
			const { test, ...rest } = opts;
			const secret = 'secret' in opts ? opts.secret : stored(test).secret;
			return await fake.deliverWebhook(harness.webhookUrl({ test }), payload, { ...rest, secret });
		};
		const items = () => harness.runs.map((run) => run.data[0][0].json);

		beforeEach(async () => {
			await harness.activate();
		});

		it('starts the workflow with one flattened item for a signed delivery', async () => {
			const event = fake.buildEvent('message.received', receivedData);
			const response = await deliver(event);

			expect(response.status).toBe(200);
			expect(JSON.parse(response.body)).toEqual({ received: true });
			expect(harness.runs).toHaveLength(1);
			expect(harness.runs[0].data).toHaveLength(1);
			expect(harness.runs[0].data[0]).toHaveLength(1);
			expect(items()[0]).toEqual({
				event: 'message.received',
				timestamp: (event as { timestamp: string }).timestamp,
				message_id: 'msg_1',
				session_id: 'sess_A',
				from: '+447700900001',
				type: 'text',
				content: { body: 'Hello there' },
				text: 'Hello there',
				received_at: '2026-11-25T10:00:00.000Z',
				raw: receivedData,
			});
		});

		it('accepts the older {id, type, data, created_at} envelope', async () => {
			const event = fake.buildEvent('message.received', receivedData, 'legacy') as {
				id: string;
				created_at: string;
			};
			expect((await deliver(event)).status).toBe(200);
			expect(items()[0]).toMatchObject({
				event: 'message.received',
				event_id: event.id,
				timestamp: event.created_at,
				from: '+447700900001',
				session_id: 'sess_A',
				text: 'Hello there',
			});
		});

		it('answers 401 without a run for forged, unsigned and foreign-secret deliveries', async () => {
			const event = fake.buildEvent('message.received', receivedData);
			const forged = await deliver(event, { signature: 'forged' });
			const unsigned = await deliver(event, { signature: 'missing' });
			const foreign = fake.seedWebhook({ url: harness.webhookUrl(), secret: 'whsec_foreign' });
			const foreignSigned = await deliver(event, { secret: foreign.secret });

			for (const response of [forged, unsigned, foreignSigned]) {
				expect(response.status).toBe(401);
				expect(JSON.parse(response.body)).toMatchObject({ received: false });
			}
			expect(harness.runs).toEqual([]);
		});

		it('answers 401 when it holds no secret for the URL (never activated there)', async () => {
			const event = fake.buildEvent('message.received', receivedData);
			const response = await deliver(event, { test: true, secret: stored().secret });
			expect(response.status).toBe(401);
			expect(harness.runs).toEqual([]);
		});

		it('answers 400 without a run for a signed body that is not JSON or not an event', async () => {
			const asText = { 'Content-Type': 'text/plain' };
			for (const [rawBody, headers] of [
				// n8n parses only JSON before the node runs: text reaches the node as sent.
				['{"event": "message.received", "data": {', asText],
				['[1,2]', undefined],
				['{"data":{}}', undefined],
				['', undefined],
			] as const) {
				const response = await deliver({}, { rawBody, headers });
				expect(response.status).toBe(400);
				expect(JSON.parse(response.body)).toMatchObject({
					message: expect.stringMatching(/not a SendApi event/),
				});
			}
			expect(harness.runs).toEqual([]);
			expect(harness.handled).toHaveLength(4);
			expect(harness.handled.every((h) => h.result !== undefined && h.error === undefined)).toBe(
				true,
			);
		});

		it('leaves a JSON body that does not parse to n8n, which answers 422 before the node runs', async () => {
			const response = await deliver({}, { rawBody: '{"event": "message.received", "data": {' });
			expect(response.status).toBe(422);
			expect(JSON.parse(response.body)).toMatchObject({ message: 'Failed to parse request body' });
			expect(harness.handled).toEqual([{ test: false, status: 422 }]);
			expect(harness.runs).toEqual([]);
		});

		it('runs a delivery once: the same body or event id again answers 200 without a run', async () => {
			const event = fake.buildEvent('message.received', receivedData);
			expect((await deliver(event)).status).toBe(200);
			const replay = await deliver(event);
			expect(replay.status).toBe(200);
			expect(JSON.parse(replay.body)).toMatchObject({
				received: true,
				message: expect.stringMatching(/Duplicate/),
			});

			// No message id to identify it by: the event id alone tells the repeat, re-sent with
			// another timestamp and even another body.
			const { message_id: _unused, ...anonymous } = receivedData;
			const legacy = fake.buildEvent('message.received', anonymous, 'legacy') as IDataObject;
			expect((await deliver(legacy)).status).toBe(200);
			const resent = {
				...legacy,
				created_at: '2030-01-01T00:00:00.000Z',
				data: { ...anonymous, from: '+1' },
			};
			expect(JSON.parse((await deliver(resent)).body)).toMatchObject({
				message: expect.stringMatching(/Duplicate/),
			});

			const another = fake.buildEvent('message.received', { ...receivedData, message_id: 'msg_2' });
			expect((await deliver(another)).status).toBe(200);
			expect(items().map((item) => item.message_id)).toEqual(['msg_1', undefined, 'msg_2']);
		});

		describe('the same event under a new event id (SendApi retrying with a new envelope)', () => {
			/** The older envelope with a chosen event id: every retry below gets a new one. */
			const underEventId = (id: string, type: string, data: IDataObject) => ({
				id,
				type,
				data,
				created_at: new Date().toISOString(),
			});
			const statusData = (status: string, extra: IDataObject = {}): IDataObject => ({
				message_id: 'msg_out_1',
				session_id: 'sess_A',
				to: '+447700900002',
				status,
				...extra,
			});
			const notRecipient = { code: 131026, message: 'Recipient is not a WhatsApp user' };
			const outsideWindow = { code: 131047, message: 'More than 24 hours since the last reply' };
			const answers = (body: string) => JSON.parse(body) as IDataObject;

			it('runs the same bytes once', async () => {
				const event = underEventId('evt_a', 'message.received', receivedData);
				expect((await deliver(event)).status).toBe(200);
				const again = await deliver(event);
				expect(answers(again.body).message).toMatch(/Duplicate/);
				expect(harness.runs).toHaveLength(1);
			});

			it('runs one incoming message once, whatever event ids it arrives under', async () => {
				expect(
					(await deliver(underEventId('evt_a', 'message.received', receivedData))).status,
				).toBe(200);
				const retry = await deliver(underEventId('evt_b', 'message.received', receivedData));
				expect(retry.status).toBe(200);
				expect(answers(retry.body).message).toMatch(/Duplicate/);
				// The current envelope (no event id at all) of the same message is the same event too.
				await deliver(fake.buildEvent('message.received', receivedData));
				expect(items().map((item) => item.event_id)).toEqual(['evt_a']);
			});

			it('tells messages apart by session and by message id', async () => {
				await deliver(underEventId('evt_a', 'message.received', receivedData));
				await deliver(
					underEventId('evt_b', 'message.received', { ...receivedData, session_id: 'sess_B' }),
				);
				await deliver(
					underEventId('evt_c', 'message.received', { ...receivedData, message_id: 'msg_2' }),
				);
				expect(items().map((item) => item.event_id)).toEqual(['evt_a', 'evt_b', 'evt_c']);
			});

			it('runs delivered and read of one message, each once', async () => {
				harness.setParameters({ events: ['message.*'] });
				const delivered = statusData('delivered', { delivered_at: '2026-11-25T10:00:01.000Z' });
				const read = statusData('read', { read_at: '2026-11-25T10:05:00.000Z' });
				await deliver(underEventId('evt_d1', 'message.delivered', delivered));
				await deliver(underEventId('evt_r1', 'message.read', read));
				await deliver(underEventId('evt_d2', 'message.delivered', delivered));
				await deliver(underEventId('evt_r2', 'message.read', read));
				expect(items().map((item) => item.event_id)).toEqual(['evt_d1', 'evt_r1']);
			});

			it('runs two failures of one message with different errors, each once', async () => {
				harness.setParameters({ events: ['message.failed'] });
				const first = statusData('failed', { error: notRecipient });
				const second = statusData('failed', { error: outsideWindow });
				await deliver(underEventId('evt_f1', 'message.failed', first));
				await deliver(underEventId('evt_f2', 'message.failed', second));
				await deliver(underEventId('evt_f3', 'message.failed', first));
				expect(items().map((item) => item.event_id)).toEqual(['evt_f1', 'evt_f2']);
			});

			it('runs two failures with different errors also in the envelope without event ids', async () => {
				harness.setParameters({ events: ['message.failed'] });
				await deliver(
					fake.buildEvent('message.failed', statusData('failed', { error: notRecipient })),
				);
				await deliver(
					fake.buildEvent('message.failed', statusData('failed', { error: outsideWindow })),
				);
				expect(items().map((item) => item.error)).toEqual([notRecipient, outsideWindow]);
			});

			it('runs the same failure once under new event ids', async () => {
				harness.setParameters({ events: ['message.failed'] });
				const failed = statusData('failed', { error: notRecipient });
				await deliver(underEventId('evt_f1', 'message.failed', failed));
				const retry = await deliver(underEventId('evt_f2', 'message.failed', failed));
				expect(answers(retry.body).message).toMatch(/Duplicate/);
				// The same error with its fields in another order is still the same error.
				const reordered = { message: notRecipient.message, code: notRecipient.code };
				await deliver(underEventId('evt_f3', 'message.failed', { ...failed, error: reordered }));
				expect(items().map((item) => item.event_id)).toEqual(['evt_f1']);
			});
		});

		it('keeps the replay memory bounded', async () => {
			const { id, secret, events } = stored();
			const recent = Array.from({ length: REPLAY_MEMORY_KEYS }, (_, i) => `id:evt_old_${i}`);
			harness.staticData.webhooks = { [harness.webhookUrl()]: { id, secret, events, recent } };

			const event = fake.buildEvent('message.received', receivedData, 'legacy') as IDataObject;
			expect((await deliver(event)).status).toBe(200);
			const memory = stored().recent ?? [];
			expect(memory).toHaveLength(REPLAY_MEMORY_KEYS);
			expect(memory[0]).toBe('id:evt_old_2');
			expect(memory.slice(-2)).toEqual([
				`id:${String(event.id)}`,
				expect.stringMatching(/^event:/),
			]);
			expect(harness.runs).toHaveLength(1);
		});

		it('applies the event filter: exact, message.* and *', async () => {
			const sent = fake.buildEvent('message.sent', { ...receivedData, status: 'sent' });
			const response = await deliver(sent);
			expect(response.status).toBe(200);
			expect(JSON.parse(response.body)).toMatchObject({ received: true });
			expect(harness.runs).toEqual([]);

			harness.setParameters({ events: ['message.*'] });
			expect((await deliver(sent)).status).toBe(200);
			expect(
				(await deliver(fake.buildEvent('session.connected', { session_id: 'sess_A' }))).status,
			).toBe(200);
			expect(items().map((item) => item.event)).toEqual(['message.sent']);

			harness.setParameters({ events: ['*'] });
			expect(
				(await deliver(fake.buildEvent('session.connected', { session_id: 'sess_A' }))).status,
			).toBe(200);
			expect(items().map((item) => item.event)).toEqual(['message.sent', 'session.connected']);
		});

		it('applies the session filter by ID or from the list; empty means all sessions', async () => {
			harness.setParameters({
				events: ['message.received'],
				session: { __rl: true, mode: 'id', value: 'sess_A' },
			});
			await deliver(fake.buildEvent('message.received', { ...receivedData, session_id: 'sess_B' }));
			await deliver(fake.buildEvent('message.received', { ...receivedData, message_id: 'msg_A' }));

			harness.setParameters({
				events: ['message.received'],
				session: { __rl: true, mode: 'list', value: '42' },
			});
			await deliver(
				fake.buildEvent('message.received', {
					...receivedData,
					message_id: 'msg_42',
					session_id: 42,
				}),
			);

			harness.setParameters({
				events: ['message.received'],
				session: { __rl: true, mode: 'list', value: '' },
			});
			await deliver(
				fake.buildEvent('message.received', {
					...receivedData,
					message_id: 'msg_B',
					session_id: 'sess_B',
				}),
			);

			expect(items().map((item) => item.message_id)).toEqual(['msg_A', 'msg_42', 'msg_B']);
		});

		it('verifies Test URL deliveries with the Test URL webhook secret', async () => {
			await harness.activate({ test: true });
			const event = fake.buildEvent('message.received', receivedData);

			const wrongSecret = await deliver(event, { test: true, secret: stored().secret });
			expect(wrongSecret.status).toBe(401);
			expect((await deliver(event, { test: true })).status).toBe(200);
			// The production webhook remembers its own deliveries: the same event still runs there.
			expect((await deliver(event)).status).toBe(200);
			expect(harness.runs.map((run) => run.test)).toEqual([true, false]);
		});

		it('receives what the fake SendApi itself emits for an incoming message', async () => {
			const session = fake.seedSession({ status: 'connected', phone_number: '+447700900000' });
			const { message, deliveries } = await fake.simulateIncomingMessage({
				session_id: session.id,
				from: '+447700900123',
				text: 'Order 66',
			});

			expect(deliveries.map((d) => d.status)).toEqual([200]);
			expect(items()).toEqual([
				expect.objectContaining({
					event: 'message.received',
					message_id: message.id,
					session_id: session.id,
					from: '+447700900123',
					text: 'Order 66',
				}),
			]);
		});
	});
});
