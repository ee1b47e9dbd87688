/**
 * Message → Send Bulk, run inside n8n-core's engine against the fake SendApi with its limits on a
 * short window (a few hundred ms stands for SendApi's minute). Timing is never asserted beyond
 * generous "it finishes" bounds; what is asserted is what the server saw and what came out.
 */
import type { IDataObject, INode, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { NodeHelpers, Workflow } from 'n8n-workflow';

import { configuredOutputs } from '../../nodes/SendApi/actions/message/sendBulk/outputs';
import {
	IdempotencyKeys,
	toEngineRateLimit,
} from '../../nodes/SendApi/actions/message/sendBulk/sender';
import { engineLimits } from '../../nodes/SendApi/actions/message/sendBulk.operation';
import { PLAN_LIMITS } from '../../nodes/SendApi/bulkEngine';
import { SendApi } from '../../nodes/SendApi/SendApi.node';
import type { SendApiErrorInfo } from '../../nodes/SendApi/transport/wire/errorBody';
import { quotaExceededScope } from '../../nodes/SendApi/transport/wire/errorBody';
import type { FakeLimits, LoggedRequest } from '../fake-sendapi';
import type { QuotaErrorShape } from '../fake-sendapi/limits';
import { useFakeSendApi } from '../helpers/fakeServer';
import { refusedSend } from '../helpers/refusedSend';
import { runNode, type RunNodeResult } from '../helpers/runWorkflow';

const fake = useFakeSendApi();

const WINDOW_MS = 400;

const byId = (value: string | number) => ({ __rl: true, mode: 'id', value: String(value) });

function phone(row: number): string {
	return `+4477009${String(10_000 + row).padStart(5, '0')}`;
}

function rows(
	count: number,
	extra: (row: number) => IDataObject = () => ({}),
): INodeExecutionData[] {
	return Array.from({ length: count }, (_, row) => ({
		json: { phone: phone(row), name: `Ann ${row}`, ...extra(row) },
	}));
}

interface BulkRun {
	items: INodeExecutionData[];
	sessions?: Array<string | number>;
	parameters?: INodeParameters;
	options?: IDataObject;
	/** The server's limits (none unless given), on WINDOW_MS. */
	serverLimits?: Partial<FakeLimits>;
	abortSignal?: AbortSignal;
	continueOnFail?: boolean;
}

/**
 * Runs Send Bulk. By default the node is told "no limits" (Custom, all 0) on a WINDOW_MS window,
 * so a test only sets the limits it is about.
 */
async function sendBulk(run: BulkRun): Promise<RunNodeResult & { sessions: string[] }> {
	const sessions = (run.sessions ?? [fake.api.seedSession().id]).map(String);
	if (run.serverLimits) fake.api.setLimits({ windowMs: WINDOW_MS, ...run.serverLimits });
	const result = await runNode({
		parameters: {
			resource: 'message',
			operation: 'sendBulk',
			sessions: { session: sessions.map((id) => ({ id: byId(id) })) },
			to: '={{ $json.phone }}',
			messageType: 'text',
			text: '=Hi {{ $json.name }}',
			plan: 'custom',
			planMessagesPerMinute: 0,
			planMessagesPerDay: 0,
			requestsPerMinute: 0,
			options: {
				rateWindowMs: WINDOW_MS,
				sessionMessagesPerMinute: 0,
				sessionMessagesPerDay: 0,
				...run.options,
			},
			...run.parameters,
		},
		items: run.items,
		credentials: fake.credentials,
		abortSignal: run.abortSignal,
		continueOnFail: run.continueOnFail,
	});
	return { ...result, sessions };
}

const sends = (): LoggedRequest[] =>
	fake.api.requests.filter((r) => r.method === 'POST' && /\/send(-bulk)?$/.test(r.path));

const accepted = (): LoggedRequest[] => sends().filter((r) => r.status >= 200 && r.status < 300);

function body(request: LoggedRequest): IDataObject {
	return request.body as IDataObject;
}

function outMessages() {
	return fake.api.state.messages.filter((m) => m.direction === 'out' && m.dialect !== 'seed');
}

/** How often each phone received a message on the server. */
function deliveredCounts(): Map<string, number> {
	const counts = new Map<string, number>();
	for (const message of outMessages()) {
		counts.set(String(message.to), (counts.get(String(message.to)) ?? 0) + 1);
	}
	return counts;
}

/** The most weight that any half-open window (t - windowMs, t] of arrivals holds. */
function busiestWindow(entries: Array<{ at: number; weight: number }>, windowMs: number): number {
	const sorted = [...entries].sort((a, b) => a.at - b.at);
	let most = 0;
	let start = 0;
	let held = 0;
	for (const entry of sorted) {
		held += entry.weight;
		while (sorted[start].at <= entry.at - windowMs) held -= sorted[start++].weight;
		most = Math.max(most, held);
	}
	return most;
}

function weightOf(request: LoggedRequest): number {
	const recipients = body(request).recipients;
	return Array.isArray(recipients) ? recipients.length : 1;
}

describe('Send Bulk: every row comes out exactly once', () => {
	test('one output item per row, in order, paired, with the row json and what happened', async () => {
		const items = rows(8, (row) =>
			row === 4 ? { status: 'not_sent', reason: 'from last run' } : {},
		);
		items[2].json.phone = 'call me';
		items[6].json.phone = '07700 900123';
		const { outputs, error, sessions } = await sendBulk({
			items,
			parameters: { text: '={{ $json.name === "Ann 5" ? "" : "Hi " + $json.name }}' },
		});

		expect(error).toBeUndefined();
		expect(outputs).toHaveLength(1);
		const out = outputs[0];
		expect(out.map((item) => item.pairedItem)).toEqual(items.map((_, item) => ({ item })));
		expect(out.map((item) => item.json.status)).toEqual([
			'sent',
			'sent',
			'not_sent',
			'sent',
			'sent',
			'not_sent',
			'not_sent',
			'sent',
		]);
		expect(out[2].json).toEqual({
			...items[2].json,
			status: 'not_sent',
			attempts: 0,
			reason: 'Row 3: To "call me" contains letters',
		});
		expect(out[5].json.reason).toBe('Row 6: Text is empty');
		expect(out[6].json.reason).toMatch(/^Row 7: To "07700 900123" is a national number/);
		// A row fed back from an earlier run keeps none of that run's result fields.
		expect(out[4].json).toEqual({
			phone: phone(4),
			name: 'Ann 4',
			to: phone(4),
			status: 'sent',
			message_id: expect.stringMatching(/^msg_/),
			session_id: sessions[0],
			attempts: 1,
		});
		// Each personalised row went to its own recipient with its own text.
		const byPhone = new Map(outMessages().map((m) => [m.to, m.content]));
		expect(byPhone.size).toBe(5);
		expect(byPhone.get(phone(7))).toMatchObject({ body: 'Hi Ann 7' });
		const sentIds = out
			.filter((item) => item.json.status === 'sent')
			.map((item) => item.json.message_id);
		expect(new Set(sentIds).size).toBe(5);
	});

	test('any message type: identical location rows still go one by one through /send', async () => {
		const { outputs } = await sendBulk({
			items: rows(3),
			parameters: { messageType: 'location', latitude: 51.5, longitude: '={{ -0.12 }}' },
		});
		expect(outputs[0].map((item) => item.json.status)).toEqual(['sent', 'sent', 'sent']);
		expect(sends().map((r) => [r.path, body(r).type])).toEqual(
			Array(3).fill(['/v1/whatsapp/send', 'location']),
		);
	});

	test('a bad setting stops the node before anything is sent; Continue On Fail reports every row', async () => {
		const noSessions = await runNode({
			parameters: { resource: 'message', operation: 'sendBulk', text: 'x', sessions: {} },
			items: rows(2),
			credentials: fake.credentials,
		});
		expect(noSessions.error?.message).toBe('Sessions is empty');
		expect(fake.api.requests).toHaveLength(0);

		const { outputs } = await sendBulk({
			items: rows(2),
			options: { delayMs: 100 },
			continueOnFail: true,
		});
		expect(outputs[0].map((item) => [item.json.status, item.json.reason])).toEqual(
			Array(2).fill([
				'not_sent',
				'Delay Between Bulk Messages (Ms) is 100; it must be a whole number of at least 500',
			]),
		);
		expect(sends()).toHaveLength(0);
	});
});

describe('Send Bulk: grouping', () => {
	test('identical rows share /send-bulk calls (≤ 500 recipients), personalised rows use /send', async () => {
		const items = rows(1_203, (row) => ({ promo: row % 401 === 0 ? `personal ${row}` : 'SALE' }));
		const { outputs, sessions } = await sendBulk({
			items,
			parameters: { text: '={{ $json.promo }}' },
			options: { delayMs: 2000 },
		});

		const out = outputs[0];
		expect(out).toHaveLength(1_203);
		const bulk = sends().filter((r) => r.path.endsWith('send-bulk'));
		expect(bulk.map((r) => (body(r).recipients as string[]).length)).toEqual([500, 500, 200]);
		for (const call of bulk) {
			expect(body(call)).toMatchObject({ type: 'text', text: { body: 'SALE' }, delay_ms: 2000 });
			expect(body(call).session_id).toBe(sessions[0]);
		}
		const single = sends().filter((r) => r.path.endsWith('/send'));
		expect(single.map((r) => body(r).to)).toEqual([phone(0), phone(401), phone(802)]);
		expect(single.map((r) => (body(r).text as IDataObject).body)).toEqual([
			'personal 0',
			'personal 401',
			'personal 802',
		]);
		const queued = out.filter((item) => item.json.status === 'queued');
		expect(queued).toHaveLength(1_200);
		expect(queued[0].json.batch_id).toMatch(/^batch_/);
		expect(queued[0].json).not.toHaveProperty('message_id');
		expect(out[401].json).toMatchObject({
			status: 'sent',
			message_id: expect.stringMatching(/^msg_/),
		});
		expect(new Set(queued.map((item) => item.json.batch_id)).size).toBe(3);
		expect(deliveredCounts().size).toBe(1_203);
	});

	test('a chunk SendApi refuses (402 at its day cap) comes out not_sent with its reason; earlier chunks stay queued', async () => {
		fake.api.setLimits({ planMessagesPerDay: 600 });
		const { outputs, sessions } = await sendBulk({
			items: rows(750),
			parameters: { text: 'Sale' },
		});
		expect(sends().map((r) => r.status)).toEqual([202, 402]);
		expect(body(sends()[0])).toEqual({
			session_id: sessions[0],
			recipients: rows(500).map((item) => item.json.phone),
			type: 'text',
			text: { body: 'Sale', preview_url: false },
			content: 'Sale',
		});
		const out = outputs[0];
		expect(out.slice(0, 500).every((item) => item.json.status === 'queued')).toBe(true);
		expect(out[500].json).toMatchObject({
			status: 'not_sent',
			attempts: 1,
			session_id: sessions[0],
			reason: 'SendApi: Daily message quota of 600 exceeded for this plan (quota_exceeded 4020)',
		});
		expect(out.slice(500).every((item) => item.json.status === 'not_sent')).toBe(true);
	});

	test('with grouping off, or with binary media, every row goes through /send', async () => {
		await sendBulk({
			items: rows(4),
			parameters: { text: 'same' },
			options: { groupIdentical: false },
		});
		expect(sends().map((r) => r.path)).toEqual(Array(4).fill('/v1/whatsapp/send'));

		fake.api.reset();
		const png = {
			data: Buffer.from('png').toString('base64'),
			mimeType: 'image/png',
			fileName: 'a.png',
		};
		const items = rows(3).map((item) => ({ ...item, binary: { data: png } }));
		const { outputs } = await sendBulk({
			items,
			parameters: { messageType: 'image', mediaSource: 'binary', binaryPropertyName: 'data' },
		});
		expect(outputs[0].map((item) => item.json.status)).toEqual(['sent', 'sent', 'sent']);
		expect(sends().map((r) => r.path)).toEqual(Array(3).fill('/v1/whatsapp/send'));
	});

	test('identical image rows with a URL go through /send-bulk', async () => {
		await sendBulk({
			items: rows(3),
			parameters: {
				messageType: 'image',
				mediaSource: 'url',
				mediaUrl: 'https://cdn.example.com/p.jpg',
			},
		});
		expect(
			sends().map((r) => [r.path, body(r).type, (body(r).recipients as string[]).length]),
		).toEqual([['/v1/whatsapp/send-bulk', 'image', 3]]);
	});
});

describe('Send Bulk: limits', () => {
	test('rows spread over three sessions; no window of what the node sent is ever over; nothing refused', async () => {
		const sessions = [fake.api.seedSession(), fake.api.seedSession(), fake.api.seedSession()];
		const limits = {
			planMessagesPerWindow: 12,
			requestsPerWindow: 40,
			sessionMessagesPerWindow: 5,
		};
		const { outputs } = await sendBulk({
			items: rows(30),
			// The comma-separated form in one entry, plus a repeat that must not count twice.
			sessions: [sessions.map((s) => s.id).join(', '), sessions[0].id],
			serverLimits: limits,
			parameters: { planMessagesPerMinute: 12, requestsPerMinute: 40 },
			options: { sessionMessagesPerMinute: 5 },
		});

		expect(outputs[0].every((item) => item.json.status === 'sent')).toBe(true);
		expect(fake.api.refused429).toBe(0);
		// Every send the node made, as the fake logged its arrival (the fake refuses over its limits,
		// so what it accepted would prove nothing): its own window scan, not the fake's limiter.
		const entries = sends().map((r) => ({
			at: r.at,
			weight: weightOf(r),
			session: body(r).session_id,
		}));
		expect(entries).toHaveLength(30);
		expect(busiestWindow(entries, WINDOW_MS)).toBeLessThanOrEqual(12);
		for (const session of sessions) {
			const own = entries.filter((entry) => entry.session === session.id);
			expect(own.length).toBeGreaterThanOrEqual(8);
			expect(busiestWindow(own, WINDOW_MS)).toBeLessThanOrEqual(5);
		}
	});

	test('grouped rows: bulk chunks are sized to what each session may still send', async () => {
		const sessions = [fake.api.seedSession(), fake.api.seedSession()];
		const limits = {
			planMessagesPerWindow: 20,
			requestsPerWindow: 40,
			sessionMessagesPerWindow: 8,
		};
		const { outputs } = await sendBulk({
			items: rows(40),
			sessions: sessions.map((s) => s.id),
			parameters: { text: 'SALE', planMessagesPerMinute: 20, requestsPerMinute: 40 },
			options: { sessionMessagesPerMinute: 8 },
			serverLimits: limits,
		});
		expect(outputs[0].every((item) => item.json.status === 'queued')).toBe(true);
		expect(fake.api.refused429).toBe(0);
		const entries = sends().map((r) => ({
			at: r.at,
			weight: weightOf(r),
			session: body(r).session_id,
		}));
		expect(entries.every((entry) => entry.weight <= 8)).toBe(true);
		expect(busiestWindow(entries, WINDOW_MS)).toBeLessThanOrEqual(16);
		expect(deliveredCounts().size).toBe(40);
	});

	test('a plan preset paces to its numbers: Starter sends 10 per window', async () => {
		await sendBulk({
			items: rows(25),
			parameters: { plan: 'starter' },
			options: { sessionMessagesPerMinute: 30, sessionMessagesPerDay: 1000 },
			serverLimits: {
				planMessagesPerWindow: 10,
				requestsPerWindow: 60,
				sessionMessagesPerWindow: 30,
			},
		});
		expect(fake.api.refused429).toBe(0);
		expect(sends()).toHaveLength(25);
		expect(
			busiestWindow(
				sends().map((r) => ({ at: r.at, weight: 1 })),
				WINDOW_MS,
			),
		).toBe(10);
	});

	test('when the server is stricter than the plan chosen, its 429s pause the run and the row is resent under a new key', async () => {
		const { outputs } = await sendBulk({
			items: rows(12),
			parameters: { planMessagesPerMinute: 100, requestsPerMinute: 100 },
			serverLimits: { planMessagesPerWindow: 5 },
		});
		expect(outputs[0].every((item) => item.json.status === 'sent')).toBe(true);
		expect(fake.api.refused429).toBeGreaterThan(0);
		expect([...deliveredCounts().values()]).toEqual(Array(12).fill(1));
		const refused = sends().filter((r) => r.status === 429);
		const keysOf = (to: unknown) =>
			sends()
				.filter((r) => body(r).to === to)
				.map((r) => r.headers['idempotency-key']);
		// Nothing of a refused request was sent, and SendApi may keep the refusal under its key.
		for (const request of refused) {
			const keys = keysOf(body(request).to);
			expect(keys.length).toBeGreaterThan(1);
			expect(new Set(keys).size).toBe(keys.length);
		}
	});
});

describe('Send Bulk: a SendApi that keeps refusals under their Idempotency-Key', () => {
	/** `runs` executions at once, each on its own rows and two of `sessions`, the middle ones shared. */
	async function concurrentRuns(runs: number, rowsPerRun: number) {
		const sessions = Array.from({ length: runs + 1 }, () => fake.api.seedSession().id);
		fake.api.setLimits({ windowMs: WINDOW_MS, sessionMessagesPerWindow: 5 });
		const results = await Promise.all(
			Array.from({ length: runs }, (_, run) =>
				sendBulk({
					items: rows(rowsPerRun, () => ({ run })).map((item, row) => ({
						json: { ...item.json, phone: phone(run * 1000 + row) },
					})),
					sessions: [sessions[run], sessions[run + 1]],
					options: { sessionMessagesPerMinute: 5 },
				}),
			),
		);
		return results.flatMap((result) => result.outputs[0]);
	}

	test.each([
		['keeps only successes', false],
		['keeps refusals too', true],
	])(
		'concurrent runs on shared sessions, SendApi %s: every row sent once, none given up for 429s',
		async (_, keepsRefusals) => {
			fake.api.idempotencyKeepsRefusals = keepsRefusals;
			const out = await concurrentRuns(3, 12);

			expect(out.filter((item) => item.json.status !== 'sent').map((item) => item.json)).toEqual(
				[],
			);
			expect(out).toHaveLength(36);
			const delivered = deliveredCounts();
			expect(delivered.size).toBe(36);
			expect([...delivered.values()].every((count) => count === 1)).toBe(true);
			// The runs met on the shared sessions; no retry met a kept refusal.
			expect(fake.api.refused429).toBeGreaterThan(0);
			expect(sends().filter((r) => r.status === 429 && r.replayed)).toEqual([]);
		},
	);

	test('a row whose answer was lost keeps its key until the kept refusal is replayed, then is sent once', async () => {
		fake.api.idempotencyKeepsRefusals = true;
		const session = fake.api.seedSession();
		fake.api.setLimits({ windowMs: WINDOW_MS, sessionMessagesPerWindow: 1 });
		// Lost before SendApi saw it; the retry finds the window full (another sender) and is refused.
		fake.api.faults.push({ kind: 'drop', path: '/whatsapp/send' });
		fake.api.useSessionMessages(session.id, 1);
		const { outputs } = await sendBulk({ items: rows(1), sessions: [session.id] });

		expect(outputs[0][0].json).toMatchObject({ status: 'sent' });
		const statuses = sends().map((r) => [r.status, r.replayed === true]);
		expect(statuses.slice(0, 3)).toEqual([
			[0, false],
			[429, false],
			[429, true],
		]);
		const keys = sends().map((r) => r.headers['idempotency-key']);
		expect(new Set(keys.slice(0, 3)).size).toBe(1);
		expect(keys[3]).not.toBe(keys[0]);
		expect(deliveredCounts().get(phone(0))).toBe(1);
	});
});

describe('Send Bulk: sharing the key and sessions with others', () => {
	test('another client using most of the key’s request budget: X-RateLimit-Remaining paces the run, nothing refused', async () => {
		// The node is told the key allows 20 requests a window, but another client already used
		// 16 of this window's: only the server's headers can tell. The usage check takes 2 more,
		// and its answers already say so, before the first send.
		fake.api.setLimits({ windowMs: WINDOW_MS, requestsPerWindow: 20 });
		fake.api.useRequests(16);
		const { outputs } = await sendBulk({
			items: rows(30),
			parameters: { requestsPerMinute: 20 },
		});
		expect(outputs[0].every((item) => item.json.status === 'sent')).toBe(true);
		expect(fake.api.refused429).toBe(0);
		expect([...deliveredCounts().values()]).toEqual(Array(30).fill(1));
	});

	test('a session that is not connected gets no more rows: they move to the connected sessions', async () => {
		const down = fake.api.seedSession({ status: 'disconnected' });
		const up = [fake.api.seedSession(), fake.api.seedSession()];
		const { outputs } = await sendBulk({
			items: rows(24),
			sessions: [down.id, up[0].id, up[1].id],
		});
		const out = outputs[0];
		expect(out).toHaveLength(24);
		expect(out.every((item) => item.json.status === 'sent')).toBe(true);
		expect(out.some((item) => item.json.session_id === down.id)).toBe(false);
		// At most the requests already in flight when the first refusal came back (concurrency 4).
		const toDown = sends().filter((r) => body(r).session_id === down.id);
		expect(toDown.length).toBeGreaterThanOrEqual(1);
		expect(toDown.length).toBeLessThanOrEqual(4);
		expect(toDown.every((r) => r.status === 409)).toBe(true);
		expect([...deliveredCounts().values()]).toEqual(Array(24).fill(1));
		// A moved row is a new request (other session_id), so it has its own Idempotency-Key.
		const moved = body(toDown[0]).to;
		const keys = sends()
			.filter((r) => body(r).to === moved)
			.map((r) => r.headers['idempotency-key']);
		expect(new Set(keys).size).toBe(2);
	});

	test('another sender used up one session’s anti-ban minute: only that session waits, the rest carry on', async () => {
		const sessions = [fake.api.seedSession(), fake.api.seedSession(), fake.api.seedSession()];
		fake.api.setLimits({ windowMs: WINDOW_MS, sessionMessagesPerWindow: 10 });
		fake.api.useSessionMessages(sessions[0].id, 10);
		const { outputs } = await sendBulk({
			items: rows(20),
			sessions: sessions.map((s) => s.id),
			options: { sessionMessagesPerMinute: 10 },
		});
		expect(outputs[0].every((item) => item.json.status === 'sent')).toBe(true);
		expect([...deliveredCounts().values()]).toEqual(Array(20).fill(1));
		const refused = sends().filter((r) => r.status === 429);
		expect(refused.length).toBeGreaterThanOrEqual(1);
		expect(refused.every((r) => body(r).session_id === sessions[0].id)).toBe(true);
		// the first window: the two free sessions sent theirs without waiting for the third
		const firstWindow = accepted().filter((r) => r.at < accepted()[0].at + WINDOW_MS);
		expect(firstWindow).toHaveLength(20);
	});

	test('a row whose earlier answer was lost stays on its session after a session 429 (a new key could send it twice)', async () => {
		const sessions = [fake.api.seedSession(), fake.api.seedSession()];
		fake.api.faults.push(
			{ kind: 'drop', path: '/whatsapp/send', afterProcessing: true },
			{ kind: '429', path: '/whatsapp/send', errorType: 'sending_limited', retryAfterMs: 30 },
		);
		const { outputs } = await sendBulk({ items: rows(1), sessions: sessions.map((s) => s.id) });
		expect(outputs[0][0].json).toMatchObject({ status: 'sent', session_id: sessions[0].id });
		expect([...deliveredCounts().values()]).toEqual([1]);
		expect(new Set(sends().map((r) => r.headers['idempotency-key'])).size).toBe(1);
	});

	test('one session at its anti-ban day cap (another sender): it is left out, its rows go to the others', async () => {
		const sessions = [fake.api.seedSession(), fake.api.seedSession()];
		fake.api.setLimits({ windowMs: WINDOW_MS, sessionMessagesPerDay: 50 });
		fake.api.useSessionMessages(sessions[0].id, 50);
		const { outputs } = await sendBulk({
			items: rows(12),
			sessions: sessions.map((s) => s.id),
			options: { sessionMessagesPerDay: 50 },
		});
		expect(outputs[0].every((item) => item.json.status === 'sent')).toBe(true);
		expect(outputs[0].every((item) => item.json.session_id === sessions[1].id)).toBe(true);
		expect(
			sends()
				.filter((r) => body(r).session_id === sessions[0].id)
				.every((r) => r.status === 429),
		).toBe(true);
	});

	test('when no session is connected, every row comes out not_sent saying why', async () => {
		const sessions = [
			fake.api.seedSession({ status: 'disconnected' }),
			fake.api.seedSession({ status: 'pending' }),
		];
		const { outputs } = await sendBulk({ items: rows(6), sessions: sessions.map((s) => s.id) });
		const out = outputs[0];
		expect(out).toHaveLength(6);
		for (const item of out) {
			expect(item.json.status).toBe('not_sent');
			expect(String(item.json.reason)).toMatch(/no session can send/);
			expect(String(item.json.reason)).toContain(String(sessions[0].id));
		}
		// Not sent, but the number it was for is known: it is still reported.
		expect(out.map((item) => item.json.to)).toEqual(
			Array.from({ length: 6 }, (_, row) => phone(row)),
		);
		expect(outMessages()).toHaveLength(0);
	});
});

describe('Send Bulk: the number sent', () => {
	const shown = (item: INodeExecutionData) => {
		const { phone: number, to, sent_to: sentTo, status } = item.json;
		return { phone: number, to, sent_to: sentTo, status };
	};

	test('each row gets the E.164 number in `to`; its own columns, `to` included, are never changed', async () => {
		const items: INodeExecutionData[] = [
			{ json: { phone: '+44 7700 900000' } },
			{ json: { phone: '+447700900001', to: 'Ann (mobile)' } },
			{ json: { phone: '+447700900002', to: '+447700900002' } },
			{ json: { phone: '+44 7700 900003', to: '+44 7700 900003' } },
			{ json: { phone: 'call me' } },
			{ json: { phone: 'call me', to: 'keep me' } },
			{ json: { phone: '0044 7700 900006', to: '' } },
			// Fed back from an earlier run: that run's `sent_to` is a result field, not the row's.
			{ json: { phone: '+447700900007', to: 'Bo', sent_to: '+449999', status: 'not_sent' } },
		];
		const { outputs } = await sendBulk({ items });
		expect(outputs[0].map(shown)).toEqual([
			{ phone: '+44 7700 900000', to: '+447700900000', sent_to: undefined, status: 'queued' },
			{ phone: '+447700900001', to: 'Ann (mobile)', sent_to: '+447700900001', status: 'queued' },
			{ phone: '+447700900002', to: '+447700900002', sent_to: undefined, status: 'queued' },
			{
				phone: '+44 7700 900003',
				to: '+44 7700 900003',
				sent_to: '+447700900003',
				status: 'queued',
			},
			{ phone: 'call me', to: undefined, sent_to: undefined, status: 'not_sent' },
			{ phone: 'call me', to: 'keep me', sent_to: undefined, status: 'not_sent' },
			{ phone: '0044 7700 900006', to: '+447700900006', sent_to: undefined, status: 'queued' },
			{ phone: '+447700900007', to: 'Bo', sent_to: '+447700900007', status: 'queued' },
		]);
		// What the output says went out is what SendApi received.
		const recipients = sends().flatMap((r) => body(r).recipients as string[]);
		expect(recipients).toEqual(
			outputs[0]
				.filter((item) => item.json.status !== 'not_sent')
				.map((item) => item.json.sent_to ?? item.json.to),
		);
		expect(Object.keys(outputs[0][0].json)).toEqual([
			'phone',
			'to',
			'status',
			'batch_id',
			'session_id',
			'attempts',
		]);
	});

	test('when the recipient column itself is `to`, a number already in E.164 stays the one column', async () => {
		const { outputs } = await sendBulk({
			items: [{ json: { to: '+447700900010' } }, { json: { to: '+44 (7700) 900-011' } }],
			parameters: { to: '={{ $json.to }}', text: '=Hi {{ $json.to }}' },
		});
		expect(outputs[0].map((item) => [item.json.to, item.json.sent_to, item.json.status])).toEqual([
			['+447700900010', undefined, 'sent'],
			['+44 (7700) 900-011', '+447700900011', 'sent'],
		]);
		expect(sends().map((r) => body(r).to)).toEqual(['+447700900010', '+447700900011']);
	});
});

/** Each row's requests (a bulk call's under its first recipient), in order. */
function requestsByFirstRecipient(requests: LoggedRequest[]): Map<string, LoggedRequest[]> {
	const byRow = new Map<string, LoggedRequest[]>();
	for (const request of requests) {
		const to = String(body(request).to ?? (body(request).recipients as string[])[0]);
		byRow.set(to, [...(byRow.get(to) ?? []), request]);
	}
	return byRow;
}

/**
 * A row's key changes only after a 429 when no answer of it was lost (dropped, 5xx, unreadable):
 * one lost answer and the row keeps its key, since only that key tells whether it went out.
 */
function expectKeysKeptWhileUnsettled(requests: LoggedRequest[]): void {
	for (const attempts of requestsByFirstRecipient(requests).values()) {
		let unsettled = false;
		attempts.slice(1).forEach((request, i) => {
			const before = attempts[i];
			const lost = before.fault !== undefined && before.fault !== '429';
			unsettled ||= lost || before.status === 0 || before.status >= 500;
			const sameKey = request.headers['idempotency-key'] === before.headers['idempotency-key'];
			expect(sameKey).toBe(unsettled || before.status !== 429);
		});
	}
}

describe('Send Bulk: faults', () => {
	test('429 storm, 500s and dropped connections (also after SendApi acted): nothing lost, nothing twice', async () => {
		const send = '/whatsapp/send';
		fake.api.faults.push(
			{ kind: '429', path: send, times: 4, retryAfterMs: 30 },
			{ kind: '500', path: send, times: 2 },
			{ kind: 'drop', path: send, times: 2 },
			{ kind: 'drop', path: send, times: 2, afterProcessing: true },
			{ kind: '500', path: send, afterProcessing: true },
			{ kind: 'malformedJson', path: send, afterProcessing: true },
			{ kind: 'drop', path: '/whatsapp/send-bulk', afterProcessing: true },
			{ kind: '503', path: '/whatsapp/send-bulk' },
		);
		const items = rows(40, (row) => ({ promo: row % 2 === 0 ? 'SALE' : `Hi ${row}` }));
		const { outputs, error } = await sendBulk({
			items,
			parameters: { text: '={{ $json.promo }}' },
		});

		expect(error).toBeUndefined();
		expect(fake.api.faults.pending).toEqual([]);
		const out = outputs[0];
		expect(out.map((item) => item.json.status)).toEqual(
			items.map((_, row) => (row % 2 === 0 ? 'queued' : 'sent')),
		);
		// Compare the server's state with the input rows: each phone exactly once.
		const delivered = deliveredCounts();
		expect(delivered.size).toBe(40);
		expect([...delivered.values()].every((count) => count === 1)).toBe(true);

		// Every retry carried the key (and body) of the attempt before it, unless that was a 429
		// with every answer received (nothing was sent): then a new key. Replays answered the ones
		// SendApi had already acted on.
		expectKeysKeptWhileUnsettled(sends());
		const byKey = new Map<string, LoggedRequest[]>();
		for (const request of sends()) {
			const key = String(request.headers['idempotency-key']);
			byKey.set(key, [...(byKey.get(key) ?? []), request]);
		}
		const retried = [...byKey.values()].filter((attempts) => attempts.length > 1);
		expect(retried.length).toBeGreaterThanOrEqual(5);
		for (const attempts of retried) {
			expect(new Set(attempts.map((a) => JSON.stringify(a.body))).size).toBe(1);
		}
		expect(sends().filter((r) => r.replayed).length).toBeGreaterThanOrEqual(4);
		const attemptsOf = new Map(out.map((item) => [item.json.phone, item.json.attempts]));
		for (const [to, attempts] of requestsByFirstRecipient(sends())) {
			expect(attemptsOf.get(to)).toBe(attempts.length);
		}
	});

	test('a row that keeps failing is reported not sent, saying whether SendApi may have sent it', async () => {
		fake.api.faults.push(
			{ kind: 'drop', path: '/whatsapp/send', afterProcessing: true },
			{ kind: '503', path: '/whatsapp/send', times: Infinity },
		);
		const { outputs } = await sendBulk({ items: rows(1) });
		expect(outputs[0][0].json).toMatchObject({ status: 'not_sent', attempts: 8 });
		expect(outputs[0][0].json.reason).toMatch(
			/^SendApi: Internal error \(injected 503 fault\).*an earlier answer was lost, so SendApi may have sent it \(gave up after 8 attempts\)$/,
		);
		expect(deliveredCounts().get(phone(0))).toBe(1);
	});

	test('a refusal no retry can fix is reported at once with SendApi’s reason', async () => {
		const pending = fake.api.seedSession({ status: 'pending' });
		const { outputs } = await sendBulk({ items: rows(2), sessions: [pending.id] });
		expect(outputs[0].map((item) => item.json.attempts)).toEqual([1, 1]);
		expect(outputs[0][0].json.reason).toMatch(
			/is pending, not connected \(invalid_request_error session_not_connected\)/,
		);
	});
});

describe('Send Bulk: daily quota', () => {
	/** Today's 00:00 UTC, written out here rather than taken from the node's own helper. */
	const todayUtc = () => `${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`;

	function seedToday(sessionId: string | number, count: number) {
		const startAt = Math.max(Date.parse(todayUtc()), Date.now() - 60_000);
		fake.api.seedMessages(sessionId, count, { startAt, stepMs: 1 });
	}

	test('messages already sent today are read first; rows past the plan’s day cap are not started', async () => {
		const session = fake.api.seedSession();
		seedToday(session.id, 15);
		fake.api.seedMessages(session.id, 50, { startAt: Date.now() - 3 * 86_400_000 }); // other days
		const { outputs } = await sendBulk({
			items: rows(10),
			sessions: [session.id],
			parameters: { planMessagesPerDay: 20 },
		});

		const gets = fake.api.requests.filter((r) => r.method === 'GET');
		expect(gets.map((r) => r.query)).toEqual([
			{ direction: 'out', from_date: todayUtc(), page: '1', per_page: '1' },
			{
				direction: 'out',
				from_date: todayUtc(),
				page: '1',
				per_page: '1',
				session_id: String(session.id),
			},
		]);
		const out = outputs[0];
		expect(out.map((item) => item.json.status)).toEqual([
			...Array(5).fill('sent'),
			...Array(5).fill('not_sent'),
		]);
		expect(out[5].json.reason).toBe(
			'daily limit: 20 messages/day on the plan, 15 already sent today, 5 left; this row was not started',
		);
		expect(accepted()).toHaveLength(5);
	});

	test('the per-session day cap counts each session’s own messages today', async () => {
		const [a, b] = [fake.api.seedSession(), fake.api.seedSession()];
		seedToday(a.id, 9);
		seedToday(b.id, 4);
		const { outputs } = await sendBulk({
			items: rows(10),
			sessions: [a.id, b.id],
			options: { sessionMessagesPerDay: 10 },
		});
		const out = outputs[0];
		expect(out.filter((item) => item.json.status === 'sent')).toHaveLength(7);
		expect(out[9].json.reason).toBe(
			'daily limit: 10 messages/day per session on 2 session(s), 13 already sent today, 7 left; this row was not started',
		);
		expect(out.filter((item) => item.json.session_id === a.id)).toHaveLength(1);
	});

	test('if today’s usage cannot be read, the run goes on assuming 0 and says so in a hint', async () => {
		fake.api.faults.push({ kind: '500', path: '/whatsapp/messages', times: Infinity });
		const { outputs, run } = await sendBulk({ items: rows(3) });
		expect(outputs[0].map((item) => item.json.status)).toEqual(['sent', 'sent', 'sent']);
		const hints = run.data.resultData.runData.SendApi[0].hints ?? [];
		expect(hints).toEqual([
			expect.objectContaining({
				type: 'warning',
				message: expect.stringMatching(
					/^Could not read how many messages went out today \(plan: .*Internal error.*\), so 0 was assumed\./,
				),
			}),
		]);
	});

	test('the check can be turned off', async () => {
		await sendBulk({ items: rows(2), options: { checkTodaysUsage: false } });
		expect(fake.api.requests.map((r) => r.method)).toEqual(['POST', 'POST']);
	});
});

describe('Send Bulk: SendApi’s quota_exceeded during the run', () => {
	/** How SendApi's plan refusal reads in each documented error shape. */
	const PLAN_SAID: Record<QuotaErrorShape, string> = {
		coded: 'SendApi: Daily message quota of 60 exceeded for this plan (quota_exceeded 4020)',
		param:
			'SendApi: Daily message quota of 60 exceeded for this plan (invalid_request_error quota_exceeded)',
	};
	/** Requests one session may have in flight (concurrencyForSessions(1)). */
	const IN_FLIGHT_PER_SESSION = 4;

	test.each<QuotaErrorShape>(['coded', 'param'])(
		'the plan’s day runs out at row 61 of 120 (%s shape): the rest end not_sent, no request after the refusal but those in flight',
		async (quotaErrorShape) => {
			// The node is told 500 a day; the account really has 60 left today.
			fake.api.setLimits({ planMessagesPerDay: 60, quotaErrorShape });
			const items = rows(120);
			const { outputs, sessions } = await sendBulk({
				items,
				parameters: { planMessagesPerDay: 500 },
			});

			const out = outputs[0];
			expect(out.map((item) => item.pairedItem)).toEqual(items.map((_, item) => ({ item })));
			expect(out.map((item) => item.json.phone)).toEqual(items.map((item) => item.json.phone));
			// What the server saw: 60 accepted, then only refusals of requests that were already
			// in flight when the first refusal came back (one session: at most 4 at once).
			const refused = sends().filter((r) => r.status === 402);
			expect(accepted()).toHaveLength(60);
			expect(refused.length).toBeGreaterThanOrEqual(1);
			expect(refused.length).toBeLessThanOrEqual(IN_FLIGHT_PER_SESSION);
			expect(sends()).toHaveLength(60 + refused.length);
			expect(fake.api.refused402).toBe(refused.length);

			const sentPhones = new Set(accepted().map((r) => body(r).to));
			const refusedPhones = new Set(refused.map((r) => body(r).to));
			expect(
				out.filter((item) => item.json.status === 'sent').map((item) => item.json.phone),
			).toEqual(items.map((item) => item.json.phone).filter((to) => sentPhones.has(to)));
			const notStarted = out.filter(
				(item) => !sentPhones.has(item.json.phone) && !refusedPhones.has(item.json.phone),
			);
			expect(notStarted).toHaveLength(60 - refused.length);
			for (const item of out.filter((entry) => refusedPhones.has(entry.json.phone))) {
				expect(item.json).toMatchObject({
					status: 'not_sent',
					attempts: 1,
					session_id: sessions[0],
					reason: PLAN_SAID[quotaErrorShape],
				});
			}
			const reason = new RegExp(
				`^daily limit: SendApi refused a send with "${literal(PLAN_SAID[quotaErrorShape])}" after this run had sent (\\d+); ` +
					"0 were already sent today before the run; the node's daily limit is 500 messages/day on the plan; " +
					'this row was not started$',
			);
			for (const item of notStarted) {
				expect(item.json).toMatchObject({ status: 'not_sent', attempts: 0 });
				expect(item.json).not.toHaveProperty('session_id');
				const sentBefore = Number(reason.exec(String(item.json.reason))?.[1]);
				// Sent before the refusal came back: all 60, less any still in flight then.
				expect(sentBefore).toBeGreaterThanOrEqual(60 - (IN_FLIGHT_PER_SESSION - 1));
				expect(sentBefore).toBeLessThanOrEqual(60);
			}
			expect([...deliveredCounts().values()]).toEqual(Array(60).fill(1));
		},
	);

	test.each<QuotaErrorShape>(['coded', 'param'])(
		'one session’s own quota is spent (%s shape): only it is left out, its rows go to the other',
		async (quotaErrorShape) => {
			const [spent, fresh] = [fake.api.seedSession(), fake.api.seedSession()];
			fake.api.setLimits({ sessionQuotaPerDay: 50, quotaErrorShape });
			fake.api.useSessionMessages(spent.id, 50); // sent elsewhere: the usage check cannot see it
			const items = rows(12);
			const { outputs } = await sendBulk({ items, sessions: [spent.id, fresh.id] });

			const out = outputs[0];
			expect(out.map((item) => item.pairedItem)).toEqual(items.map((_, item) => ({ item })));
			expect(out.every((item) => item.json.status === 'sent')).toBe(true);
			expect(out.every((item) => item.json.session_id === String(fresh.id))).toBe(true);
			const toSpent = sends().filter((r) => body(r).session_id === spent.id);
			expect(toSpent.length).toBeGreaterThanOrEqual(1);
			expect(toSpent.length).toBeLessThanOrEqual(IN_FLIGHT_PER_SESSION);
			expect(toSpent.every((r) => r.status === 402)).toBe(true);
			expect(sends()).toHaveLength(12 + toSpent.length);
			expect([...deliveredCounts().values()]).toEqual(Array(12).fill(1));
		},
	);

	test('a /send-bulk chunk refused for the plan’s day: the rest of the group and the personalised rows are not started', async () => {
		fake.api.setLimits({ planMessagesPerDay: 500 });
		const items = rows(703, (row) => ({ promo: row < 700 ? 'SALE' : `Hi ${row}` }));
		const { outputs, sessions } = await sendBulk({
			items,
			// One request a window: the chunks go one after the other, so the count is exact.
			parameters: { text: '={{ $json.promo }}', planMessagesPerDay: 5_000, requestsPerMinute: 1 },
		});

		expect(sends().map((r) => [r.path, weightOf(r), r.status])).toEqual([
			['/v1/whatsapp/send-bulk', 500, 202],
			['/v1/whatsapp/send-bulk', 200, 402],
		]);
		const out = outputs[0];
		expect(out.map((item) => item.pairedItem)).toEqual(items.map((_, item) => ({ item })));
		expect(out.slice(0, 500).every((item) => item.json.status === 'queued')).toBe(true);
		const said = 'SendApi: Daily message quota of 500 exceeded for this plan (quota_exceeded 4020)';
		for (const item of out.slice(500, 700)) {
			expect(item.json).toMatchObject({
				status: 'not_sent',
				attempts: 1,
				session_id: sessions[0],
				reason: said,
			});
		}
		for (const item of out.slice(700)) {
			expect(item.json).toMatchObject({
				status: 'not_sent',
				attempts: 0,
				reason:
					`daily limit: SendApi refused a send with "${said}" after this run had sent 500; ` +
					"0 were already sent today before the run; the node's daily limit is 5000 messages/day on the plan; " +
					'this row was not started',
			});
		}
	});

	test('which quota_exceeded is about one session is read from what SendApi says (our choice)', () => {
		const info = (fields: Partial<SendApiErrorInfo>): SendApiErrorInfo => ({
			type: 'quota_exceeded',
			code: 4020,
			...fields,
		});
		expect(
			quotaExceededScope(
				402,
				info({ message: 'Daily message quota of 60 exceeded for this plan' }),
			),
		).toBe('plan');
		expect(
			quotaExceededScope(402, info({ message: 'Daily quota exceeded for all sessions' })),
		).toBe('plan');
		expect(
			quotaExceededScope(402, {
				type: 'invalid_request_error',
				code: 'quota_exceeded',
				message: 'Quota exceeded',
			}),
		).toBe('plan');
		expect(quotaExceededScope(402, {})).toBe('plan'); // a bare 402: the only one documented
		expect(
			quotaExceededScope(402, {
				type: 'invalid_request_error',
				code: 'quota_exceeded',
				param: 'session_id',
			}),
		).toBe('session');
		for (const message of [
			'Session sess_1 daily quota of 50 messages exceeded',
			'Session daily limit of 1000 messages reached',
			"This session's daily quota is used up",
			'Daily message quota exceeded for this session',
			'Per-session daily quota exceeded',
			'quota exceeded for session_id 7',
		]) {
			expect([message, quotaExceededScope(402, info({ message }))]).toEqual([message, 'session']);
		}
		expect(quotaExceededScope(402, { type: 'api_error', code: 4020 })).toBe('plan');
		expect(quotaExceededScope(402, { type: 'balance_low', code: 4021 })).toBeUndefined();
		expect(quotaExceededScope(429, { type: 'rate_limit_exceeded', code: 4029 })).toBeUndefined();
	});

	test('the sender reads SendApi’s refusal into what the engine acts on, from either error shape', () => {
		const refusedWith = (status: number, info: SendApiErrorInfo) =>
			refusedSend(status, info).result;
		const plan = { ok: false, retryable: false, refused: true, planQuotaExceeded: true };
		const session = { ok: false, retryable: false, refused: true, sessionUnavailable: true };
		// The coded shape may say it with its number alone.
		expect(
			refusedWith(402, { type: 'api_error', code: 4020, message: 'Out of messages' }),
		).toMatchObject(plan);
		expect(
			refusedWith(402, { code: 'quota_exceeded', param: 'session_id', message: 'Quota' }),
		).toMatchObject(session);
		expect(
			refusedWith(402, {
				type: 'quota_exceeded',
				code: 4020,
				message: 'Session 7 daily quota of 5 messages exceeded',
			}),
		).toMatchObject(session);
		const other = refusedWith(422, {
			type: 'invalid_request_error',
			code: 'invalid_phone',
			message: 'Bad',
		});
		expect(other).not.toHaveProperty('planQuotaExceeded');
		expect(other).toMatchObject({ ok: false, retryable: false, sessionUnavailable: false });
	});
});

/** `text` as a literal inside a RegExp. */
function literal(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('Send Bulk: SendApi’s 4021 balance low during the run', () => {
	/** How the fake's refusal reads in each error shape, as a RegExp source. */
	const SAID: Record<QuotaErrorShape, string> = {
		coded: String.raw`SendApi: Balance too low: 0 of the 1 messages are paid for \(balance_low 4021\)`,
		param: String.raw`SendApi: Balance too low: 0 of the 1 messages are paid for \(invalid_request_error insufficient_balance\)`,
	};
	const FIX = literal(
		'Your SendApi balance is too low: nothing was sent. Top up the SendApi balance in the SendApi dashboard, then run it again.',
	);

	test.each<QuotaErrorShape>(['coded', 'param'])(
		'after 30 of 80 rows on two sessions (%s shape): like the plan’s quota, the rest end not_sent saying to top up',
		async (quotaErrorShape) => {
			fake.api.setLimits({ balanceMessages: 30, quotaErrorShape });
			const items = rows(80);
			const { outputs } = await sendBulk({
				items,
				sessions: [fake.api.seedSession().id, fake.api.seedSession().id],
			});

			// 30 accepted, then only refusals of requests already in flight (two sessions: 4 each).
			const refused = sends().filter((r) => r.status === 402);
			expect(accepted()).toHaveLength(30);
			expect(refused.length).toBeGreaterThanOrEqual(1);
			expect(refused.length).toBeLessThanOrEqual(2 * 4);
			expect(sends()).toHaveLength(30 + refused.length);
			expect([...deliveredCounts().values()]).toEqual(Array(30).fill(1));

			const out = outputs[0].map((item) => item.json);
			expect(outputs[0].map((item) => item.pairedItem)).toEqual(items.map((_, item) => ({ item })));
			const refusedTo = new Set(refused.map((r) => body(r).to));
			for (const row of out.filter((entry) => refusedTo.has(entry.phone))) {
				expect(row).toMatchObject({ status: 'not_sent', attempts: 1 });
				expect(row.reason).toMatch(new RegExp(`^${SAID[quotaErrorShape]}\\. ${FIX}$`));
			}
			const notStarted = out.filter((row) => row.status === 'not_sent' && row.attempts === 0);
			expect(notStarted).toHaveLength(50 - refused.length);
			for (const row of notStarted) {
				expect(row).not.toHaveProperty('session_id');
				expect(row.reason).toMatch(
					new RegExp(
						`^balance low: SendApi refused a send with "${SAID[quotaErrorShape]}\\. ${FIX}" after this run had sent \\d+; ` +
							'top up the SendApi balance, then send the rows not sent again; this row was not started$',
					),
				);
			}
		},
	);
});

describe('Send Bulk: outputs', () => {
	test('"Not-Sent Rows to Second Output" splits Sent (sent and queued) from Not Sent', async () => {
		const items = rows(5, (row) => ({ promo: row < 2 ? 'SALE' : `Hi ${row}` }));
		items[3].json.phone = '';
		const { outputs } = await sendBulk({
			items,
			parameters: { text: '={{ $json.promo }}' },
			options: { splitOutputs: true },
		});
		expect(outputs).toHaveLength(2);
		expect(outputs[0].map((item) => [item.pairedItem, item.json.status])).toEqual([
			[{ item: 0 }, 'queued'],
			[{ item: 1 }, 'queued'],
			[{ item: 2 }, 'sent'],
			[{ item: 4 }, 'sent'],
		]);
		expect(outputs[1].map((item) => [item.pairedItem, item.json.reason])).toEqual([
			[{ item: 3 }, 'Row 4: To is empty'],
		]);
	});

	test('the node declares the second output only for Send Bulk with the option on', () => {
		const bulk = { resource: 'message', operation: 'sendBulk' };
		expect(configuredOutputs({ ...bulk, options: { splitOutputs: true } })).toEqual([
			{ type: 'main', displayName: 'Sent' },
			{ type: 'main', displayName: 'Not Sent' },
		]);
		expect(configuredOutputs({ ...bulk, options: {} })).toEqual([{ type: 'main' }]);
		expect(
			configuredOutputs({
				resource: 'message',
				operation: 'send',
				options: { splitOutputs: true },
			}),
		).toEqual([{ type: 'main' }]);
	});

	test('n8n evaluates the outputs expression of the node description (from its source text)', () => {
		const nodeType = new SendApi();
		const outputsFor = (parameters: INodeParameters) => {
			const node: INode = {
				id: 'n',
				name: 'SendApi',
				type: 'n8n-nodes-sendapi.sendApi',
				typeVersion: 1,
				position: [0, 0],
				parameters,
			};
			const nodeTypes = {
				getByName: () => nodeType,
				getByNameAndVersion: () => nodeType,
				getKnownTypes: () => ({}),
			};
			const workflow = new Workflow({ nodes: [node], connections: {}, nodeTypes, active: false });
			return NodeHelpers.getNodeOutputs(
				workflow,
				workflow.getNode('SendApi') as INode,
				nodeType.description,
			);
		};
		const bulk = { resource: 'message', operation: 'sendBulk' };
		expect(outputsFor({ ...bulk, options: { splitOutputs: true } })).toEqual([
			{ type: 'main', displayName: 'Sent' },
			{ type: 'main', displayName: 'Not Sent' },
		]);
		expect(outputsFor(bulk)).toEqual([{ type: 'main' }]);
		expect(outputsFor({ resource: 'session', operation: 'getAll' })).toEqual([{ type: 'main' }]);
	});
});

describe('Send Bulk: cancellation', () => {
	test('a cancelled execution starts nothing more; rows not started come out not_sent "cancelled"', async () => {
		const controller = new AbortController();
		let abortedAt = Infinity;
		// Cancel while the run waits for its next window, once the first window's sends are in.
		const watcher = setInterval(() => {
			if (accepted().length < 3) return;
			clearInterval(watcher);
			setTimeout(() => {
				abortedAt = Date.now();
				controller.abort();
			}, WINDOW_MS / 4);
		}, 5);
		const { outputs } = await sendBulk({
			items: rows(40),
			parameters: { planMessagesPerMinute: 3 },
			serverLimits: { planMessagesPerWindow: 3 },
			abortSignal: controller.signal,
		});
		clearInterval(watcher);

		const out = outputs[0];
		expect(out).toHaveLength(40);
		const sent = out.filter((item) => item.json.status === 'sent');
		// A request still in flight at the cancel had left: only SendApi knows if it went out.
		const unknown = out.filter((item) =>
			/^cancelled while in flight .*SendApi may have sent it$/.test(String(item.json.reason)),
		);
		const cancelled = out.filter((item) => item.json.reason === 'cancelled');
		expect(sent.length + unknown.length + cancelled.length).toBe(40);
		expect(sent.length + unknown.length).toBeGreaterThanOrEqual(3);
		expect(sent.length + unknown.length).toBeLessThan(10);
		expect(cancelled.every((item) => item.json.attempts === 0)).toBe(true);
		// What the server has is what the output says was sent, plus at most the unknown ones.
		const delivered = [...deliveredCounts().keys()];
		const phones = (list: INodeExecutionData[]) => list.map((item) => String(item.json.phone));
		expect(delivered).toEqual(expect.arrayContaining(phones(sent)));
		expect(phones([...sent, ...unknown])).toEqual(expect.arrayContaining(delivered));
		// Nothing left after the cancel: what arrived later had left before it (in flight).
		const late = sends().filter((r) => r.at > abortedAt);
		expect(phones(unknown)).toEqual(expect.arrayContaining(late.map((r) => String(body(r).to))));
	});
});

describe('Send Bulk: pieces', () => {
	test('Idempotency-Keys: stable per row, chunk and session within a run, different across runs, UUID v4', () => {
		const keys = new IdempotencyKeys();
		const other = new IdempotencyKeys();
		expect(keys.forRow(3, 's1')).toBe(keys.forRow(3, 's1'));
		expect(keys.forRow(3, 's1')).not.toBe(keys.forChunk(3, 1, 's1'));
		expect(keys.forChunk(3, 20, 's1')).toBe(keys.forChunk(3, 20, 's1'));
		expect(keys.forChunk(3, 20, 's1')).not.toBe(keys.forChunk(3, 10, 's1'));
		expect(keys.forRow(3, 's1')).not.toBe(keys.forRow(3, 's2'));
		expect(keys.forRow(3, 's1')).not.toBe(other.forRow(3, 's1'));
		expect(keys.forChunk(7, 2, 's1')).toMatch(
			/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
		);
	});

	test('X-RateLimit-Reset (wall clock) is moved onto the engine’s monotonic clock', () => {
		const engineNow = () => 5_000;
		const wallNow = 1_700_000_000_000;
		expect(
			toEngineRateLimit(
				{ limit: 60, remaining: 0, resetAtMs: wallNow + 1_500 },
				engineNow,
				wallNow,
			),
		).toEqual({
			limit: 60,
			remaining: 0,
			resetAtMs: 6_500,
		});
		expect(toEngineRateLimit(undefined, engineNow, wallNow)).toBeUndefined();
	});

	test('the request budget leaves room for the usage check’s requests', () => {
		expect(engineLimits(PLAN_LIMITS.starter, 3).requestsPerWindow).toBe(57);
		expect(
			engineLimits({ ...PLAN_LIMITS.starter, requestsPerWindow: Infinity }, 3).requestsPerWindow,
		).toBe(Infinity);
		expect(
			engineLimits({ ...PLAN_LIMITS.starter, requestsPerWindow: 2 }, 3).requestsPerWindow,
		).toBe(1);
	});
});
