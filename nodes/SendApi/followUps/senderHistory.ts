/**
 * A sender's messages on one session, read from SendApi's history back to where their run of
 * messages certainly starts (a gap longer than the Quiet Period), so the bursts can be split the
 * same way by every execution. The first read covers Max Wait (at most a minute of it) plus two
 * Quiet Periods before the message; while the run's start is not in the window, the window doubles back (older slice
 * only), up to MAX_LOOKBACK_MS beyond Max Wait. Past that bound the first message read starts
 * the run.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { HistoryWindow } from '../transport/messageHistory';
import { readIncomingMessages } from '../transport/messageHistory';
import type { HistoryMessage } from '../transport/wire/history';
import type { BurstRules } from './bursts';
import { inOrder, runStart } from './bursts';
import { FIRST_READ_MAX_WAIT_MS, MAX_LOOKBACK_MS } from './timing';

export interface FollowUpRequest extends BurstRules {
	sessionId: string;
	sender: string;
	messageId: string;
	/** The message's time as the trigger gave it (epoch ms), when it gave one. */
	messageTime?: number;
}

export type TimedHistoryMessage = HistoryMessage & { time: number };

export type SenderChain =
	| { kind: 'found'; ordered: TimedHistoryMessage[]; start: number; key: string; reads: number }
	| { kind: 'missing'; reads: number };

export async function readSenderChain(
	this: IExecuteFunctions,
	request: FollowUpRequest,
	itemIndex: number,
): Promise<SenderChain> {
	const anchor = request.messageTime;
	let windowStart =
		anchor === undefined
			? undefined
			: anchor - Math.min(request.maxWaitMs, FIRST_READ_MAX_WAIT_MS) - 2 * request.quietMs;
	const lookbackEnd =
		anchor === undefined ? undefined : anchor - request.maxWaitMs - MAX_LOOKBACK_MS;
	let read = await readWindow.call(this, request, { from: windowStart }, itemIndex);
	let collected = read.messages;
	let reads = 1;
	let windowKnown = !read.truncated;
	for (;;) {
		const ordered = inOrder(collected);
		const index = ordered.findIndex((message) => isTheMessage(message, request.messageId));
		if (index === -1) return { kind: 'missing', reads };
		const key = ordered[index].key;
		if (!windowKnown) {
			// A read cut at HISTORY_READ_LIMIT: only a gap inside what was read is certain.
			const start = runStart(ordered, index, request.quietMs, Number.POSITIVE_INFINITY) ?? 0;
			return { kind: 'found', ordered, start, key, reads };
		}
		const start = runStart(ordered, index, request.quietMs, windowStart);
		if (start !== undefined) return { kind: 'found', ordered, start, key, reads };
		if (windowStart === undefined || lookbackEnd === undefined || windowStart <= lookbackEnd) {
			return { kind: 'found', ordered, start: 0, key, reads };
		}
		// Older slice only: to_date is the previous window's start.
		const span = (anchor as number) - windowStart;
		const olderStart = Math.max(lookbackEnd, (anchor as number) - 2 * span);
		read = await readWindow.call(this, request, { from: olderStart, to: windowStart }, itemIndex);
		reads += 1;
		collected = [...read.messages, ...collected];
		windowKnown = !read.truncated;
		windowStart = olderStart;
	}
}

/** The sender's messages on the session in the window, those with a readable time. */
async function readWindow(
	this: IExecuteFunctions,
	request: FollowUpRequest,
	window: HistoryWindow,
	itemIndex: number,
): Promise<{ messages: TimedHistoryMessage[]; truncated: boolean }> {
	const read = await readIncomingMessages.call(this, request.sessionId, window, itemIndex);
	const sender = phoneDigits(request.sender);
	const messages = read.messages.filter(
		(message): message is TimedHistoryMessage =>
			message.time !== undefined &&
			phoneDigits(message.from) === sender &&
			(message.sessionId === undefined || message.sessionId === request.sessionId),
	);
	return { messages, truncated: read.truncated };
}

function isTheMessage(message: HistoryMessage, messageId: string): boolean {
	return message.key === messageId || message.ids.includes(messageId);
}

/** `+44 7700 900001`, `447700900001` and `447700900001@s.whatsapp.net` are one sender. */
export function phoneDigits(value: unknown): string {
	const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
	return text.split('@')[0].replace(/\D+/g, '');
}
