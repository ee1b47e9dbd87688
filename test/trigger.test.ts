/**
 * SendApi Trigger: the pure helpers directly; the webhook lifecycle through n8n-core's real
 * HookContext against the fake SendApi; deliveries as real signed HTTP POSTs from the fake into
 * n8n-core's real WebhookContext (see test/harness/trigger.ts).
 */
import { createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

import { searchSessions } from '../nodes/SendApi/methods/listSearch';
import {
	deliveryKey,
	eventMatches,
	matchesAnyEvent,
	matchesSession,
	normaliseEvent,
	REPLAY_MEMORY_SIZE,
	rememberDelivery,
	sameEvents,
	signatureMatches,
	toOutputItem,
} from '../nodes/SendApiTrigger/helpers';
import { SendApiTrigger } from '../nodes/SendApiTrigger/SendApiTrigger.node';
import type { StoredWebhook } from '../nodes/SendApiTrigger/state';
import { readRegistry } from '../nodes/SendApiTrigger/state';
import { type FakeSendApi, startFakeSendApi } from './fake-sendapi';
import { TriggerHarness } from './harness/trigger';

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
		it('keys a message event by event and message id, whatever the envelope timestamp', () => {
			const received = (timestamp: string) =>
				deliveryKey({ event: 'message.received', timestamp, data: { message_id: 'msg_1' } }, timestamp);
			expect(received('2026-01-01T00:00:00Z')).toBe('message:message.received:msg_1');
			expect(received('2026-01-01T00:00:05Z')).toBe(received('2026-01-01T00:00:00Z'));
			expect(deliveryKey({ event: 'message.read', data: { message_id: 'msg_1' } }, '')).not.toBe(
				received('2026-01-01T00:00:00Z'),
			);
		});

		it('keys by event id, else by the digest of the raw body', () => {
			expect(deliveryKey({ event: 'e', eventId: 'evt_1', data: {} }, 'x')).toBe('id:evt_1');
			const a = deliveryKey({ event: 'e', data: {} }, 'body-a');
			expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
			expect(deliveryKey({ event: 'e', data: {} }, Buffer.from('body-a'))).toBe(a);
			expect(deliveryKey({ event: 'e', data: {} }, 'body-b')).not.toBe(a);
		});

		it('reports a repeat and forgets the oldest beyond the limit', () => {
			const first = rememberDelivery([], 'k1', 3) as string[];
			expect(rememberDelivery(first, 'k1', 3)).toBeUndefined();
			const full = ['k2', 'k3', 'k4'].reduce(
				(list, key) => rememberDelivery(list, key, 3) as string[],
				first,
			);
			expect(full).toEqual(['k2', 'k3', 'k4']);
			expect(rememberDelivery(full, 'k1', 3)).toEqual(['k3', 'k4', 'k1']);
			expect(REPLAY_MEMORY_SIZE).toBe(500);
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
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' },
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
		const options = (events?.options ?? []) as Array<{ name: string; value: string; action?: string }>;
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
			expect(JSON.parse(response.body)).toEqual({ message: 'Workflow was started' });
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
			for (const rawBody of [
				'{"event": "message.received", "data": {',
				'[1,2]',
				'{"data":{}}',
				'',
			]) {
				const response = await deliver({}, { rawBody });
				expect(response.status).toBe(400);
			}
			expect(harness.runs).toEqual([]);
			expect(harness.handled.every((h) => h.error === undefined)).toBe(true);
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

			const legacy = fake.buildEvent('message.received', receivedData, 'legacy') as IDataObject;
			expect((await deliver(legacy)).status).toBe(200);
			// Same event id, re-sent with another timestamp: still the same event.
			expect((await deliver({ ...legacy, created_at: '2030-01-01T00:00:00.000Z' })).status).toBe(
				200,
			);

			const another = fake.buildEvent('message.received', { ...receivedData, message_id: 'msg_2' });
			expect((await deliver(another)).status).toBe(200);
			expect(items().map((item) => item.message_id)).toEqual(['msg_1', 'msg_1', 'msg_2']);
		});

		it('keeps the replay memory bounded', async () => {
			const { id, secret, events } = stored();
			const recent = Array.from({ length: REPLAY_MEMORY_SIZE }, (_, i) => `id:evt_old_${i}`);
			harness.staticData.webhooks = { [harness.webhookUrl()]: { id, secret, events, recent } };

			const event = fake.buildEvent('message.received', receivedData);
			expect((await deliver(event)).status).toBe(200);
			const memory = stored().recent ?? [];
			expect(memory).toHaveLength(REPLAY_MEMORY_SIZE);
			expect(memory[0]).toBe('id:evt_old_1');
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
