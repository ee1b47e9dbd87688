/**
 * The baseline: the same rows sent the way n8n's HTTP Request node batches them — one request per
 * batch of one item, a fixed Batch Interval, one session — with the interval a user would pick so
 * that one session never trips a limit: the window divided by what one session may send in it.
 * Like the HTTP Request node, it fires each batch on schedule without waiting for the answer.
 */
import { setTimeout as delay } from 'node:timers/promises';

import type { BulkLimits } from '../nodes/SendApi/bulkEngine';
import { effectiveRatePerWindow, resolveBulkLimits } from '../nodes/SendApi/bulkEngine';

export function baselineIntervalMs(limits: BulkLimits): number {
	return resolveBulkLimits(limits).windowMs / effectiveRatePerWindow(limits, 1);
}

/** First to last send of `rows` rows at a fixed interval, without running it. */
export function analyticBaselineMs(rows: number, limits: BulkLimits): number {
	return Math.max(0, rows - 1) * baselineIntervalMs(limits);
}

export interface BaselineRow {
	to: string;
	text: string;
}

/** Sends every row at its slot; resolves when every answer is in. */
export async function runFixedIntervalSender(
	baseUrl: string,
	apiKey: string,
	sessionId: string,
	rows: readonly BaselineRow[],
	intervalMs: number,
): Promise<void> {
	const start = performance.now();
	const answers: Array<Promise<unknown>> = [];
	for (let i = 0; i < rows.length; i++) {
		const wait = start + i * intervalMs - performance.now();
		if (wait > 0) await delay(wait);
		answers.push(send(baseUrl, apiKey, sessionId, rows[i]).catch(() => undefined));
	}
	await Promise.all(answers);
}

async function send(baseUrl: string, apiKey: string, sessionId: string, row: BaselineRow) {
	const response = await fetch(`${baseUrl}/whatsapp/send`, {
		method: 'POST',
		headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
		body: JSON.stringify({
			session_id: sessionId,
			to: row.to,
			type: 'text',
			text: { body: row.text },
		}),
	});
	await response.arrayBuffer();
	return response.status;
}
