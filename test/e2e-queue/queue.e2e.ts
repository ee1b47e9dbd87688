/**
 * The package in n8n's queue mode: n8n 2.41.1 as one main process and two `n8n worker` processes on
 * PostgreSQL and Redis (started here, stopped in afterAll also when a test fails), binary data in
 * the database. Workflows start from webhooks on the main process and run on the workers:
 * session create with its QR binary, a send of each message type, a published SendApi Trigger
 * whose runs reply through SendApi (and a repeated delivery that starts no second run), n8n's
 * Remove Duplicates node as the guard for deliveries a trigger's memory cannot catch, and Send
 * Bulk executions started together on different workers on one API key.
 */
import { optimalMs, resolveBulkLimits } from '../../nodes/SendApi/bulkEngine';
import { acceptedOverLimit, type OverLimit } from '../../bench/overLimit';
import { qrPng } from '../fake-sendapi';
import { credentialFor, requestsTo, startFake, type FakeSendApi } from '../e2e/helpers/fake';
import { sleep, waitUntil } from '../e2e/helpers/n8nProcess';
import {
	byId,
	code,
	graph,
	node,
	sendApi,
	SENDAPI_TRIGGER,
	wfId,
	type CredentialRef,
	type WorkflowNode,
} from '../e2e/helpers/workflows';
import { startPostgres, startRedis, type Postgres, type Redis } from './services';
import { QueueCluster, readQueueSetup } from './stack';

const CRED: CredentialRef = { id: wfId('credQueue'), name: 'SendApi queue e2e' };
const S1 = 'sess_queue_main';
const TO = '+447700900401';
const PNG_SIGNATURE = '89504e470d0a1a0a';

/** Bulk: SendApi's limits scaled to a 3 s "minute"; four sessions, each run on two of them. */
const WINDOW_MS = 3000;
// The sessions bind (30 each, 90 or 120 a window), below the plan's 200.
const LIMITS = { plan: 200, requests: 400, session: 30 };
const BULK_SESSIONS = ['sess_queue_a', 'sess_queue_b', 'sess_queue_c', 'sess_queue_d'];
const ROWS_PER_RUN = 300;
const BULK_RUNS = 4;

const WF = {
	qr: wfId('wfQueueQr'),
	types: wfId('wfQueueTypes'),
	trigger: wfId('wfQueueTrigger'),
	guarded: wfId('wfQueueGuarded'),
	bulk: Array.from({ length: BULK_RUNS }, (_, run) => wfId(`wfQueueBulk${run}`)),
};
const TRIGGER_WEBHOOK_ID = '5e0da9b1-0000-4000-8000-0000000q0001';
const GUARDED_WEBHOOK_ID = '5e0da9b1-0000-4000-8000-0000000q0002';

let pg: Postgres | undefined;
let redis: Redis | undefined;
let cluster: QueueCluster | undefined;
let fake: FakeSendApi;

function webhookNode(
	name: string,
	urlPath: string,
	responseMode: 'onReceived' | 'lastNode',
	extra: Record<string, unknown> = {},
): WorkflowNode {
	return node(
		name,
		'n8n-nodes-base.webhook',
		{ httpMethod: 'POST', path: urlPath, responseMode, options: {}, ...extra },
		{ typeVersion: 2, webhookId: `queue-${urlPath}` },
	);
}

function post(urlPath: string, body: unknown = {}): Promise<Response> {
	return fetch(`${cluster!.main!.url}/webhook/${urlPath}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
}

/** Sends of each message type, from a Code node's binaries and by URL. */
function typesWorkflow() {
	const png = qrPng('queue');
	const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
	const media = code(
		'Media',
		`return [{ json: { to: ${JSON.stringify(TO)} }, binary: {
			photo: { data: ${JSON.stringify(png.toString('base64'))}, mimeType: 'image/png', fileName: 'photo.png' },
			invoice: { data: ${JSON.stringify(pdf.toString('base64'))}, mimeType: 'application/pdf', fileName: 'invoice.pdf' },
		} }];`,
	);
	const common = {
		resource: 'message',
		operation: 'send',
		session: byId(S1),
		to: '={{ $json.to }}',
	};
	const sends: Record<string, Record<string, unknown>> = {
		'Send Text': { messageType: 'text', text: 'Hello from a worker' },
		'Send Image': {
			messageType: 'image',
			mediaSource: 'binary',
			binaryPropertyName: 'photo',
			caption: 'A picture',
		},
		'Send Video': {
			messageType: 'video',
			mediaSource: 'url',
			mediaUrl: 'https://example.com/clip.mp4',
		},
		'Send Audio': {
			messageType: 'audio',
			mediaSource: 'url',
			mediaUrl: 'https://example.com/voice.ogg',
		},
		'Send Document': {
			messageType: 'document',
			mediaSource: 'binary',
			binaryPropertyName: 'invoice',
			fileName: 'invoice-42.pdf',
		},
		'Send Location': {
			messageType: 'location',
			latitude: 51.5014,
			longitude: -0.1419,
			label: 'Palace',
		},
		'Send Contact': {
			messageType: 'contact',
			contactFormat: 'fields',
			contactName: 'Ann Example',
			contactPhone: '+447700900999',
		},
		'Send Template': {
			messageType: 'template',
			templateName: 'order_update',
			templateLanguage: 'en_US',
			componentsSource: 'bodyVariables',
			bodyVariables: ['Ann', '#42'],
		},
		'Send Buttons': {
			messageType: 'interactive',
			interactiveType: 'button',
			bodyText: 'Confirm?',
			buttons: {
				button: [
					{ id: 'yes', title: 'Yes' },
					{ id: 'no', title: 'No' },
				],
			},
		},
		'Send Poll': { messageType: 'poll', pollQuestion: 'Which day?', pollOptions: ['Mon', 'Tue'] },
	};
	const nodes = Object.entries(sends).map(([name, params]) =>
		sendApi(name, CRED, { ...common, ...params }),
	);
	return {
		workflow: graph(
			WF.types,
			'queue: send every message type',
			[webhookNode('Webhook', 'queue-types', 'onReceived'), media, ...nodes],
			[['Webhook', 'Media'], ...nodes.map((n): [string, string] => ['Media', n.name])],
		),
		png,
		count: nodes.length,
	};
}

function triggerNode(webhookId: string): WorkflowNode {
	return node(
		'SendApi Trigger',
		SENDAPI_TRIGGER,
		{ events: ['message.received'], session: byId(S1) },
		{ webhookId, credentials: { sendApiApi: { id: CRED.id, name: CRED.name } } },
	);
}

function replyNode(text: string): WorkflowNode {
	return sendApi('Reply', CRED, {
		resource: 'message',
		operation: 'send',
		session: '={{ $json.session_id }}',
		to: '={{ $json.from }}',
		messageType: 'text',
		text,
	});
}

/** Run `run` of the concurrent bulk test: its own rows (phones `+4477<phase><run><row>`) on two sessions. */
function bulkWorkflow(run: number) {
	const sessions = [
		BULK_SESSIONS[run % BULK_SESSIONS.length],
		BULK_SESSIONS[(run + 1) % BULK_SESSIONS.length],
	];
	const rows = code(
		'Rows',
		`const phase = $('Webhook').first().json.body.phase;
		return Array.from({ length: ${ROWS_PER_RUN} }, (_, i) => ({ json: {
			phone: '+4477' + phase + '${run}' + String(i).padStart(5, '0'),
			name: 'Customer ' + i,
		} }));`,
	);
	const bulk = sendApi('Send Bulk', CRED, {
		resource: 'message',
		operation: 'sendBulk',
		sessions: { session: sessions.map((id) => ({ id: byId(id) })) },
		to: '={{ $json.phone }}',
		messageType: 'text',
		text: '=Hi {{ $json.name }}, run ' + run,
		plan: 'custom',
		planMessagesPerMinute: LIMITS.plan,
		planMessagesPerDay: 0,
		requestsPerMinute: LIMITS.requests,
		options: {
			rateWindowMs: WINDOW_MS,
			sessionMessagesPerMinute: LIMITS.session,
			sessionMessagesPerDay: 0,
		},
	});
	return graph(
		WF.bulk[run],
		`queue: bulk run ${run}`,
		[
			webhookNode('Webhook', `queue-bulk-${run}`, 'lastNode', { responseData: 'allEntries' }),
			rows,
			bulk,
		],
		[
			['Webhook', 'Rows'],
			['Rows', 'Send Bulk'],
		],
	);
}

let types: ReturnType<typeof typesWorkflow>;

beforeAll(async () => {
	const setup = readQueueSetup();
	const t0 = Date.now();
	try {
		// One after the other: each is assigned as soon as it runs, so afterAll stops it whatever fails next.
		pg = await startPostgres(setup.postgresBin);
		redis = await startRedis(setup.redisServer);
		fake = await startFake({
			limits: {
				windowMs: WINDOW_MS,
				planMessagesPerWindow: LIMITS.plan,
				requestsPerWindow: LIMITS.requests,
				sessionMessagesPerWindow: LIMITS.session,
			},
		});
		for (const id of [S1, ...BULK_SESSIONS]) fake.seedSession({ id, name: id });
		cluster = QueueCluster.create(setup, pg, redis);
		types = typesWorkflow();
		await cluster.importCredentials([credentialFor(fake, CRED)]);
		await cluster.importWorkflows([
			graph(
				WF.qr,
				'queue: session create',
				[
					webhookNode('Webhook', 'queue-qr', 'lastNode', {
						responseData: 'firstEntryBinary',
						responseBinaryPropertyName: 'qrCode',
					}),
					sendApi('Create Session', CRED, {
						resource: 'session',
						operation: 'create',
						name: 'Queue line',
					}),
				],
				[['Webhook', 'Create Session']],
			),
			types.workflow,
			graph(
				WF.trigger,
				'queue: trigger → reply',
				[triggerNode(TRIGGER_WEBHOOK_ID), replyNode('=Thanks, {{ $json.text }} received')],
				[['SendApi Trigger', 'Reply']],
			),
			graph(
				WF.guarded,
				'queue: trigger → Remove Duplicates → reply',
				[
					triggerNode(GUARDED_WEBHOOK_ID),
					node(
						'Seen Before?',
						'n8n-nodes-base.removeDuplicates',
						{
							operation: 'removeItemsSeenInPreviousExecutions',
							logic: 'removeItemsWithAlreadySeenKeyValues',
							dedupeValue: '={{ $json.message_id }}',
							options: {},
						},
						{ typeVersion: 2 },
					),
					replyNode('=Guarded reply to {{ $json.text }}'),
				],
				[
					['SendApi Trigger', 'Seen Before?'],
					['Seen Before?', 'Reply'],
				],
			),
			...WF.bulk.map((_, run) => bulkWorkflow(run)),
		]);
		await cluster.start(2);
	} finally {
		process.stderr.write(
			`[queue] cluster ${cluster?.main ? 'up' : 'NOT up'} after ${Math.round((Date.now() - t0) / 1000)}s\n`,
		);
	}
});

afterAll(async () => {
	await cluster?.stop().catch(() => undefined);
	await fake?.close().catch(() => undefined);
	await redis?.stop();
	await pg?.stop();
});

/** Waits until the workflow has `count` finished executions; returns them (newest first). */
async function finishedExecutions(workflowId: string, count: number, timeoutMs = 60_000) {
	return await waitUntil(
		`${count} finished execution(s) of ${workflowId}`,
		async () => {
			const list = await cluster!.rest!.executions(workflowId);
			return list.length >= count &&
				list.every((e) => !['running', 'new', 'waiting'].includes(e.status))
				? list
				: undefined;
		},
		timeoutMs,
	);
}

function outSends(phase?: string) {
	return fake.state.messages.filter(
		(m) =>
			m.direction === 'out' && (phase === undefined || String(m.to).startsWith(`+4477${phase}`)),
	);
}

test('the package is loaded by the main and by both workers, on PostgreSQL, Redis and binary data in the database', async () => {
	expect(cluster!.workers.map((w) => w.name)).toEqual(['worker1', 'worker2']);
	for (const w of cluster!.workers) expect(w.log()).toMatch(/n8n worker is now ready/);
	expect(pg!.query(`SELECT count(*) FROM workflow_entity`)).toBe(String(4 + BULK_RUNS));
});

test('session create on a worker: the QR code comes back to the main as a PNG binary (database mode)', async () => {
	const res = await post('queue-qr');
	expect(res.status).toBe(200);
	expect(res.headers.get('content-type')).toMatch(/image\/png/);
	const png = Buffer.from(await res.arrayBuffer());
	expect(png.subarray(0, 8).toString('hex')).toBe(PNG_SIGNATURE);
	const [execution] = await finishedExecutions(WF.qr, 1);
	expect(execution.status).toBe('success');
	expect(cluster!.workerOf(execution.id)).toBeDefined();
	// the binary was kept in PostgreSQL, where the main read it back
	expect(Number(pg!.query(`SELECT count(*) FROM binary_data`))).toBeGreaterThan(0);
	expect(requestsTo(fake, 'POST', '/whatsapp/sessions')).toHaveLength(1);
});

test('a send of each message type runs on a worker; media from binary fields arrives intact', async () => {
	expect((await post('queue-types')).status).toBe(200);
	const [execution] = await finishedExecutions(WF.types, 1);
	expect(execution.status).toBe('success');
	expect(cluster!.workerOf(execution.id)).toBeDefined();
	const sends = requestsTo(fake, 'POST', '/whatsapp/send');
	expect(sends).toHaveLength(types.count);
	const byType = (type: string) =>
		sends.find((r) => (r.body as { type?: string }).type === type)?.body as Record<string, any>;
	for (const type of [
		'text',
		'image',
		'video',
		'audio',
		'document',
		'location',
		'contact',
		'template',
		'interactive',
		'poll',
	])
		expect(byType(type)).toBeDefined();
	expect(JSON.stringify(byType('image'))).toContain(types.png.toString('base64'));
});

describe('a published SendApi Trigger in queue mode', () => {
	const hookOf = (webhookId: string) =>
		[...fake.state.webhooks.values()].find((h) => h.url.includes(webhookId));
	const incoming = (from: string, text: string) => ({
		message_id: `msg_q_${from.slice(-4)}_${Date.now()}`,
		session_id: S1,
		from,
		type: 'text',
		content: { body: text },
		received_at: new Date().toISOString(),
	});

	test('a delivery runs on a worker, which replies through SendApi; the same delivery again starts no second execution', async () => {
		const hook = await waitUntil('the trigger webhook', () => hookOf(TRIGGER_WEBHOOK_ID), 60_000);
		expect(hook.url).toBe(`${cluster!.main!.url}/webhook/${TRIGGER_WEBHOOK_ID}/webhook`);
		const payload = incoming('+447700900611', 'order 7');
		const options = { secret: hook.secret, envelope: 'event' as const, event: 'message.received' };
		expect((await fake.deliverWebhook(hook.url, payload, options)).status).toBe(200);
		const [first] = await finishedExecutions(WF.trigger, 1);
		expect(first).toMatchObject({ status: 'success', mode: 'webhook' });
		expect(cluster!.workerOf(first.id)).toBeDefined();
		const replies = () =>
			requestsTo(fake, 'POST', '/whatsapp/send').filter(
				(r) => (r.body as { to?: string }).to === '+447700900611',
			);
		expect(replies()).toHaveLength(1);

		// SendApi retries the delivery (same event): the main's trigger remembers it.
		await sleep(1500);
		expect((await fake.deliverWebhook(hook.url, payload, options)).status).toBe(200);
		await sleep(3000);
		expect(await cluster!.rest!.executions(WF.trigger)).toHaveLength(1);
		expect(replies()).toHaveLength(1);
	});

	test('with a second webhook process, a repeat reaching it runs again; Remove Duplicates ("across executions", on the message id) stops its reply', async () => {
		const hook = await waitUntil(
			'the guarded trigger webhook',
			() => hookOf(GUARDED_WEBHOOK_ID),
			60_000,
		);
		const webhookProcess = await cluster!.startWebhookProcess();
		const payload = incoming('+447700900622', 'order 8');
		const options = { secret: hook.secret, envelope: 'event' as const, event: 'message.received' };
		expect((await fake.deliverWebhook(hook.url, payload, options)).status).toBe(200);
		await finishedExecutions(WF.guarded, 1);
		// The load balancer sends SendApi's retry to the other webhook process: its trigger never saw
		// the first delivery (the memory of recent deliveries lives in each process).
		const elsewhere = hook.url.replace(cluster!.main!.url, webhookProcess.url!);
		expect((await fake.deliverWebhook(elsewhere, payload, options)).status).toBe(200);
		const runs = await finishedExecutions(WF.guarded, 2);
		expect(runs).toHaveLength(2);
		expect(runs.every((e) => e.status === 'success')).toBe(true);
		for (const run of runs) expect(cluster!.workerOf(run.id)).toBeDefined();
		// Remove Duplicates kept the message id of the first run (in PostgreSQL): the second run replied to nobody.
		const replies = requestsTo(fake, 'POST', '/whatsapp/send').filter(
			(r) => (r.body as { to?: string }).to === '+447700900622',
		);
		expect(replies).toHaveLength(1);
	});
});

interface BulkFigures {
	/** The fake keeps refusals under their Idempotency-Key (the stricter reading of SendApi). */
	keptRefusals: boolean;
	runs: number;
	rows: number;
	sessions: number;
	sent: number;
	elapsedMs: number;
	optimalMs: number;
	ratio: number;
	refused: number;
	/** 429s answered from the idempotency store (a retry under a refused key); 0 expected. */
	replayed: number;
	/** The fake's accepted-request timeline read by bench/overLimit.ts: a check on the fake. */
	overLimit: OverLimit;
	lost: number;
	duplicated: number;
	workers: string[];
	/** Why rows were not sent, with their counts (expected empty). */
	notSent: Record<string, number>;
}

/** `runs` Send Bulk executions started at the same moment; every row accounted for at the fake server. */
async function concurrentBulk(runs: number, phase: string): Promise<BulkFigures> {
	const refusedBefore = fake.refused429;
	const requestsBefore = fake.requests.length;
	const before = new Set(
		(await Promise.all(WF.bulk.map((id) => cluster!.rest!.executions(id)))).flat().map((e) => e.id),
	);
	const answers = await Promise.all(
		Array.from({ length: runs }, (_, run) => post(`queue-bulk-${run}`, { phase })),
	);
	const outputs = await Promise.all(
		answers.map(async (res) => {
			expect(res.status).toBe(200);
			return (await res.json()) as Array<{ phone: string; status: string; reason?: string }>;
		}),
	);
	const executions = (
		await Promise.all(WF.bulk.slice(0, runs).map((id) => finishedExecutions(id, 1)))
	)
		.flat()
		.filter((e) => !before.has(e.id));
	const stored = outSends(phase);
	const perPhone = new Map<string, number>();
	for (const m of stored) perPhone.set(String(m.to), (perPhone.get(String(m.to)) ?? 0) + 1);
	const rows = outputs.flat();
	const sessions = new Set(
		Array.from({ length: runs }, (_, run) => [
			run % BULK_SESSIONS.length,
			(run + 1) % BULK_SESSIONS.length,
		]).flat(),
	).size;
	const limits = resolveBulkLimits({
		windowMs: WINDOW_MS,
		planMessagesPerWindow: LIMITS.plan,
		planMessagesPerDay: Infinity,
		requestsPerWindow: LIMITS.requests,
		sessionMessagesPerWindow: LIMITS.session,
		sessionMessagesPerDay: Infinity,
	});
	const at = stored.map((m) => Date.parse(m.created_at)).sort((a, b) => a - b);
	const elapsedMs = at.length ? at[at.length - 1] - at[0] : 0;
	const optimal = optimalMs(stored.length, limits, sessions);
	return {
		keptRefusals: fake.idempotencyKeepsRefusals,
		runs,
		rows: rows.length,
		sessions,
		sent: rows.filter((r) => r.status !== 'not_sent').length,
		elapsedMs,
		optimalMs: optimal,
		ratio: Math.round((elapsedMs / optimal) * 1000) / 1000,
		refused: fake.refused429 - refusedBefore,
		replayed: fake.requests
			.slice(requestsBefore)
			.filter((r) => r.status === 429 && r.replayed === true).length,
		overLimit: acceptedOverLimit(
			fake.requests
				.slice(requestsBefore)
				.filter((r) => r.method === 'POST' && /\/send(-bulk)?$/.test(r.path))
				.map((r) => {
					const body = r.body as { session_id?: unknown; recipients?: unknown[] };
					return {
						status: r.status,
						at: r.countedAt ?? r.at,
						sessionId: String(body.session_id),
						recipients: Array.isArray(body.recipients) ? body.recipients.length : 1,
						replayed: r.replayed === true,
					};
				}),
			limits,
		),
		lost:
			rows.filter((r) => r.status !== 'not_sent' && !perPhone.has(r.phone)).length +
			(runs * ROWS_PER_RUN - rows.length),
		duplicated: [...perPhone.values()].reduce((sum, n) => sum + n - 1, 0),
		workers: executions.map((e) => cluster!.workerOf(e.id) ?? 'none'),
		notSent: rows
			.filter((r) => r.status === 'not_sent')
			.reduce<Record<string, number>>((count, r) => {
				const reason = String(r.reason).replace(/\d+/g, '#');
				count[reason] = (count[reason] ?? 0) + 1;
				return count;
			}, {}),
	};
}

function expectSharedLimitsHeld(f: BulkFigures): void {
	process.stderr.write(`[queue] concurrent bulk: ${JSON.stringify(f)}\n`);
	expect(f.rows).toBe(f.runs * ROWS_PER_RUN);
	expect(f.notSent).toEqual({});
	expect(f.sent).toBe(f.rows);
	expect(f.lost).toBe(0);
	expect(f.duplicated).toBe(0);
	expect(f.replayed).toBe(0);
	// The fake refuses over its limits: this reads its accepted timeline independently.
	expect(f.overLimit).toEqual({ requests: 0, plan_messages: 0, session_messages: 0 });
	// The target is 1.2× the limit-optimal time (bench/: 1.04 and 1.15 in-process). Here three n8n
	// processes share the machine's cores with PostgreSQL, Redis and the fake server, and every
	// refused request costs a worker CPU, so the figure moves with the machine's load (1.10–1.29
	// seen on a shared 2-core machine): it is reported against the target, and only a run slower
	// than 1.5× (runs serialised, or pausing far longer than SendApi asked) fails the test.
	process.stderr.write(
		`[queue] ${f.runs} runs: ratio ${f.ratio} ${f.ratio <= 1.2 ? 'within' : 'MISSES'} the 1.2× target\n`,
	);
	expect(f.ratio).toBeLessThanOrEqual(1.5);
	expect(f.workers).not.toContain('none');
	expect(new Set(f.workers).size).toBe(2);
}

/**
 * Both readings of SendApi's Idempotency-Key (docs/wire-format.md): it keeps only successes, or
 * refusals too, answering a repeated key with the stored 429 (the fake's `idempotencyKeepsRefusals`).
 */
describe.each([
	['keeps only successes', false, ['81', '82']],
	['keeps refusals too', true, ['83', '84']],
] as const)('SendApi %s', (_, keepsRefusals, phases) => {
	beforeEach(() => {
		fake.idempotencyKeepsRefusals = keepsRefusals;
	});
	afterEach(() => {
		fake.idempotencyKeepsRefusals = false;
	});

	test('two Send Bulk executions at once on two workers, one key, a shared session: every row once, refusals reported', async () => {
		expectSharedLimitsHeld(await concurrentBulk(2, phases[0]));
	});

	test('four Send Bulk executions at once on two workers, every session shared by two runs', async () => {
		expectSharedLimitsHeld(await concurrentBulk(4, phases[1]));
	});
});
