/**
 * Engine outcomes → output items: exactly one per input row, paired with it, carrying the row's
 * own json plus what happened to it.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { BulkOutcome, BulkRow } from '../../../bulkEngine';
import { isValidRow } from '../../../bulkEngine';

/** The fields this operation writes; stale copies from an earlier run are dropped from the row. */
const RESULT_FIELDS = [
	'sent_to',
	'status',
	'message_id',
	'batch_id',
	'session_id',
	'attempts',
	'reason',
];

/**
 * The row's number as it went to SendApi (E.164), or would have for a row not sent for another
 * reason, goes in `to`. The row's own columns are never changed (a Google Sheets "Update Row"
 * may match on them): if the row already has a `to` column holding anything else, even the same
 * number written another way, the number goes in `sent_to` instead. A row whose number is
 * invalid has no such number and gets neither.
 */
function recipientField(json: IDataObject, e164: string): 'to' | 'sent_to' {
	const own = json.to;
	const empty = own === undefined || own === null || own === '';
	return empty || own === e164 ? 'to' : 'sent_to';
}

export function resultItem(
	item: INodeExecutionData,
	outcome: BulkOutcome,
	recipient?: string,
): INodeExecutionData {
	const json: IDataObject = { ...item.json };
	// A row fed back from an earlier run's Not Sent output must not keep that run's reason.
	for (const field of RESULT_FIELDS) delete json[field];
	if (recipient !== undefined) json[recipientField(json, recipient)] = recipient;
	json.status = outcome.status;
	if (outcome.id !== undefined) {
		json[outcome.status === 'queued' ? 'batch_id' : 'message_id'] = outcome.id;
	}
	if (outcome.sessionId !== undefined) json.session_id = outcome.sessionId;
	json.attempts = outcome.attempts;
	if (outcome.status === 'not_sent') json.reason = outcome.reason ?? 'not sent';
	return { json, pairedItem: { item: outcome.index } };
}

/**
 * One list, or Sent (sent and queued) and Not Sent, each in input order. `rows` are the rows as
 * read (they hold each valid row's E.164 number); without them (a setting was wrong, no row was
 * read) no number is added.
 */
export function resultOutputs(
	items: INodeExecutionData[],
	outcomes: readonly BulkOutcome[],
	split: boolean,
	rows?: readonly BulkRow[],
): INodeExecutionData[][] {
	const all = outcomes.map((outcome) =>
		resultItem(items[outcome.index], outcome, recipientOf(rows?.[outcome.index])),
	);
	if (!split) return [all];
	return [
		all.filter((item) => item.json.status !== 'not_sent'),
		all.filter((item) => item.json.status === 'not_sent'),
	];
}

function recipientOf(row: BulkRow | undefined): string | undefined {
	return row && isValidRow(row) ? row.to : undefined;
}
