/**
 * Did the server ever carry more than a limit allows? Read from the accepted-request timeline the
 * fake logs (every answered /send and /send-bulk with its arrival time, session and recipients),
 * by a window scan of its own: no code shared with the fake's limiter (test/fake-sendapi/limits.ts)
 * or the node's pacing. The fake refuses what is over its limits, so a non-zero figure is a bug in
 * the fake or in this reading; the node itself is held to `refused_429` (what it asked for and
 * was refused), which this cannot see.
 */
import type { BulkLimits } from '../nodes/SendApi/bulkEngine';

export interface AcceptedSend {
	status: number;
	/** Arrival at the server (epoch ms). */
	at: number;
	sessionId: string;
	recipients: number;
	/** Answered from the idempotency store: no new message. */
	replayed: boolean;
}

/** Accepted requests or messages that arrived while a window ending at them was already full. */
export interface OverLimit {
	requests: number;
	plan_messages: number;
	session_messages: number;
}

/**
 * Counts, for each limit, the accepted sends at which the window (t - windowMs, t] holds more than
 * the limit. Only the node's own sends are logged: another client's requests are not in it.
 */
export function acceptedOverLimit(
	sends: readonly AcceptedSend[],
	limits: Required<BulkLimits>,
): OverLimit {
	const accepted = sends
		.filter((send) => send.status >= 200 && send.status < 300)
		.sort((a, b) => a.at - b.at);
	const messages = accepted.filter((send) => !send.replayed);
	const bySession = new Map<string, AcceptedSend[]>();
	for (const send of messages) {
		const list = bySession.get(send.sessionId) ?? [];
		list.push(send);
		bySession.set(send.sessionId, list);
	}
	let session = 0;
	for (const list of bySession.values())
		session += countOver(list, limits.windowMs, limits.sessionMessagesPerWindow, weightOf);
	return {
		requests: countOver(accepted, limits.windowMs, limits.requestsPerWindow, () => 1),
		plan_messages: countOver(messages, limits.windowMs, limits.planMessagesPerWindow, weightOf),
		session_messages: session,
	};
}

const weightOf = (send: AcceptedSend) => send.recipients;

/** Sends (sorted by time) at which the trailing window's total exceeds `limit`. */
function countOver(
	sorted: readonly AcceptedSend[],
	windowMs: number,
	limit: number,
	weight: (send: AcceptedSend) => number,
): number {
	if (!Number.isFinite(limit)) return 0;
	let over = 0;
	let total = 0;
	let first = 0;
	for (const send of sorted) {
		total += weight(send);
		while (sorted[first].at <= send.at - windowMs) total -= weight(sorted[first++]);
		if (total > limit) over++;
	}
	return over;
}
