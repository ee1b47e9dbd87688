/**
 * A scenario's baselines, measured (baseline.ts): HTTP Request with one row per request, rows
 * round-robin over the scenario's connected sessions, and, for identical messages, one /send-bulk
 * call per chunk of recipients on one session. Each searches the fastest Batch Interval that loses
 * no row. Long scenarios run a prefix of their rows (enough for the limits to bite: one and a half
 * windows' worth) and scale its time to all rows by the measured interval; `rows_run` says how many.
 * Faults are left out (any fault loses an HTTP Request row at every interval); another client or
 * sender on the key or number is there as in the node's run.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import type { BulkLimits } from '../nodes/SendApi/bulkEngine';
import { effectiveRatePerWindow } from '../nodes/SendApi/bulkEngine';
import {
	type BaselineServer,
	type IntervalSearch,
	runHttpRequest,
	searchInterval,
	type Trial,
} from './baseline';
import type { Scenario } from './scenarios';
import type { ServerClient } from './serverClient';

/** A prefix of at most this many rows: n8n-core needs 1–3 ms of CPU per HTTP Request item. */
const MAX_ROWS_RUN = 600;

/** Recipients per /send-bulk call SendApi accepts at most. */
const MAX_BULK_RECIPIENTS = 500;

export interface BaselineFigures {
	/** What ran: n8n-nodes-base's HTTP Request node, and what each request was. */
	method: string;
	/** Fastest Batch Interval that lost no row (null: none of those tried). */
	interval_ms: number | null;
	/** First to last accepted request for all rows at that interval (scaled from `rows_run`). */
	elapsed_ms: number | null;
	/** Rows (or /send-bulk calls) the trial at `interval_ms` ran; its time is scaled to all. */
	rows_run: number;
	/** The next faster interval tried, and the rows it lost. */
	faster_interval_ms: number | null;
	lost_at_faster: number | null;
	trials: Array<{
		interval_ms: number;
		items: number;
		lost: number;
		elapsed_ms: number;
		refused_429: number;
	}>;
}

export interface ScenarioBaselines {
	perRow: BaselineFigures;
	/** Identical messages only: one /send-bulk call per chunk on one session. */
	bulk?: BaselineFigures;
}

type Limits = Required<BulkLimits>;

export async function measureBaselines(
	server: ServerClient,
	scenario: Scenario,
	limits: Limits,
	items: INodeExecutionData[],
	serverLimits: (limits: Limits) => object,
): Promise<ScenarioBaselines> {
	const connected = scenario.sessions - (scenario.disconnectedSessions ?? 0);
	const prepare = async (sessionCount: number) => {
		await server.reset(serverLimits(limits));
		const sessions = await server.seedSessions(sessionCount);
		const other = scenario.otherClientRequestsPerWindow ?? 0;
		if (other > 0) await server.startOtherClient(other, scenario.windowMs);
		const busy = scenario.otherSenderMessagesPerWindow ?? 0;
		if (busy > 0) await server.startOtherSender(sessions[0], busy, scenario.windowMs);
		return sessions;
	};
	const perRow = await perRowBaseline(server, scenario, limits, items, connected, prepare);
	if (scenario.content !== 'identical') return { perRow };
	return { perRow, bulk: await bulkBaseline(server, limits, items, prepare) };
}

async function perRowBaseline(
	server: BaselineServer,
	scenario: Scenario,
	limits: Limits,
	items: INodeExecutionData[],
	sessionCount: number,
	prepare: (sessions: number) => Promise<string[]>,
): Promise<BaselineFigures> {
	const requestsLeft = limits.requestsPerWindow - (scenario.otherClientRequestsPerWindow ?? 0);
	const rate = effectiveRatePerWindow({ ...limits, requestsPerWindow: requestsLeft }, sessionCount);
	const rowsRun = Math.min(items.length, MAX_ROWS_RUN, Math.ceil(1.5 * rate) + 1);
	const search = await searchInterval(limits.windowMs / rate, async (intervalMs) => {
		const sessions = await prepare(sessionCount);
		const sample = items.slice(0, trialRows(rowsRun, limits.windowMs, intervalMs));
		return await runHttpRequest(server, sample, 'send', sendBody(scenario, sessions), intervalMs);
	});
	return figures('HTTP Request, one /send per row, round-robin sessions', search, items);
}

async function bulkBaseline(
	server: BaselineServer,
	limits: Limits,
	items: INodeExecutionData[],
	prepare: (sessions: number) => Promise<string[]>,
): Promise<BaselineFigures> {
	// What one session carries in a window at once: a bigger call is refused whole.
	const perWindow = Math.min(limits.sessionMessagesPerWindow, limits.planMessagesPerWindow);
	const chunk = Math.min(MAX_BULK_RECIPIENTS, perWindow);
	const callsPerWindow = Math.min(Math.floor(perWindow / chunk), limits.requestsPerWindow);
	const calls: INodeExecutionData[] = [];
	for (let row = 0; row < items.length; row += chunk) {
		const recipients = items.slice(row, row + chunk).map((item) => String(item.json.phone));
		calls.push({ json: { recipients } });
	}
	const callsRun = Math.min(calls.length, Math.max(3, Math.ceil(1.5 * callsPerWindow) + 1));
	const search = await searchInterval(limits.windowMs / callsPerWindow, async (intervalMs) => {
		const [session] = await prepare(1);
		const sample = calls.slice(0, trialRows(callsRun, limits.windowMs, intervalMs));
		const body = `={{ JSON.stringify({ session_id: ${JSON.stringify(session)}, recipients: $json.recipients, type: 'text', text: { body: ${JSON.stringify(IDENTICAL_TEXT)} } }) }}`;
		return await runHttpRequest(server, sample, 'send-bulk', body, intervalMs);
	});
	return figures(
		`HTTP Request, one /send-bulk of ${chunk} recipients per call, one session`,
		search,
		calls,
	);
}

export const IDENTICAL_TEXT = 'Our spring sale starts today: 20% off everything.';

/** The per-row body: the session picked round-robin by the item's index, as an expression. */
function sendBody(scenario: Scenario, sessions: string[]): string {
	const text =
		scenario.content === 'identical'
			? JSON.stringify(IDENTICAL_TEXT)
			: `'Hi ' + $json.name + ', your code is ' + $json.code + '.'`;
	return `={{ JSON.stringify({ session_id: ${JSON.stringify(sessions)}[$itemIndex % ${sessions.length}], to: $json.phone, type: 'text', text: { body: ${text} } }) }}`;
}

/**
 * Rows a trial at `intervalMs` runs: at most `rows`, and no more than a window and a half takes at
 * that interval (an interval that loses rows does so within that), at least 3.
 */
function trialRows(rows: number, windowMs: number, intervalMs: number): number {
	const span = intervalMs > 0 ? Math.ceil((1.5 * windowMs) / intervalMs) + 1 : rows;
	return Math.min(rows, Math.max(3, span));
}

function figures(method: string, search: IntervalSearch, all: readonly unknown[]): BaselineFigures {
	const run = search.best?.items ?? 0;
	const scale = run > 1 ? (all.length - 1) / (run - 1) : 1;
	return {
		method,
		interval_ms: search.best?.intervalMs ?? null,
		elapsed_ms: search.best ? Math.round(search.best.elapsedMs * scale) : null,
		rows_run: run,
		faster_interval_ms: search.faster?.intervalMs ?? null,
		lost_at_faster: search.faster?.lost ?? null,
		trials: search.trials.map((trial: Trial) => ({
			interval_ms: trial.intervalMs,
			items: trial.items,
			lost: trial.lost,
			elapsed_ms: trial.elapsedMs,
			refused_429: trial.refused429,
		})),
	};
}
