import { runNode } from '../helpers/runWorkflow';
import { useFakeSendApi } from '../helpers/fakeServer';
import { retrySettings } from '../../nodes/SendApi/transport';
import { unwrapEnvelope } from '../../nodes/SendApi/transport/wire/envelope';
import { readErrorBody } from '../../nodes/SendApi/transport/wire/errorBody';
import { sessionIdForApi, stringifyIds } from '../../nodes/SendApi/transport/wire/ids';
import {
	backoffDelayMs,
	readRateLimit,
	retryAfterMs,
} from '../../nodes/SendApi/transport/retryPolicy';

const fake = useFakeSendApi();
const createSession = { resource: 'session', operation: 'create', name: 'Retry me' };
const sessionPosts = () =>
	fake.api.requests.filter((r) => r.method === 'POST' && r.path === '/v1/whatsapp/sessions');

describe('transport retries through n8n-core helpers', () => {
	test('429 waits Retry-After and resends under a new Idempotency-Key (nothing was done)', async () => {
		fake.api.faults.push({
			method: 'POST',
			path: '/whatsapp/sessions',
			kind: '429',
			retryAfterMs: 30,
			times: 2,
		});
		const { outputs, error } = await runNode({
			parameters: createSession,
			credentials: fake.credentials,
		});
		expect(error).toBeUndefined();
		expect(outputs[0]).toHaveLength(1);
		const posts = sessionPosts();
		expect(posts.map((r) => r.status)).toEqual([429, 429, 201]);
		expect(new Set(posts.map((r) => r.headers['idempotency-key'])).size).toBe(3);
		expect(posts[2].at - posts[0].at).toBeGreaterThanOrEqual(50);
		expect(fake.api.state.sessions.size).toBe(1);
	});

	test('a 429 after a lost answer is retried under the same key: the lost attempt may have been done', async () => {
		fake.api.faults.push(
			{ method: 'POST', path: '/whatsapp/sessions', kind: 'drop', afterProcessing: true },
			{ method: 'POST', path: '/whatsapp/sessions', kind: '429', retryAfterMs: 10, times: 2 },
		);
		const { error } = await runNode({ parameters: createSession, credentials: fake.credentials });
		expect(error).toBeUndefined();
		const posts = sessionPosts();
		// The first attempt was done (its answer dropped); the key's success is replayed at last.
		expect(posts.map((r) => [r.status, r.replayed === true])).toEqual([
			[0, false],
			[429, false],
			[429, false],
			[201, true],
		]);
		expect(new Set(posts.map((r) => r.headers['idempotency-key'])).size).toBe(1);
		expect(fake.api.state.sessions.size).toBe(1);
	});

	test('a SendApi that keeps refusals under the key: the retry after its 429 is a new request, and is done', async () => {
		fake.api.idempotencyKeepsRefusals = true;
		// Refused requests not counted: under the fake's default (every attempt counts) retries 5 ms
		// apart would keep this one-request window full; this test is about the key, not that.
		fake.api.setLimits({ requestsPerWindow: 1, windowMs: 100, refusedRequestsCount: false });
		fake.api.useRequests(1);
		const { error } = await runNode({ parameters: createSession, credentials: fake.credentials });
		expect(error).toBeUndefined();
		const posts = sessionPosts();
		expect(posts.map((r) => r.status)).toEqual([429, 201]);
		expect(posts.filter((r) => r.replayed)).toEqual([]);
		expect(new Set(posts.map((r) => r.headers['idempotency-key'])).size).toBe(2);
		expect(fake.api.state.sessions.size).toBe(1);
	});

	test('a lost answer, then a refusal kept under the key: its replay settles it, the retry gets a new key', async () => {
		fake.api.idempotencyKeepsRefusals = true;
		// Refused requests not counted: under the fake's default (every attempt counts) retries 5 ms
		// apart would keep this one-request window full; this test is about the key, not that.
		fake.api.setLimits({ requestsPerWindow: 1, windowMs: 100, refusedRequestsCount: false });
		fake.api.faults.push({ method: 'POST', path: '/whatsapp/sessions', kind: 'drop' });
		// The drop never reaches the limiter; the retry, 5 ms on, finds the window full and is refused.
		fake.api.useRequests(1);
		const { error } = await runNode({ parameters: createSession, credentials: fake.credentials });
		expect(error).toBeUndefined();
		const posts = sessionPosts();
		expect(posts.slice(0, 3).map((r) => [r.status, r.replayed === true])).toEqual([
			[0, false],
			[429, false],
			[429, true],
		]);
		expect(posts[posts.length - 1].status).toBe(201);
		const keys = posts.map((r) => r.headers['idempotency-key']);
		expect(new Set(keys.slice(0, 3)).size).toBe(1);
		expect(keys.slice(3)).not.toContain(keys[0]);
		expect(fake.api.state.sessions.size).toBe(1);
	});

	test.each(['500', '503', 'drop', 'malformedJson'] as const)(
		'%s is retried with the same key and creates exactly one session',
		async (kind) => {
			fake.api.faults.push({ method: 'POST', path: '/whatsapp/sessions', kind, times: 2 });
			const { error } = await runNode({ parameters: createSession, credentials: fake.credentials });
			expect(error).toBeUndefined();
			const posts = sessionPosts();
			expect(posts).toHaveLength(3);
			expect(new Set(posts.map((r) => r.headers['idempotency-key'])).size).toBe(1);
			expect(fake.api.state.sessions.size).toBe(1);
		},
	);

	test('an answer lost after the server did the work is replayed, not done twice', async () => {
		fake.api.faults.push({
			method: 'POST',
			path: '/whatsapp/sessions',
			kind: 'drop',
			afterProcessing: true,
		});
		const { outputs, error } = await runNode({
			parameters: createSession,
			credentials: fake.credentials,
		});
		expect(error).toBeUndefined();
		expect(fake.api.state.sessions.size).toBe(1);
		expect(outputs[0][0].json.id).toBe([...fake.api.state.sessions.values()][0].id);
		expect(sessionPosts().at(-1)?.replayed).toBe(true);
	});

	test('a slow answer past the timeout is retried', async () => {
		const saved = retrySettings.requestTimeoutMs;
		retrySettings.requestTimeoutMs = 200;
		try {
			fake.api.faults.push({
				method: 'GET',
				path: '/whatsapp/sessions',
				kind: 'slow',
				delayMs: 600,
			});
			const { outputs, error } = await runNode({
				parameters: { resource: 'session', operation: 'getAll', returnAll: true },
				credentials: fake.credentials,
			});
			expect(error).toBeUndefined();
			expect(outputs[0]).toEqual([]);
			expect(
				fake.api.requests.filter((r) => r.path === '/v1/whatsapp/sessions').length,
			).toBeGreaterThanOrEqual(2);
		} finally {
			retrySettings.requestTimeoutMs = saved;
		}
	});

	test('gives up after the last attempt with the server error', async () => {
		fake.api.faults.push({
			method: 'POST',
			path: '/whatsapp/sessions',
			kind: '500',
			times: Infinity,
		});
		const { error } = await runNode({ parameters: createSession, credentials: fake.credentials });
		expect(error?.name).toBe('NodeApiError');
		expect(error?.httpCode).toBe('500');
		expect(error?.message).toBe(
			'Item 1: SendApi: Internal error (injected 500 fault) (api_error 5000)',
		);
		expect(error?.description).toMatch(/SendApi request id: req_\w+\./);
		// Five tries in all (the first and four retries), written out rather than read from the code.
		expect(sessionPosts()).toHaveLength(5);
	});

	test('a connection that keeps dropping names the item, in the error output too', async () => {
		fake.api.faults.push({
			method: 'POST',
			path: '/whatsapp/sessions',
			kind: 'drop',
			times: Infinity,
		});
		const { outputs, error } = await runNode({
			parameters: { ...createSession, name: '={{ $json.name }}' },
			items: [{ json: { name: '' } }, { json: { name: 'Second' } }],
			credentials: fake.credentials,
			continueOnFail: true,
		});
		expect(error).toBeUndefined();
		expect(outputs[0].map((item) => item.json.error)).toEqual([
			'Item 1: Name is empty',
			expect.stringMatching(/^Item 2: Could not reach SendApi \(.+\)$/),
		]);
		expect(outputs[0][1].json.error_description).toMatch(/^Request: POST \/whatsapp\/sessions\./);
		expect(outputs[0].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	test('4xx answers are not retried', async () => {
		const { error } = await runNode({
			parameters: {
				resource: 'session',
				operation: 'get',
				session: { __rl: true, mode: 'id', value: 'sess_gone' },
			},
			credentials: fake.credentials,
		});
		expect(error?.httpCode).toBe('404');
		expect(fake.api.requests).toHaveLength(1);
	});

	test('an over-long name is refused before any request', async () => {
		const { error } = await runNode({
			parameters: { resource: 'session', operation: 'create', name: 'x'.repeat(101) },
			credentials: fake.credentials,
		});
		expect(error?.message).toBe('Item 1: Name is 101 characters long; at most 100 are allowed');
		expect(fake.api.requests).toHaveLength(0);
	});
});

describe('dialect: both documented shapes are read', () => {
	test('error shape with numeric code and request id in meta', () => {
		expect(
			readErrorBody({
				success: false,
				error: { type: 'rate_limit_exceeded', message: 'Slow down', code: 4029 },
				meta: { request_id: 'req_1', timestamp: 'now' },
			}),
		).toEqual({
			type: 'rate_limit_exceeded',
			code: 4029,
			message: 'Slow down',
			param: undefined,
			requestId: 'req_1',
		});
	});

	test('error shape with string code and param, request id from the header', () => {
		expect(
			readErrorBody(
				{
					error: {
						type: 'invalid_request_error',
						code: 'missing_parameter',
						param: 'to',
						message: 'to is required',
					},
				},
				{ 'x-request-id': 'req_2' },
			),
		).toEqual({
			type: 'invalid_request_error',
			code: 'missing_parameter',
			message: 'to is required',
			param: 'to',
			requestId: 'req_2',
		});
	});

	test('envelopes are unwrapped only when they are envelopes', () => {
		expect(unwrapEnvelope({ data: { id: 1 }, meta: {} })).toEqual({ id: 1 });
		expect(unwrapEnvelope({ id: 'sess_1', status: 'pending' })).toEqual({
			id: 'sess_1',
			status: 'pending',
		});
		expect(unwrapEnvelope({ id: 'x', data: 'payload' })).toEqual({ id: 'x', data: 'payload' });
	});

	test('ids in answers are read as strings, at any depth; other numbers are left alone', () => {
		expect(
			stringifyIds({
				data: [
					{ id: 5, message_id: 5, session_id: 4, batch_id: 9, to: '+447700900000', status: 'sent' },
					{ id: 'msg_a', session_id: 'sess_b', content: { buttons: [{ id: 1, title: 'Yes' }] } },
				],
				meta: { total: 2, page: 1, per_page: 100, last_page: 1, request_id: 77 },
				error: { code: 4029 },
				whatsapp_id: 447700900000,
				participant_ids: [1, 'x'],
				groupId: 3,
				paid: 12,
				message_count: 3,
			}),
		).toEqual({
			data: [
				{
					id: '5',
					message_id: '5',
					session_id: '4',
					batch_id: '9',
					to: '+447700900000',
					status: 'sent',
				},
				{ id: 'msg_a', session_id: 'sess_b', content: { buttons: [{ id: '1', title: 'Yes' }] } },
			],
			meta: { total: 2, page: 1, per_page: 100, last_page: 1, request_id: '77' },
			error: { code: 4029 },
			whatsapp_id: '447700900000',
			participant_ids: ['1', 'x'],
			groupId: '3',
			paid: 12,
			message_count: 3,
		});
		expect(stringifyIds([{ id: 1 }, 2, null])).toEqual([{ id: '1' }, 2, null]);
		expect(stringifyIds('plain text')).toBe('plain text');
		expect(stringifyIds(undefined)).toBeUndefined();
	});

	test('session ids stay opaque, all-digit ids go out as integers', () => {
		expect(sessionIdForApi('sess_abc')).toBe('sess_abc');
		expect(sessionIdForApi('42')).toBe(42);
		expect(sessionIdForApi(7)).toBe(7);
	});
});

describe('retry policy', () => {
	test('backoff grows from 1 s and is capped at 60 s, with jitter in the upper half', () => {
		expect(backoffDelayMs(1, () => 0)).toBe(500);
		expect(backoffDelayMs(1, () => 1)).toBe(1000);
		expect(backoffDelayMs(3, () => 1)).toBe(4000);
		expect(backoffDelayMs(20, () => 1)).toBe(60_000);
	});

	test('Retry-After in seconds, as a date, and the precise test header', () => {
		expect(retryAfterMs({ 'retry-after': '3' }, 0)).toBe(3000);
		expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4_000)).toBe(6000);
		expect(retryAfterMs({ 'retry-after': '1', 'retry-after-ms': '250' }, 0)).toBe(250);
		expect(retryAfterMs({}, 0)).toBeUndefined();
	});

	test('rate limit headers', () => {
		expect(
			readRateLimit({
				'x-ratelimit-limit': '60',
				'x-ratelimit-remaining': '0',
				'x-ratelimit-reset': '100',
			}),
		).toEqual({
			limit: 60,
			remaining: 0,
			resetAtMs: 100_000,
		});
		expect(readRateLimit({})).toBeUndefined();
	});
});
