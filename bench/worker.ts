/**
 * Runs one scenario in a fresh process (so its CPU time and peak RSS are its own) and reports the
 * figures to the parent over IPC. The node runs for real: n8n-core's WorkflowExecute in-process
 * (test/helpers/runWorkflow.ts), HTTP over loopback to the fake SendApi in its own process.
 */
import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeParameters,
	INodeType,
} from 'n8n-workflow';

import { MAY_HAVE_BEEN_SENT } from '../nodes/SendApi/bulkEngine';
import type { BulkLimits } from '../nodes/SendApi/bulkEngine';
import { optimalMs, PLAN_LIMITS, resolveBulkLimits } from '../nodes/SendApi/bulkEngine';
import { SendApi } from '../nodes/SendApi/SendApi.node';
import type { FakeLimits } from '../test/fake-sendapi';
import { runNode } from '../test/helpers/runWorkflow';
import type { ServerSnapshot } from './fakeServerProcess';
import { ownCpuMsPerRow } from './ownCost';
import { acceptedOverLimit, type OverLimit } from './overLimit';
import {
	type BaselineFigures,
	IDENTICAL_TEXT,
	measureBaselines,
	type ScenarioBaselines,
} from './scenarioBaseline';
import { type Scenario, SCENARIOS } from './scenarios';
import { ServerClient } from './serverClient';

/** Rows of the warm-up run, so JIT compilation is not billed to the measured run. */
const WARM_UP_ROWS = 200;

/** Rows of the own-cost measurement (bench/ownCost.ts). */
const OWN_COST_ROWS = 10_000;

export interface ScenarioResult {
	scenario: string;
	/** Set for the n8n reference runs: only their CPU and memory figures mean anything. */
	reference?: Scenario['reference'];
	rows: number;
	sessions: number;
	/** Executions started together on the key (1 unless the scenario is a concurrent one). */
	runs: number;
	content: Scenario['content'];
	faulty: boolean;
	sent: number;
	not_sent: number;
	send_requests: number;
	bulk_requests: number;
	elapsed_ms: number;
	optimal_ms: number;
	ratio: number | null;
	wall_ms: number;
	refused_429: number;
	/** 429s answered from the idempotency store (only with --keep-refusals): a retry under a refused key. */
	replayed_429: number;
	/**
	 * The accepted-request timeline the fake logged, read by a window checker of its own
	 * (overLimit.ts): windows over a limit. The fake refuses what is over its limits, so this
	 * checks the fake as much as the node; what the node is held to is `refused_429`.
	 */
	over_limit: OverLimit;
	/** Sends SendApi refused because a daily quota was spent. */
	refused_402: number;
	faults_fired: number;
	lost: number;
	duplicated: number;
	/** Reported not_sent, stored by the server, and not flagged as possibly sent. */
	misreported: number;
	/** Reported not_sent with "SendApi may have sent it" (an answer was lost, then gave up). */
	maybe_sent: number;
	/** Not-sent reasons with their counts (numbers and ids stripped), most frequent first. */
	not_sent_reasons: Array<[string, number]>;
	same_key_retries: number;
	/** Full path: this package plus n8n-core (expressions, HTTP helper), per row. */
	cpu_ms_per_row: number;
	cpu_ms_per_request: number;
	/** This package's own work per row, without n8n-core's (bench/ownCost.ts). */
	own_cpu_ms_per_row: number;
	peak_rss_mb: number;
	/** Peak RSS above the RSS just before the node ran (the process with n8n-core loaded). */
	rss_growth_mb: number;
	peak_heap_mb: number;
	/** HTTP Request, one row per request, at the fastest interval that lost no row. */
	baseline?: BaselineFigures;
	/** Identical messages: HTTP Request, one /send-bulk call per chunk, one session. */
	bulk_baseline?: BaselineFigures;
	speedup_vs_baseline: number | null;
	speedup_vs_bulk_baseline: number | null;
	error?: string;
}

/** SendApi's limits for the scenario, with the minute scaled to its window. */
export function scenarioLimits(scenario: Scenario): Required<BulkLimits> {
	if (scenario.plan !== 'custom')
		return { ...PLAN_LIMITS[scenario.plan], windowMs: scenario.windowMs };
	const custom = scenario.custom;
	if (!custom) throw new Error(`${scenario.name}: custom limits missing`);
	const unlimited = (value: number) => (value === 0 ? Infinity : value);
	return resolveBulkLimits({
		windowMs: scenario.windowMs,
		planMessagesPerWindow: unlimited(custom.planMessagesPerMinute),
		planMessagesPerDay: unlimited(custom.planMessagesPerDay),
		requestsPerWindow: unlimited(custom.requestsPerMinute),
		sessionMessagesPerWindow: unlimited(custom.sessionMessagesPerMinute),
		sessionMessagesPerDay: unlimited(custom.sessionMessagesPerDay),
	});
}

function serverLimits(limits: Required<BulkLimits>): Partial<FakeLimits> {
	return { ...limits, dayMs: 86_400_000 };
}

/** What the server enforces in the measured run: the limits, and what the account has left today. */
function accountLimits(scenario: Scenario, limits: Required<BulkLimits>): Partial<FakeLimits> {
	const left = scenario.accountMessagesLeftToday;
	return left === undefined
		? serverLimits(limits)
		: { ...serverLimits(limits), planMessagesPerDay: left };
}

function phoneOf(row: number): string {
	return `+4477${String(row).padStart(8, '0')}`;
}

function makeItems(scenario: Scenario): INodeExecutionData[] {
	return Array.from({ length: scenario.rows }, (_, row) => ({
		json: { phone: phoneOf(row), name: `Customer ${row}`, code: `C${(row * 7919) % 100_000}` },
	}));
}

function nodeParameters(scenario: Scenario, sessions: string[]): INodeParameters {
	const custom = scenario.custom;
	return {
		resource: 'message',
		operation: 'sendBulk',
		// The comma-separated form of the Sessions field, as a user would paste ids.
		sessions: { session: [{ id: { __rl: true, mode: 'id', value: sessions.join(', ') } }] },
		to: '={{ $json.phone }}',
		messageType: 'text',
		text:
			scenario.content === 'identical'
				? IDENTICAL_TEXT
				: '=Hi {{ $json.name }}, your code is {{ $json.code }}.',
		plan: scenario.plan,
		...(custom
			? {
					planMessagesPerMinute: custom.planMessagesPerMinute,
					planMessagesPerDay: custom.planMessagesPerDay,
					requestsPerMinute: custom.requestsPerMinute,
				}
			: {}),
		options: {
			rateWindowMs: scenario.windowMs,
			groupIdentical: scenario.groupIdentical !== false,
			...(custom
				? {
						sessionMessagesPerMinute: custom.sessionMessagesPerMinute,
						sessionMessagesPerDay: custom.sessionMessagesPerDay,
					}
				: {}),
		},
	};
}

/**
 * Samples RSS and heap every 20 ms while the node runs (the peak is what matters, not the end).
 * Sampling is CPU work of the bench, not of the node: its time is measured and subtracted.
 */
function sampleMemory(): { stop: () => { rss: number; heapUsed: number; costMs: number } } {
	const peak = { rss: 0, heapUsed: 0, costMs: 0 };
	const sample = () => {
		const start = performance.now();
		const usage = process.memoryUsage();
		peak.rss = Math.max(peak.rss, usage.rss);
		peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed);
		peak.costMs += performance.now() - start;
	};
	sample();
	const timer = setInterval(sample, 20);
	return {
		stop: () => {
			clearInterval(timer);
			sample();
			return peak;
		},
	};
}

interface Accounting {
	lost: number;
	duplicated: number;
	misreported: number;
	maybe_sent: number;
	not_sent_reasons: Array<[string, number]>;
}

/** Compares what the node reported with what the server stored, phone by phone. */
function account(
	items: INodeExecutionData[],
	outputs: INodeExecutionData[][],
	snapshot: ServerSnapshot,
): Accounting {
	const stored = new Map<string, number>();
	for (const message of snapshot.messages)
		stored.set(message.to, (stored.get(message.to) ?? 0) + 1);
	const reported = new Map<number, { status: string; reason: string }>();
	const reasons = new Map<string, number>();
	for (const item of outputs.flat()) {
		const paired = item.pairedItem as { item: number };
		const reason = String(item.json.reason ?? '');
		reported.set(paired.item, { status: String(item.json.status), reason });
		if (item.json.status !== 'not_sent') continue;
		const kind = reason.replace(/\d+/g, '#').replace(/(msg|batch|req|sess)_\w+/g, '$1_…');
		reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
	}
	let lost = 0;
	let misreported = 0;
	let maybeSent = 0;
	items.forEach((item, row) => {
		const outcome = reported.get(row);
		const count = stored.get(String(item.json.phone)) ?? 0;
		if (outcome === undefined) lost++;
		else if (outcome.status !== 'not_sent') {
			if (count === 0) lost++;
		} else if (outcome.reason.includes(MAY_HAVE_BEEN_SENT)) maybeSent++;
		else if (count > 0) misreported++;
	});
	let duplicated = 0;
	for (const count of stored.values()) if (count > 1) duplicated += count - 1;
	const notSentReasons = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5);
	return { lost, duplicated, misreported, maybe_sent: maybeSent, not_sent_reasons: notSentReasons };
}

/** Retried requests that carried the key of an earlier attempt of the same request. */
function sameKeyRetries(snapshot: ServerSnapshot): number {
	const seen = new Set<string>();
	let repeats = 0;
	for (const send of snapshot.sends) {
		if (!send.idempotencyKey) continue;
		if (seen.has(send.idempotencyKey)) repeats++;
		seen.add(send.idempotencyKey);
	}
	return repeats;
}

/** First to last accepted send, as the server saw them arrive. */
function elapsedOf(snapshot: ServerSnapshot): number {
	const accepted = snapshot.sends.filter((send) => send.status >= 200 && send.status < 300);
	if (accepted.length === 0) return 0;
	return accepted[accepted.length - 1].at - accepted[0].at;
}

/** One unmeasured run without limits: n8n-core and the node get compiled by the JIT first. */
async function warmUp(server: ServerClient, scenario: Scenario): Promise<void> {
	await server.reset({});
	const sessions = await server.seedSessions(scenario.sessions);
	const unlimited = {
		planMessagesPerMinute: 0,
		planMessagesPerDay: 0,
		requestsPerMinute: 0,
		sessionMessagesPerMinute: 0,
		sessionMessagesPerDay: 0,
	};
	const warm: Scenario = { ...scenario, rows: WARM_UP_ROWS, plan: 'custom', custom: unlimited };
	await runNode({
		parameters: nodeParameters(warm, sessions),
		items: makeItems(warm),
		credentials: server.credentials,
	});
}

/**
 * The n8n floor: SendApi's description (so the same parameters resolve), but an execute that only
 * reads each item's recipient expression and outputs the item with the fields Send Bulk adds.
 */
function passthroughNode(): INodeType {
	const { description } = new SendApi();
	return {
		description,
		async execute(this: IExecuteFunctions) {
			const items = this.getInputData();
			return [
				items.map((item, index) => {
					const to = this.getNodeParameter('to', index, '') as string;
					const json = {
						...item.json,
						to,
						status: 'queued',
						batch_id: 'batch_x',
						session_id: 'sess_x',
						attempts: 1,
					};
					return { json, pairedItem: { item: index } };
				}),
			];
		},
	};
}

/**
 * The n8n floor for /send rows: what any n8n node pays to send one request per item through
 * n8n's HTTP helper (four at a time, no pacing), reading the same two expressions per item.
 */
function httpPerRowNode(): INodeType {
	const { description } = new SendApi();
	return {
		description,
		async execute(this: IExecuteFunctions) {
			const items = this.getInputData();
			const credentials = await this.getCredentials<{ baseUrl: string }>('sendApiApi');
			const collection = this.getNodeParameter('sessions', 0) as {
				session: Array<{ id: { value: string } }>;
			};
			const sessionId = collection.session[0].id.value.split(',')[0].trim();
			const output: INodeExecutionData[] = new Array(items.length);
			let next = 0;
			const lane = async () => {
				for (let index = next++; index < items.length; index = next++) {
					const to = this.getNodeParameter('to', index, '') as string;
					const text = this.getNodeParameter('text', index, '') as string;
					const response = (await this.helpers.httpRequestWithAuthentication.call(
						this,
						'sendApiApi',
						{
							method: 'POST',
							url: `${credentials.baseUrl}/whatsapp/send`,
							body: { session_id: sessionId, to, type: 'text', text: { body: text } },
							json: true,
						},
					)) as { data?: { id?: string } };
					output[index] = {
						json: { ...items[index].json, status: 'sent', message_id: response.data?.id },
						pairedItem: { item: index },
					};
				}
			};
			await Promise.all([lane(), lane(), lane(), lane()]);
			return [output];
		},
	};
}

const REFERENCE_NODES = { 'n8n-passthrough': passthroughNode, 'n8n-http-per-row': httpPerRowNode };

/**
 * Run i's share of the sessions: `sessionsPerRun` of them from position i on (mod the number of
 * sessions), so neighbouring runs share sessions.
 */
export function sessionsOfRun(sessions: readonly string[], run: number, perRun: number): string[] {
	return Array.from(
		{ length: Math.min(perRun, sessions.length) },
		(_, k) => sessions[(run + k) % sessions.length],
	);
}

/**
 * `concurrentRuns` executions of the node started at the same moment, each on its own slice of
 * the rows (consecutive, so phones stay distinct) and its own sessions, none told of the others.
 * Outputs are put back in input order (pairedItem as in one run over all rows) for the accounting.
 */
async function runConcurrently(
	scenario: Scenario,
	sessions: string[],
	items: INodeExecutionData[],
	server: ServerClient,
): Promise<{ outputs: INodeExecutionData[][]; error?: Error }> {
	const runs = scenario.concurrentRuns ?? 1;
	const perRun = Math.ceil(items.length / runs);
	const results = await Promise.all(
		Array.from({ length: runs }, async (_, run) => {
			const offset = run * perRun;
			const slice = items.slice(offset, offset + perRun);
			const own = sessionsOfRun(sessions, run, scenario.sessionsPerRun ?? sessions.length);
			const result = await runNode({
				parameters: nodeParameters(scenario, own),
				items: slice,
				credentials: server.credentials,
			});
			const shifted = result.outputs.map((output) =>
				output.map((item) => ({
					...item,
					pairedItem: { item: (item.pairedItem as { item: number }).item + offset },
				})),
			);
			return { outputs: shifted, error: result.error };
		}),
	);
	const width = Math.max(...results.map((result) => result.outputs.length));
	const outputs = Array.from({ length: width }, (_, output) =>
		results.flatMap((result) => result.outputs[output] ?? []),
	);
	return { outputs, error: results.find((result) => result.error)?.error };
}

async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
	const server = await ServerClient.start();
	try {
		const limits = scenarioLimits(scenario);
		const items = makeItems(scenario);
		await warmUp(server, scenario);

		await server.reset(accountLimits(scenario, limits));
		const down = scenario.disconnectedSessions ?? 0;
		const sessions = [
			...(await server.seedSessions(down, 'disconnected')),
			...(await server.seedSessions(scenario.sessions - down)),
		];
		if (scenario.faults) await server.injectFaults(scenario.faults);
		const other = scenario.otherClientRequestsPerWindow ?? 0;
		if (other > 0) await server.startOtherClient(other, scenario.windowMs);
		const busy = scenario.otherSenderMessagesPerWindow ?? 0;
		if (busy > 0) await server.startOtherSender(sessions[down], busy, scenario.windowMs);
		const rssBefore = process.memoryUsage().rss;
		const memory = sampleMemory();
		const cpuBefore = process.cpuUsage();
		const wallBefore = performance.now();
		const { outputs, error } = scenario.concurrentRuns
			? await runConcurrently(scenario, sessions, items, server)
			: await runNode({
					parameters: nodeParameters(scenario, sessions),
					items,
					credentials: server.credentials,
					...(scenario.reference ? { nodeType: REFERENCE_NODES[scenario.reference]() } : {}),
				});
		const wall = performance.now() - wallBefore;
		const cpu = process.cpuUsage(cpuBefore);
		const peak = memory.stop();
		const snapshot = await server.snapshot();
		// After the run, so its garbage is not in the run's memory figures.
		const ownCpu = await ownCpuMsPerRow(OWN_COST_ROWS, scenario.content === 'identical');
		// Last: n8n-nodes-base and HTTP Request's runs are not in the node's CPU and memory figures.
		const baselines: ScenarioBaselines | undefined =
			scenario.reference || scenario.accountMessagesLeftToday !== undefined
				? undefined
				: await measureBaselines(server, scenario, limits, items, serverLimits);

		const all = outputs.flat();
		const sent = all.filter((item) => item.json.status !== 'not_sent').length;
		const bulk = scenario.content === 'identical' && scenario.groupIdentical !== false;
		// Bulk calls carry many messages each, so only message limits bound them. The requests
		// another client uses and the sessions that cannot send are not the node's to use.
		const requestsLeft = limits.requestsPerWindow - other;
		const optimalLimits = { ...limits, requestsPerWindow: bulk ? Infinity : requestsLeft };
		const optimal = optimalMs(sent, optimalLimits, scenario.sessions - down);
		const elapsed = elapsedOf(snapshot);
		const cpuMs = (cpu.user + cpu.system) / 1000 - peak.costMs;
		const accounting = account(items, outputs, snapshot);
		return {
			scenario: scenario.name,
			...(scenario.reference ? { reference: scenario.reference } : {}),
			rows: scenario.rows,
			sessions: scenario.sessions,
			runs: scenario.concurrentRuns ?? 1,
			content: scenario.content,
			faulty: scenario.faulty === true,
			sent,
			not_sent: all.length - sent,
			send_requests: snapshot.sends.filter((send) => send.path === 'send').length,
			bulk_requests: snapshot.sends.filter((send) => send.path === 'send-bulk').length,
			elapsed_ms: Math.round(elapsed),
			optimal_ms: optimal,
			ratio: optimal > 0 ? round(elapsed / optimal, 3) : null,
			wall_ms: Math.round(wall),
			refused_429: snapshot.refused429,
			replayed_429: snapshot.sends.filter((send) => send.status === 429 && send.replayed).length,
			over_limit: acceptedOverLimit(snapshot.sends, limits),
			refused_402: snapshot.refused402,
			faults_fired: snapshot.faultsFired,
			...accounting,
			same_key_retries: sameKeyRetries(snapshot),
			cpu_ms_per_row: round(cpuMs / scenario.rows, 3),
			cpu_ms_per_request: round(cpuMs / Math.max(1, snapshot.sends.length), 3),
			own_cpu_ms_per_row: round(ownCpu, 4),
			peak_rss_mb: round(peak.rss / 1048576, 1),
			rss_growth_mb: round((peak.rss - rssBefore) / 1048576, 1),
			peak_heap_mb: round(peak.heapUsed / 1048576, 1),
			baseline: baselines?.perRow,
			bulk_baseline: baselines?.bulk,
			speedup_vs_baseline: speedup(baselines?.perRow, elapsed),
			speedup_vs_bulk_baseline: speedup(baselines?.bulk, elapsed),
			...(error ? { error: error.message } : {}),
		};
	} finally {
		await server.close();
	}
}

function speedup(baseline: BaselineFigures | undefined, elapsed: number): number | null {
	if (!baseline || baseline.elapsed_ms === null || elapsed <= 0) return null;
	return round(baseline.elapsed_ms / elapsed, 2);
}

function round(value: number, digits: number): number {
	const factor = 10 ** digits;
	return Math.round(value * factor) / factor;
}

async function main(): Promise<void> {
	const name = process.argv[2];
	const scenario = SCENARIOS.find((candidate) => candidate.name === name);
	if (!scenario) throw new Error(`unknown scenario ${String(name)}`);
	const result = await runScenario(scenario);
	const send = process.send?.bind(process);
	// Exit only once the message has left: process.exit would drop a message still queued.
	if (send)
		await new Promise<void>((resolve) => send(result, undefined, undefined, () => resolve()));
	else console.log(JSON.stringify(result, null, 2));
}

if (require.main === module) {
	process.env.N8N_LOG_LEVEL = 'silent';
	main().then(
		() => process.exit(0),
		(error) => {
			console.error(error);
			process.exit(1);
		},
	);
}
