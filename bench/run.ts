/**
 * Send Bulk benchmark: the real node (n8n-core in-process) against the fake SendApi over loopback,
 * with SendApi's limits scaled to a short window. Each scenario runs in a fresh worker process
 * so its CPU time and peak RSS are its own.
 *
 *   ts-node --transpile-only bench/run.ts [--json] [--all] [--only=name,name] [--ts] [--keep-refusals]
 *
 * --json   one JSON document (every scenario's figures and the target checks) instead of a table
 * --all    also run the optional scenarios
 * --only   run the named scenarios only
 * --ts     run the workers under ts-node instead of transpiled JavaScript (adds ~70 MB RSS)
 * --profile=DIR  write each worker's V8 CPU profile (.cpuprofile) into DIR
 * --keep-refusals  the fake SendApi keeps refusals (429 included) under their Idempotency-Key and
 *          replays them, the stricter reading of SendApi (docs/wire-format.md); replays: `replayed_429`
 *
 * CPU is given twice: "cpu ms/row" is the whole path in the worker (the node, n8n-core's
 * expression engine and HTTP helper), "own cpu ms/row" is this package's own work (ownCost.ts).
 * The baseline is measured per scenario: n8n's HTTP Request node at the fastest Batch Interval
 * that loses no row (baseline.ts, scenarioBaseline.ts).
 *
 * The exit code is 1 when a target is missed: an error, a refused request, a row lost, duplicated
 * or misreported, a ratio to the optimum above 1.05 (1.2 for concurrent runs), a speed-up below
 * the scenario's stated figure. CPU and memory targets are reported (MISS), not enforced.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { concurrencyForSessions } from '../nodes/SendApi/bulkEngine';

import { type Scenario, SCENARIOS } from './scenarios';
import { BENCH_ROOT_ENV } from './baseline';
import { TS_NODE_ARGS, TS_NODE_ENV } from './serverClient';
import { transpileForBench } from './transpile';
import type { BaselineFigures } from './scenarioBaseline';
import type { ScenarioResult } from './worker';

/** A scenario that has not answered by then is reported as failed. */
const SCENARIO_TIMEOUT_MS = 360_000;

export const TARGETS = {
	maxRatio: 1.05,
	/** Several executions at once on one key, none told of the others (queue mode). */
	maxConcurrentRatio: 1.2,
	maxCpuMsPerSendRow: 0.2,
	maxRssMbAt50k: 200,
};

interface Check {
	scenario: string;
	target: string;
	value: number | null;
	ok: boolean;
	/** Fails the run (correctness, pace and speed-up) rather than being reported (CPU, memory). */
	hard: boolean;
}

function parseArgs(argv: string[]) {
	const only = argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
	return {
		json: argv.includes('--json'),
		all: argv.includes('--all'),
		ts: argv.includes('--ts'),
		keepRefusals: argv.includes('--keep-refusals'),
		profileDir: argv.find((arg) => arg.startsWith('--profile='))?.slice('--profile='.length),
		only: only ? only.split(',').map((name) => name.trim()) : undefined,
	};
}

function pick(args: ReturnType<typeof parseArgs>): Scenario[] {
	if (args.only) {
		const unknown = args.only.filter((name) => !SCENARIOS.some((s) => s.name === name));
		if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
		return SCENARIOS.filter((scenario) => args.only?.includes(scenario.name));
	}
	return SCENARIOS.filter((scenario) => args.all || !scenario.optional);
}

function runWorker(
	script: string,
	execArgv: string[],
	scenario: Scenario,
): Promise<ScenarioResult> {
	return new Promise((resolve) => {
		const child = fork(script, [scenario.name], {
			execArgv,
			env: { ...process.env, ...TS_NODE_ENV, [BENCH_ROOT_ENV]: path.resolve(__dirname, '..') },
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		let result: ScenarioResult | undefined;
		const timer = setTimeout(() => child.kill('SIGKILL'), SCENARIO_TIMEOUT_MS);
		child.on('message', (message: ScenarioResult) => (result = message));
		child.on('exit', (code) => {
			clearTimeout(timer);
			resolve(result ?? failed(scenario, `worker exited with ${String(code)} and no result`));
		});
	});
}

function failed(scenario: Scenario, error: string): ScenarioResult {
	return {
		scenario: scenario.name,
		rows: scenario.rows,
		sessions: scenario.sessions,
		error,
	} as ScenarioResult;
}

export function checkTargets(
	scenarios: readonly Scenario[],
	results: readonly ScenarioResult[],
): Check[] {
	const checks: Check[] = [];
	const add = (scenario: string, target: string, value: number | null, ok: boolean, hard = false) =>
		checks.push({ scenario, target, value, ok, hard });
	results.forEach((result, position) => {
		const scenario = scenarios[position];
		if (result.error) {
			add(result.scenario, 'completes without error', null, false, true);
			return;
		}
		if (scenario.reference) return;
		// Someone else racing for the key's last requests or a number's anti-ban room can take what
		// the node was about to use: its 429s are reported in the table, but only rows lost or
		// doubled are failures.
		const racing =
			scenario.otherClientRequestsPerWindow !== undefined ||
			scenario.otherSenderMessagesPerWindow !== undefined;
		// Executions started together on one key are not told of each other either: each learns of
		// the others only from X-RateLimit-Remaining and 429s, so it is reported, not a failure.
		if (!racing && !scenario.concurrentRuns) {
			add(result.scenario, 'refused_429 = 0', result.refused_429, result.refused_429 === 0, true);
		}
		// The fake's accepted timeline, read independently (overLimit.ts): checks the fake.
		const over = Object.values(result.over_limit).reduce((sum, count) => sum + count, 0);
		add(result.scenario, 'accepted timeline within limits', over, over === 0, true);
		add(result.scenario, 'lost = 0', result.lost, result.lost === 0, true);
		add(result.scenario, 'duplicated = 0', result.duplicated, result.duplicated === 0, true);
		add(result.scenario, 'misreported = 0', result.misreported, result.misreported === 0, true);
		if (scenario.faulty) return;
		if (scenario.accountMessagesLeftToday !== undefined) {
			checkQuotaSpent(scenario, result, add);
			return;
		}
		add(result.scenario, 'not_sent = 0', result.not_sent, result.not_sent === 0, true);
		if (result.ratio !== null && !scenario.scale && !racing) {
			const maxRatio = scenario.concurrentRuns ? TARGETS.maxConcurrentRatio : TARGETS.maxRatio;
			add(result.scenario, `ratio ≤ ${maxRatio}`, result.ratio, result.ratio <= maxRatio, true);
		}
		checkSpeedups(scenario, result, add);
		if (scenario.content === 'personalised') {
			const own = result.own_cpu_ms_per_row;
			add(
				result.scenario,
				`own CPU ≤ ${TARGETS.maxCpuMsPerSendRow} ms/row`,
				own,
				own <= TARGETS.maxCpuMsPerSendRow,
			);
			const full = result.cpu_ms_per_row;
			add(
				result.scenario,
				`full-path CPU ≤ ${TARGETS.maxCpuMsPerSendRow} ms/row`,
				full,
				full <= TARGETS.maxCpuMsPerSendRow,
			);
		}
		if (scenario.rows >= 50_000) {
			const growth = result.rss_growth_mb;
			add(
				result.scenario,
				`RSS growth < ${TARGETS.maxRssMbAt50k} MB`,
				growth,
				growth < TARGETS.maxRssMbAt50k,
			);
			const peak = result.peak_rss_mb;
			add(
				result.scenario,
				`peak RSS < ${TARGETS.maxRssMbAt50k} MB`,
				peak,
				peak < TARGETS.maxRssMbAt50k,
			);
		}
	});
	return checks;
}

type Add = (
	scenario: string,
	target: string,
	value: number | null,
	ok: boolean,
	hard?: boolean,
) => void;

/** The speed-ups the docs state (scenarios.ts), against each measured baseline. */
function checkSpeedups(scenario: Scenario, result: ScenarioResult, add: Add): void {
	const stated: Array<[string, number | undefined, number | null]> = [
		['HTTP Request per row', scenario.minSpeedup, result.speedup_vs_baseline],
		['HTTP Request send-bulk', scenario.minBulkSpeedup, result.speedup_vs_bulk_baseline],
	];
	for (const [against, min, value] of stated) {
		if (min === undefined) continue;
		add(result.scenario, `≥ ${min}× ${against}`, value, value !== null && value >= min, true);
	}
}

/**
 * The account's day runs out mid-run: what it had left goes out, and after SendApi's first
 * refusal only the requests already in flight then may still reach it (no request per row left).
 */
function checkQuotaSpent(scenario: Scenario, result: ScenarioResult, add: Add): void {
	const left = scenario.accountMessagesLeftToday as number;
	add(
		result.scenario,
		`sent = ${left} (what the account had)`,
		result.sent,
		result.sent === left,
		true,
	);
	const inFlight = concurrencyForSessions(scenario.sessions);
	add(
		result.scenario,
		`refused_402 ≤ ${inFlight} (in flight at the refusal)`,
		result.refused_402,
		result.refused_402 >= 1 && result.refused_402 <= inFlight,
		true,
	);
}

const COLUMNS: Array<[string, (r: ScenarioResult) => unknown]> = [
	['scenario', (r) => r.scenario],
	['rows', (r) => r.rows],
	['sess', (r) => r.sessions],
	['runs', (r) => r.runs ?? 1],
	['sent', (r) => r.sent],
	['not_sent', (r) => r.not_sent],
	['send/bulk req', (r) => `${r.send_requests}/${r.bulk_requests}`],
	['elapsed_ms', (r) => r.elapsed_ms],
	['optimal_ms', (r) => r.optimal_ms],
	['ratio', (r) => r.ratio],
	['429', (r) => r.refused_429],
	['over', (r) => (r.over_limit ? Object.values(r.over_limit).reduce((a, b) => a + b, 0) : '-')],
	['402', (r) => r.refused_402],
	['faults', (r) => r.faults_fired],
	['lost', (r) => r.lost],
	['dup', (r) => r.duplicated],
	['maybe', (r) => r.maybe_sent],
	['cpu ms/row', (r) => r.cpu_ms_per_row],
	['cpu ms/req', (r) => r.cpu_ms_per_request],
	['own cpu ms/row', (r) => r.own_cpu_ms_per_row],
	['rss MB', (r) => r.peak_rss_mb],
	['rss+ MB', (r) => r.rss_growth_mb],
	['base ms @interval', (r) => baselineCell(r.baseline)],
	['lost faster', (r) => fasterCell(r.baseline)],
	['speedup', (r) => r.speedup_vs_baseline],
	['bulk base ms @interval', (r) => baselineCell(r.bulk_baseline)],
	['bulk speedup', (r) => r.speedup_vs_bulk_baseline],
];

function baselineCell(baseline: BaselineFigures | undefined): string {
	if (!baseline) return '-';
	return `${String(baseline.elapsed_ms)} @${String(baseline.interval_ms)}ms/${baseline.rows_run}`;
}

function fasterCell(baseline: BaselineFigures | undefined): string {
	if (!baseline || baseline.faster_interval_ms === null) return '-';
	return `${String(baseline.lost_at_faster)} @${baseline.faster_interval_ms}ms`;
}

/** What an n8n reference run (not the node) measures. */
const REFERENCE_COLUMNS = new Set(['scenario', 'rows', 'cpu ms/row', 'rss MB', 'rss+ MB']);

function table(results: readonly ScenarioResult[]): string {
	const cells = results.map((result) =>
		COLUMNS.map(([title, get]) => {
			if (result.reference && !REFERENCE_COLUMNS.has(title)) return '-';
			return result.error && get(result) === undefined ? '-' : String(get(result) ?? '-');
		}),
	);
	const widths = COLUMNS.map(([title], column) =>
		Math.max(title.length, ...cells.map((row) => row[column].length)),
	);
	const line = (values: string[]) =>
		values
			.map((value, column) =>
				column === 0 ? value.padEnd(widths[column]) : value.padStart(widths[column]),
			)
			.join('  ');
	return [line(COLUMNS.map(([title]) => title)), ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	const scenarios = pick(args);
	// Read by the fake server's process, which each worker forks with this environment.
	if (args.keepRefusals) process.env.FAKE_SENDAPI_KEEP_REFUSALS = '1';
	const transpiled = args.ts ? undefined : transpileForBench();
	const workerScript = transpiled
		? path.join(transpiled, 'bench', 'worker.js')
		: path.join(__dirname, `worker${path.extname(__filename)}`);
	const execArgv = !transpiled && path.extname(__filename) === '.ts' ? [...TS_NODE_ARGS] : [];
	if (args.profileDir)
		execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(args.profileDir)}`);
	const started = Date.now();
	const results: ScenarioResult[] = [];
	try {
		for (const scenario of scenarios) {
			if (!args.json) process.stderr.write(`running ${scenario.name}…\n`);
			results.push(await runWorker(workerScript, execArgv, scenario));
		}
	} finally {
		if (transpiled) fs.rmSync(transpiled, { recursive: true, force: true });
	}
	const checks = checkTargets(scenarios, results);
	const totalMs = Date.now() - started;
	if (args.json) {
		console.log(
			JSON.stringify({ total_ms: totalMs, targets: TARGETS, scenarios: results, checks }, null, 2),
		);
	} else {
		console.log(table(results));
		for (const result of results) {
			if (result.error) console.log(`${result.scenario}: ERROR ${result.error}`);
			for (const [reason, count] of result.not_sent_reasons ?? []) {
				console.log(`${result.scenario}: ${count} not sent: ${reason}`);
			}
		}
		console.log('\nTargets:');
		for (const check of checks) {
			console.log(
				`  ${check.ok ? 'ok  ' : check.hard ? 'FAIL' : 'MISS'} ${check.scenario}: ${check.target} (${String(check.value)})`,
			);
		}
		console.log(
			'\nbase: n8n HTTP Request node, 1 item per batch at the fastest Batch Interval losing no row\n' +
				'(ms for all rows @interval / rows run, scaled to all rows by the measured pace);\n' +
				'lost faster: rows lost at the next faster interval; bulk: one /send-bulk per chunk, one session',
		);
		console.log(`total ${(totalMs / 1000).toFixed(1)} s`);
	}
	if (checks.some((check) => check.hard && !check.ok)) process.exitCode = 1;
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
