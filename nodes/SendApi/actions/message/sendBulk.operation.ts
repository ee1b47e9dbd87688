/**
 * Send Bulk: every input item is one spreadsheet row (a recipient and its message), sent at the
 * fastest pace the plan's and the sessions' limits allow and never faster, and every row comes out
 * exactly once with what happened to it. The pacing, spreading over sessions, grouping and retries
 * are the bulk engine's (nodes/SendApi/bulk); this file wires it to n8n and to the transport.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';

import type { BulkOutcome, ResolvedBulkLimits } from '../../bulkEngine';
import {
	concurrencyForSessions,
	isValidRow,
	resolveBulkLimits,
	runBulkSend,
} from '../../bulkEngine';
import type { ToolRunError } from '../../helpers/aiTool';
import { inModelTerms, runsAsAiTool } from '../../helpers/aiTool';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { MESSAGE_TYPES } from '../../transport/wire/messageBodies';
import type { MultipleOutputs } from './sendBulk/outputs';
import { readDailyUsage } from './sendBulk/dailyUsage';
import { forModelOutcomes, rowReasons } from './sendBulk/reasons';
import { optionsField, planFields, recipientField, sessionsField } from './sendBulk/fields';
import { resultOutputs } from './sendBulk/results';
import type { BulkSendRow } from './sendBulk/rows';
import { readRows } from './sendBulk/rows';
import { createBulkSender, toEngineRateLimit } from './sendBulk/sender';
import type { BulkSettings } from './sendBulk/settings';
import { readBulkSettings } from './sendBulk/settings';
import { messageContentFields } from './content/contentFields';
import { messageTypeField } from './content/typeField';

const properties: INodeProperties[] = [
	sessionsField,
	recipientField,
	messageTypeField(MESSAGE_TYPES),
	...messageContentFields(MESSAGE_TYPES),
	...planFields,
	optionsField,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['message'], operation: ['sendBulk'] } },
	properties,
);

/**
 * Tries per row or bulk chunk. More than SendApi's usual advice of a few, because a 429 storm
 * (each refusal is an attempt) should not make a row give up while the API is otherwise fine.
 */
const MAX_ATTEMPTS = 8;

/** Longest single sleep, so a cancelled execution stops within this time. */
const POLL_MS = 100;

/** SendApi's own backoff advice (1 s doubling to 60 s) is for its one-minute window. */
const BACKOFF_BASE_PER_MINUTE_MS = 1_000;
const BACKOFF_CAP_PER_MINUTE_MS = 60_000;

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<MultipleOutputs> {
	// A model reads only the reasons (and a thrown error's message): they must say what to change.
	const forModel = runsAsAiTool(this);
	let settings: BulkSettings;
	try {
		settings = readBulkSettings(this);
	} catch (error) {
		// Settings errors already are NodeOperationErrors, which this hands back unchanged.
		const settingError = new NodeOperationError(this.getNode(), error as Error);
		const reason = (forModel ? inModelTerms(settingError as ToolRunError) : settingError).message;
		if (this.continueOnFail()) return { outputs: everyRowNotSent(this, items, reason) };
		throw settingError;
	}
	const rows = await readRows(
		this,
		items.length,
		settings.messageType,
		rowReasons(forModel, items.length),
	);
	const sent = await sendRows(this, rows, settings, forModel);
	const outcomes = forModel ? forModelOutcomes(sent, rows) : sent;
	return { outputs: resultOutputs(items, outcomes, settings.splitOutputs, rows) };
}

async function sendRows(
	context: IExecuteFunctions,
	rows: BulkSendRow[],
	settings: BulkSettings,
	forModel: boolean,
): Promise<BulkOutcome[]> {
	const usage =
		settings.checkTodaysUsage && rows.some(isValidRow)
			? await readDailyUsage(context, settings.sessions)
			: undefined;
	if (usage?.problem) {
		context.addExecutionHints({ message: usage.problem, type: 'warning', location: 'outputPane' });
	}
	const now = monotonicClock();
	const { sendOne, sendBulk } = createBulkSender(context, {
		delayMs: settings.delayMs,
		now,
		forModel,
	});
	const scale = settings.limits.windowMs / 60_000;
	return await runBulkSend({
		rows,
		sessions: settings.sessions,
		limits: engineLimits(settings.limits, usage?.requests ?? 0),
		sentToday: usage?.sentToday,
		serverRateLimit: toEngineRateLimit(usage?.rateLimit, now),
		groupIdentical: settings.groupIdentical,
		sendOne,
		sendBulk,
		now,
		sleep: async (ms) => await sleep(ms),
		signal: context.getExecutionCancelSignal(),
		concurrency: concurrencyForSessions(settings.sessions.length),
		maxAttempts: MAX_ATTEMPTS,
		pollMs: POLL_MS,
		backoffBaseMs: BACKOFF_BASE_PER_MINUTE_MS * scale,
		backoffCapMs: BACKOFF_CAP_PER_MINUTE_MS * scale,
	});
}

/**
 * The limits the engine paces to: SendApi's, with the request budget reduced by the requests
 * already made for the daily usage check, which SendApi counts in the same window but the engine
 * never saw. (Network latency needs no margin: the engine holds capacity until each answer.)
 */
export function engineLimits(limits: ResolvedBulkLimits, requestsMade: number): ResolvedBulkLimits {
	const requestsPerWindow =
		limits.requestsPerWindow === Infinity
			? Infinity
			: Math.max(1, limits.requestsPerWindow - requestsMade);
	return resolveBulkLimits({ ...limits, requestsPerWindow });
}

/** Engine time that never jumps with the wall clock (NTP steps, DST do not touch it). */
function monotonicClock(): () => number {
	return () => performance.now();
}

/** A setting is wrong and "Continue On Fail" is on: every row is reported, none is sent. */
function everyRowNotSent(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	reason: string,
): INodeExecutionData[][] {
	const options = context.getNodeParameter('options', 0, {}) as IDataObject;
	const outcomes: BulkOutcome[] = items.map((_, index) => ({
		index,
		status: 'not_sent',
		reason,
		attempts: 0,
	}));
	return resultOutputs(items, outcomes, options.splitOutputs === true);
}
