/**
 * Reading a session's incoming messages from SendApi's history (`GET /whatsapp/messages`, filters
 * `session_id`, `direction=in`, `from_date`, `to_date`; paged). Bounded: one read fetches at most
 * HISTORY_READ_LIMIT messages, newest pages first as SendApi lists them.
 */
import { apiRequestAllItems } from './index';
import type { SendApiContext } from './index';
import { WHATSAPP_PREFIX } from './wire/envelope';
import type { HistoryMessage } from './wire/history';
import { readHistoryMessage } from './wire/history';
import { messagesQuery } from './wire/messageBodies';

/** Ten pages of 100: the most one read asks for. */
export const HISTORY_READ_LIMIT = 1000;

export interface HistoryWindow {
	/** Epoch ms; from the start of history when absent. */
	from?: number;
	/** Epoch ms; up to now when absent. */
	to?: number;
}

export interface HistoryRead {
	messages: HistoryMessage[];
	/** The read hit HISTORY_READ_LIMIT: older messages of the window may be missing. */
	truncated: boolean;
}

export async function readIncomingMessages(
	this: SendApiContext,
	sessionId: string,
	window: HistoryWindow,
	itemIndex: number,
): Promise<HistoryRead> {
	const qs = messagesQuery({
		sessionId,
		direction: 'in',
		fromDate: isoOf(window.from),
		toDate: isoOf(window.to),
	});
	const items = await apiRequestAllItems.call(this, `${WHATSAPP_PREFIX}/messages`, qs, {
		itemIndex,
		limit: HISTORY_READ_LIMIT,
	});
	const messages = items
		.map((item) => readHistoryMessage(item))
		.filter((message): message is HistoryMessage => message !== undefined);
	return { messages, truncated: items.length >= HISTORY_READ_LIMIT };
}

function isoOf(ms: number | undefined): string | undefined {
	return ms === undefined ? undefined : new Date(ms).toISOString();
}
