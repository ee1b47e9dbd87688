/**
 * The measured baseline: what an n8n user does without this node. n8n's own HTTP Request node
 * (n8n-nodes-base, loaded from an n8n installed under .cache/ by `npm run n8n:install` or the
 * e2e setup) runs in-process on n8n-core, one request per item, Batching "1 item per batch" with
 * a fixed Batch Interval, against the same fake server. Rows go round-robin over the sessions by
 * expression. A row SendApi refuses (429) is lost: HTTP Request does not retry it in order, so
 * the interval found is the fastest that loses none. Identical-message scenarios also get the
 * user's best hand-made alternative: one /send-bulk call per chunk of recipients on one session.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { INodeExecutionData, INodeType } from 'n8n-workflow';

import { runNode } from '../test/helpers/runWorkflow';
import type { ServerSnapshot } from './fakeServerProcess';

/** n8n-nodes-base's HTTP Request node (V3: type versions 3 to 4.x), version 4.2 as n8n adds it. */
const HTTP_REQUEST_VERSION = 4.2;

/** Set by bench/run.ts: the repository root (the workers run from a transpiled copy). */
export const BENCH_ROOT_ENV = 'SENDAPI_BENCH_ROOT';

/**
 * Where n8n-nodes-base comes from: an n8n installed under .cache/ of the same minor version as
 * the n8n-core this package develops against (its HTTP helpers run the node), else the newest 2.x.
 */
export function httpRequestNodeSource(): string {
	const cache = path.join(process.env[BENCH_ROOT_ENV] ?? process.cwd(), '.cache');
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const core = (require('n8n-core/package.json') as { version: string }).version;
	const minor = core.split('.').slice(0, 2).join('.');
	const rank = (name: string) => (name.startsWith(`n8n-${minor}.`) ? 1 : 0);
	const candidates = (fs.existsSync(cache) ? fs.readdirSync(cache) : [])
		.filter((name) => /^n8n-2\.\d+\.\d+$/.test(name))
		.sort((a, b) => rank(b) - rank(a) || compareVersions(b.slice(4), a.slice(4)))
		.map((name) =>
			path.join(
				cache,
				name,
				'node_modules/n8n-nodes-base/dist/nodes/HttpRequest/V3/HttpRequestV3.node.js',
			),
		)
		.filter((file) => fs.existsSync(file));
	if (!candidates.length)
		throw new Error(
			'the baseline needs n8n-nodes-base: install an n8n 2.x under .cache/ (npm run n8n:install)',
		);
	return candidates[0];
}

function compareVersions(a: string, b: string): number {
	const [x, y] = [a, b].map((version) => version.split('.').map(Number));
	for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
	return 0;
}

function httpRequestNode(): INodeType {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { HttpRequestV3 } = require(httpRequestNodeSource()) as {
		HttpRequestV3: new (base: object) => INodeType;
	};
	return new HttpRequestV3({
		displayName: 'HTTP Request',
		name: 'httpRequest',
		group: ['output'],
		description: 'Makes an HTTP request and returns the response data',
		defaultVersion: HTTP_REQUEST_VERSION,
	});
}

export interface BaselineServer {
	baseUrl: string;
	apiKey: string;
	credentials: { apiKey: string; baseUrl: string };
	snapshot(): Promise<ServerSnapshot>;
}

/** One trial: every item is one POST, made by HTTP Request with the given Batch Interval. */
export interface Trial {
	intervalMs: number;
	/** Items (rows, or /send-bulk calls) the trial ran. */
	items: number;
	/** Rows the server did not accept (refused, or never answered 2xx). */
	lost: number;
	/** First to last accepted request, as the server saw them arrive. */
	elapsedMs: number;
	refused429: number;
}

/**
 * Runs HTTP Request over `items` against `server`: `path` under /whatsapp, `body` an n8n
 * expression for the JSON body. Rows counted are the recipients of accepted requests.
 */
export async function runHttpRequest(
	server: BaselineServer,
	items: INodeExecutionData[],
	path: 'send' | 'send-bulk',
	body: string,
	intervalMs: number,
): Promise<Trial> {
	const { error } = await runNode({
		nodeType: httpRequestNode(),
		typeVersion: HTTP_REQUEST_VERSION,
		credentials: server.credentials,
		items,
		// On Error: Continue, as a user must set it for a refused row not to stop the workflow.
		continueOnFail: true,
		parameters: {
			method: 'POST',
			url: `${server.baseUrl}/whatsapp/${path}`,
			sendHeaders: true,
			headerParameters: {
				parameters: [{ name: 'Authorization', value: `Bearer ${server.apiKey}` }],
			},
			sendBody: true,
			specifyBody: 'json',
			jsonBody: body,
			options: { batching: { batch: { batchSize: 1, batchInterval: intervalMs } } },
		},
	});
	if (error) throw error;
	const snapshot = await server.snapshot();
	const accepted = snapshot.sends.filter((send) => send.status >= 200 && send.status < 300);
	const rows = path === 'send' ? items.length : sumRecipients(items);
	const delivered = accepted.reduce((sum, send) => sum + send.recipients, 0);
	const elapsedMs = accepted.length ? accepted[accepted.length - 1].at - accepted[0].at : 0;
	return {
		intervalMs,
		items: items.length,
		lost: rows - delivered,
		elapsedMs,
		refused429: snapshot.refused429,
	};
}

function sumRecipients(items: INodeExecutionData[]): number {
	return items.reduce((sum, item) => sum + (item.json.recipients as string[]).length, 0);
}

/** One notch of Batch Interval below `ms`: ~5 %, at least 1 ms (the search stops there). */
export function notchMs(ms: number): number {
	return Math.max(1, Math.round(ms * 0.05));
}

export interface IntervalSearch {
	/** Fastest interval tried that lost no row; undefined when every interval tried lost rows. */
	best?: Trial;
	/** The fastest interval tried that lost rows, one notch or less below `best`. */
	faster?: Trial;
	trials: Trial[];
}

/**
 * Fastest fixed interval that loses no row, to within a notch (~5 %): from `startMs` (the interval
 * the limits suggest), doubling while rows are lost, then halving the gap between the fastest
 * interval that lost none and the slowest that lost some (0, firing every row at once, when none
 * was seen). `trial` resets the server and runs once.
 */
export async function searchInterval(
	startMs: number,
	trial: (intervalMs: number) => Promise<Trial>,
	maxTrials = 8,
): Promise<IntervalSearch> {
	const trials: Trial[] = [];
	const run = async (ms: number) => {
		const result = await trial(ms);
		trials.push(result);
		return result;
	};
	let best: Trial | undefined;
	let faster: Trial | undefined;
	let next = Math.max(0, Math.round(startMs));
	while (!best && trials.length < maxTrials) {
		const result = await run(next);
		if (result.lost === 0) best = result;
		else {
			faster = result;
			next = Math.max(1, next * 2);
		}
	}
	if (!best) return { faster, trials };
	if (!faster && best.intervalMs > 0 && trials.length < maxTrials) {
		const zero = await run(0);
		if (zero.lost === 0) return { best: zero, trials };
		faster = zero;
	}
	while (faster && best.intervalMs - faster.intervalMs > notchMs(best.intervalMs)) {
		if (trials.length >= maxTrials) break;
		const result = await run(Math.round((best.intervalMs + faster.intervalMs) / 2));
		if (result.lost === 0) best = result;
		else faster = result;
	}
	return { best, faster, trials };
}
