/**
 * Engine outcomes → output items: exactly one per input row, paired with it, carrying the row's
 * own json plus what happened to it.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { BulkOutcome } from '../../../bulk';

/** The fields this operation writes; stale copies from an earlier run are dropped from the row. */
const RESULT_FIELDS = ['status', 'message_id', 'batch_id', 'session_id', 'attempts', 'reason'];

export function resultItem(item: INodeExecutionData, outcome: BulkOutcome): INodeExecutionData {
	const json: IDataObject = { ...item.json };
	// A row fed back from an earlier run's Not Sent output must not keep that run's reason.
	for (const field of RESULT_FIELDS) delete json[field];
	json.status = outcome.status;
	if (outcome.id !== undefined) {
		json[outcome.status === 'queued' ? 'batch_id' : 'message_id'] = outcome.id;
	}
	if (outcome.sessionId !== undefined) json.session_id = outcome.sessionId;
	json.attempts = outcome.attempts;
	if (outcome.status === 'not_sent') json.reason = outcome.reason ?? 'not sent';
	return { json, pairedItem: { item: outcome.index } };
}

/** One list, or Sent (sent and queued) and Not Sent, each in input order. */
export function resultOutputs(
	items: INodeExecutionData[],
	outcomes: readonly BulkOutcome[],
	split: boolean,
): INodeExecutionData[][] {
	const all = outcomes.map((outcome) => resultItem(items[outcome.index], outcome));
	if (!split) return [all];
	return [
		all.filter((item) => item.json.status !== 'not_sent'),
		all.filter((item) => item.json.status === 'not_sent'),
	];
}
