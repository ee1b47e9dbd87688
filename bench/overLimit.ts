/**
 * Did the server ever carry more than a limit allows? Computed from the messages it stored (also
 * by the queue-mode e2e), independent of the server's own enforcement and of the node's pacing.
 */
import type { BulkLimits } from '../nodes/SendApi/bulkEngine';

export interface StoredMessage {
	sessionId: string;
	/** When the server stored it (epoch ms). */
	at: number;
}

/**
 * Messages the server stored while a sliding window (ending at each message) already held the
 * plan's or the message's session's limit: 0 means no limit was ever exceeded at the server.
 */
export function overLimit(
	stored: { messages: readonly StoredMessage[] },
	limits: Required<BulkLimits>,
): number {
	const messages = [...stored.messages].sort((a, b) => a.at - b.at);
	let over = 0;
	messages.forEach((message, position) => {
		let plan = 0;
		let session = 0;
		for (let earlier = position; earlier >= 0; earlier--) {
			const other = messages[earlier];
			if (other.at <= message.at - limits.windowMs) break;
			plan++;
			if (other.sessionId === message.sessionId) session++;
		}
		if (plan > limits.planMessagesPerWindow || session > limits.sessionMessagesPerWindow) over++;
	});
	return over;
}
