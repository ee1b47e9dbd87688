/**
 * Input items → the engine's rows. Each item is one spreadsheet row: its recipient and message
 * fields are read at its own index, so expressions such as `Hi {{ $json.name }}` resolve per row.
 * A row that cannot be sent becomes an invalid row with a reason naming the row (1-based, as the
 * n8n UI counts) and the field; it never stops the run. In a tool run the reason is for a model
 * (reasons.ts): the fix joins it and the row number only tells rows apart.
 *
 * Parameters are read through the fast reader (helpers/fastParameters.ts): simple `$json` paths
 * such as `={{ $json.phone }}` resolve without n8n's expression engine (see docs/bulk-sending.md);
 * every other form is still resolved by `getNodeParameter`.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { BulkRow } from '../../../bulkEngine';
import type { ParameterReader } from '../../../helpers/fastParameters';
import { fastParameterReader } from '../../../helpers/fastParameters';
import { normalisePhone } from '../../../helpers/phone';
import type { ToolRunError } from '../../../helpers/aiTool';
import { inModelTerms } from '../../../helpers/aiTool';
import { PHONE_FIX } from '../../../helpers/phone';
import { itemPrefix } from '../../../helpers/validation';
import { buildMessagePayload } from '../../../message/buildMessage';
import type { MessageInput } from '../../../message/input';
import { MessageInputError } from '../../../message/inputError';
import { messageKey } from '../../../message/messageKey';
import type { MessageFragment, MessageType } from '../../../transport/wire/messageBodies';
import { BULK_MESSAGE_TYPES } from '../../../transport/wire/messageBodies';
import { readMessageInput } from '../content/readMessageInput';
import type { RowReasons } from './reasons';

export type BulkSendRow = BulkRow<MessageFragment>;

/**
 * Reads every row. Identical messages share one fragment object and one key string, so 50,000
 * rows of the same message hold one copy of it, not 50,000.
 */
export async function readRows(
	context: IExecuteFunctions,
	itemCount: number,
	type: MessageType,
	reasons: RowReasons,
): Promise<BulkSendRow[]> {
	const shared = new Map<string, { key: string; fragment: MessageFragment }>();
	const read = fastParameterReader(context);
	const rows: BulkSendRow[] = new Array<BulkSendRow>(itemCount);
	for (let index = 0; index < itemCount; index++) {
		rows[index] = await readRow(context, read, index, type, shared, reasons);
	}
	return rows;
}

async function readRow(
	context: IExecuteFunctions,
	read: ParameterReader,
	index: number,
	type: MessageType,
	shared: Map<string, { key: string; fragment: MessageFragment }>,
	reasons: RowReasons,
): Promise<BulkSendRow> {
	try {
		const phone = normalisePhone(read('to', index, ''));
		if (!phone.ok) return invalid(index, reasons.invalid(index, `To ${phone.reason}`, PHONE_FIX));
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
		const { problem, fix } = describeRowError(error, index, reasons.forModel);
		return invalid(index, reasons.invalid(index, problem, fix));
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

function invalid(index: number, invalidReason: string): BulkSendRow {
	return { index, invalidReason };
}

/**
 * What is wrong with the row, naming the field, and what to change when the error says it.
 * Errors raised for an n8n item ("Item 3: …", e.g. a missing binary field or an expression that
 * fails) lose that prefix: the row number replaces it. For a model, such an error's advice (its
 * description) joins the problem, as in every other tool run (inModelTerms).
 */
function describeRowError(
	error: unknown,
	index: number,
	forModel: boolean,
): { problem: string; fix?: string } {
	if (error instanceof MessageInputError)
		return { problem: `${error.field} ${error.problem}`, fix: error.fix };
	if (forModel && error instanceof Error)
		return { problem: inModelTerms(error as ToolRunError).message };
	const message = error instanceof Error ? error.message : String(error);
	const prefix = itemPrefix(index);
	return { problem: message.startsWith(prefix) ? message.slice(prefix.length) : message };
}
