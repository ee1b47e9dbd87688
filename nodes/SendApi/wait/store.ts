/**
 * Where a wait's record (webhook id, signing secret, who was asked, the question's nonce) is kept
 * between the question and the answer. SendApi shows a webhook's secret only once, when it is
 * created, so the resumed webhook() can verify deliveries only with what the asking run kept.
 *
 * Two places, both read on resume:
 * - the node's workflow static data, under `sendAndWait[<execution id>]`: n8n stores the
 *   execution's copy of the workflow (static data included) with the waiting execution and builds
 *   the resumed workflow from that copy, so the record survives a restart of n8n;
 * - this process's memory, which serves a single-main n8n even where the static data a resumed
 *   webhook sees would be older than the asking run's.
 * Records are removed when the answer arrives; ones of ended waits are pruned whenever a record is
 * saved, so the static data does not grow.
 */
import type { IDataObject } from 'n8n-workflow';

import { isObject } from '../transport/dialect';
import type { WaitRecord } from './answer';

const STATIC_KEY = 'sendAndWait';
const inProcess = new Map<string, WaitRecord>();
const MAX_IN_PROCESS = 1000;

export function saveWaitRecord(staticData: IDataObject, record: WaitRecord, now: number): void {
	const records = { ...readRecords(staticData) };
	for (const [id, kept] of Object.entries(records)) {
		if (kept.deadline > 0 && kept.deadline <= now) delete records[id];
	}
	records[record.executionId] = record;
	// n8n only notices a change when a top-level key of the node's static data is assigned.
	staticData[STATIC_KEY] = records as unknown as IDataObject;
	inProcess.set(record.executionId, record);
	if (inProcess.size > MAX_IN_PROCESS) {
		const oldest = inProcess.keys().next().value;
		if (oldest !== undefined) inProcess.delete(oldest);
	}
}

export function findWaitRecord(staticData: IDataObject, executionId: string): WaitRecord | undefined {
	return readRecords(staticData)[executionId] ?? inProcess.get(executionId);
}

export function forgetWaitRecord(staticData: IDataObject, executionId: string): void {
	inProcess.delete(executionId);
	const records = { ...readRecords(staticData) };
	if (!(executionId in records)) return;
	delete records[executionId];
	staticData[STATIC_KEY] = records as unknown as IDataObject;
}

function readRecords(staticData: IDataObject): Record<string, WaitRecord> {
	const stored = staticData[STATIC_KEY];
	if (!isObject(stored)) return {};
	const entries = Object.entries(stored).filter(([, value]) => isWaitRecord(value));
	return Object.fromEntries(entries) as unknown as Record<string, WaitRecord>;
}

function isWaitRecord(value: unknown): value is WaitRecord {
	return (
		isObject(value) &&
		typeof value.executionId === 'string' &&
		typeof value.webhookId === 'string' &&
		typeof value.secret === 'string' &&
		typeof value.nonce === 'string'
	);
}
