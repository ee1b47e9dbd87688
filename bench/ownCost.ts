/**
 * CPU time of this package's own per-row work, without n8n's: the payload builder, the grouping
 * key, the engine's scheduling, the request body, the Idempotency-Key, reading the answer into a
 * SendResult and building the output item. What n8n-core adds on the real path (evaluating each
 * row's expressions, and its HTTP helper: credentials, axios, a new socket per request) is the
 * rest of the full-path figure, and outside the node's control.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { ValidBulkRow } from '../nodes/SendApi/bulkEngine';
import { runBulkSend } from '../nodes/SendApi/bulkEngine';
import { resultOutputs } from '../nodes/SendApi/actions/message/sendBulk/results';
import { IdempotencyKeys, toSendResult } from '../nodes/SendApi/actions/message/sendBulk/sender';
import { buildMessagePayload } from '../nodes/SendApi/message/buildMessage';
import { messageKey } from '../nodes/SendApi/message/messageKey';
import type { AttemptOutcome } from '../nodes/SendApi/transport';
import type { MessageFragment } from '../nodes/SendApi/transport/wire/messageBodies';
import { sendBody, sendBulkBody } from '../nodes/SendApi/transport/wire/messageBodies';

const UNLIMITED = {
	planMessagesPerWindow: Infinity,
	planMessagesPerDay: Infinity,
	requestsPerWindow: Infinity,
	sessionMessagesPerWindow: Infinity,
	sessionMessagesPerDay: Infinity,
};

/** Only `getExecutionCancelSignal` is used by toSendResult. */
const context = { getExecutionCancelSignal: () => undefined } as unknown as IExecuteFunctions;

function answer(body: object): AttemptOutcome {
	return {
		kind: 'ok',
		response: {
			status: 200,
			headers: {},
			body,
			rateLimit: { limit: 1000, remaining: 999, resetAtMs: Date.now() + 60_000 },
		},
	};
}

/** Milliseconds of CPU per row for `rows` rows of `identical` or personalised text. */
export async function ownCpuMsPerRow(rows: number, identical: boolean): Promise<number> {
	const items: INodeExecutionData[] = Array.from({ length: rows }, (_, row) => ({
		json: { phone: `+4477${String(row).padStart(8, '0')}`, name: `Customer ${row}` },
	}));
	const before = process.cpuUsage();
	const shared = new Map<string, MessageFragment>();
	const bulkRows: Array<ValidBulkRow<MessageFragment>> = items.map((item, index) => {
		const text = identical ? 'Our sale starts today.' : `Hi ${String(item.json.name)}.`;
		const fragment = buildMessagePayload({ type: 'text', text });
		const key = messageKey(fragment);
		if (!shared.has(key)) shared.set(key, fragment);
		return { index, to: String(item.json.phone), messageKey: key, payload: shared.get(key)! };
	});
	const keys = new IdempotencyKeys();
	const now = () => performance.now();
	let sink = 0;
	const outcomes = await runBulkSend({
		rows: bulkRows,
		sessions: ['sess_1', 'sess_2', 'sess_3'],
		limits: UNLIMITED,
		groupIdentical: true,
		concurrency: 6,
		sleep: async () => undefined,
		now,
		sendOne: async ({ row, sessionId }) => {
			sink += JSON.stringify(sendBody(sessionId, row.to, row.payload)).length;
			sink += keys.forRow(row.index, sessionId).length;
			return toSendResult(
				context,
				answer({ data: { id: `msg_${row.index}`, status: 'accepted' } }),
				'one',
				now,
			);
		},
		sendBulk: async ({ rows: chunk, sessionId }) => {
			const body = sendBulkBody(
				sessionId,
				chunk.map((row) => row.to),
				chunk[0].payload,
			);
			sink +=
				JSON.stringify(body).length + keys.forChunk(chunk[0].index, chunk.length, sessionId).length;
			return toSendResult(context, answer({ batch_id: 'batch_1', status: 'queued' }), 'bulk', now);
		},
	});
	sink += resultOutputs(items, outcomes, false)[0].length;
	const cpu = process.cpuUsage(before);
	if (sink < 0) throw new Error('unreachable: keeps the work from being optimised away');
	return (cpu.user + cpu.system) / 1000 / rows;
}
