/**
 * Input items → the engine's rows. Each item is one spreadsheet row: its recipient and message
 * fields are read at its own index, so expressions such as `Hi {{ $json.name }}` resolve per row.
 * A row that cannot be sent becomes an invalid row with a reason naming the row (1-based, as the
 * n8n UI counts) and the field; it never stops the run.
 *
 * Parameters are read through the fast reader (helpers/fastParameters.ts): simple `$json` paths
 * such as `={{ $json.phone }}` resolve without n8n's expression engine, which costs about 0.2 ms
 * per parameter per row; every other form is still resolved by `getNodeParameter`.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { BulkRow } from '../../../bulk';
import type { ParameterReader } from '../../../helpers/fastParameters';
import { fastParameterReader } from '../../../helpers/fastParameters';
import type { MessageInput } from '../../../helpers/messagePayload';
import {
	buildMessagePayload,
	MessageInputError,
	messageKey,
} from '../../../helpers/messagePayload';
import { normalisePhone } from '../../../helpers/phone';
import { itemPrefix } from '../../../helpers/validation';
import type { MessageFragment, MessageType } from '../../../transport/dialect';
import { BULK_MESSAGE_TYPES } from '../../../transport/dialect';
import { readMessageInput } from '../messageContent';

export type BulkSendRow = BulkRow<MessageFragment>;

/**
 * Reads every row. Identical messages share one fragment object and one key string, so 50,000
 * rows of the same message hold one copy of it, not 50,000.
 */
export async function readRows(
	context: IExecuteFunctions,
	itemCount: number,
	type: MessageType,
): Promise<BulkSendRow[]> {
	const shared = new Map<string, { key: string; fragment: MessageFragment }>();
	const read = fastParameterReader(context);
	const rows: BulkSendRow[] = new Array<BulkSendRow>(itemCount);
	for (let index = 0; index < itemCount; index++) {
		rows[index] = await readRow(context, read, index, type, shared);
	}
	return rows;
}

async function readRow(
	context: IExecuteFunctions,
	read: ParameterReader,
	index: number,
	type: MessageType,
	shared: Map<string, { key: string; fragment: MessageFragment }>,
): Promise<BulkSendRow> {
	try {
		const phone = normalisePhone(read('to', index, ''));
		if (!phone.ok) return invalid(index, `To ${phone.reason}`);
		const input = await readMessageInput(context, index, type, read);
		const fragment = buildMessagePayload(input);
		if (!canGoInBulk(input)) {
			// A key no other row has: the row is always a single send.
			return { index, to: phone.e164, messageKey: `row:${index}`, payload: fragment };
		}
		const key = messageKey(fragment);
		let entry = shared.get(key);
		if (!entry) {
			entry = { key, fragment };
			shared.set(key, entry);
		}
		return { index, to: phone.e164, messageKey: entry.key, payload: entry.fragment };
	} catch (error) {
		return invalid(index, describeRowError(error, index));
	}
}

/**
 * `/send-bulk` takes text, image, document and template messages. Binary media stays on `/send`:
 * one base64 file in a body is enough, and a bulk body is not the place to repeat it.
 */
function canGoInBulk(input: MessageInput): boolean {
	if (!(BULK_MESSAGE_TYPES as readonly string[]).includes(input.type)) return false;
	return !('media' in input) || input.media.source === 'url';
}

function invalid(index: number, problem: string): BulkSendRow {
	return { index, invalidReason: `Row ${index + 1}: ${problem}` };
}

/**
 * What is wrong with the row, naming the field. Errors raised for an n8n item ("Item 3: …", e.g.
 * a missing binary field or an expression that fails) lose that prefix: the row number replaces it.
 */
function describeRowError(error: unknown, index: number): string {
	if (error instanceof MessageInputError) return `${error.field} ${error.problem}`;
	const message = error instanceof Error ? error.message : String(error);
	const prefix = itemPrefix(index);
	return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}
