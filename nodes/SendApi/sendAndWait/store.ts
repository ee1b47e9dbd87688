/**
 * Where a wait keeps what its resumed webhook() needs between the question and the answer: SendApi
 * shows a webhook's signing secret only once, so only what the asking run kept can verify the
 * answer. It goes into the execution's custom data, sealed (sealed.ts), because static data written
 * by the asking run does not reach a resumed webhook(); this process also keeps the whole record.
 * What survives a wait in each n8n version, and why: docs/send-and-wait.md. Where nothing comes
 * back (n8n 1.x after a restart), confirmed.ts confirms the answer through SendApi's API.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	IWebhookFunctions,
	IWorkflowExecutionCustomData,
} from 'n8n-workflow';

import type { WaitRecord } from './answer';
import type { SealedWebhook } from './sealed';
import { openWebhook, sealWebhook } from './sealed';

const inProcess = new Map<string, WaitRecord>();
const MAX_IN_PROCESS = 1000;
/** n8n keeps at most 255 characters of a custom data value. */
const MAX_CUSTOM_DATA_VALUE = 255;

/** Custom data keys take letters, digits and underscores, at most 50 characters. */
export function customDataKey(nodeId: string): string {
	return `sendapi_wait_${nodeId.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 50);
}

function binding(executionId: string, nodeId: string): string {
	return `${executionId}/${nodeId}`;
}

/**
 * Keeps the record for the resumed webhook(). False when the execution's custom data could not
 * take it (n8n keeps at most 10 custom data keys per execution): then only this process has it.
 */
export function keepWaitRecord(
	context: IExecuteFunctions,
	apiKey: string,
	record: WaitRecord,
): boolean {
	const nodeId = context.getNode().id;
	inProcess.set(binding(record.executionId, nodeId), record);
	if (inProcess.size > MAX_IN_PROCESS) {
		const oldest = inProcess.keys().next().value;
		if (oldest !== undefined) inProcess.delete(oldest);
	}
	const sealed = sealWebhook(apiKey, binding(record.executionId, nodeId), record);
	const customData = executeCustomData(context);
	if (!customData || sealed.length > MAX_CUSTOM_DATA_VALUE) return false;
	const key = customDataKey(nodeId);
	customData.set(key, sealed);
	return customData.get(key) === sealed;
}

export function recordInProcess(executionId: string, nodeId: string): WaitRecord | undefined {
	return inProcess.get(binding(executionId, nodeId));
}

/** The webhook id and secret the asking run sealed into the execution's custom data. */
export function sealedWebhookOf(
	context: IWebhookFunctions,
	apiKey: string,
): SealedWebhook | 'absent' | 'unreadable' {
	const nodeId = context.getNode().id;
	const value = readCustomData(context, customDataKey(nodeId));
	if (typeof value !== 'string' || value === '') return 'absent';
	return openWebhook(apiKey, binding(context.getExecutionId(), nodeId), value) ?? 'unreadable';
}

/** After the answer: nothing of the wait stays, the sealed secret included. */
export function forgetWaitRecord(context: IWebhookFunctions): void {
	const nodeId = context.getNode().id;
	inProcess.delete(binding(context.getExecutionId(), nodeId));
	const customData = ownCustomData(context);
	try {
		customData?.set(customDataKey(nodeId), '');
	} catch {
		// Nothing to clear where n8n offers no custom data here.
	}
}

/**
 * `this.customData` exists in n8n-core 2.x; n8n 1.x offers the same object only to expressions
 * (`$execution.customData`), which a node reaches through its workflow data proxy.
 */
function executeCustomData(context: IExecuteFunctions): IWorkflowExecutionCustomData | undefined {
	const own = ownCustomData(context);
	if (own) return own;
	const proxy = context.getWorkflowDataProxy(0) as unknown as { $execution?: IDataObject };
	const customData = proxy.$execution?.customData as IWorkflowExecutionCustomData | undefined;
	return customData && typeof customData.set === 'function' ? customData : undefined;
}

function readCustomData(context: IWebhookFunctions, key: string): unknown {
	const own = ownCustomData(context);
	if (own) return own.get(key);
	// Webhook functions have no data proxy in n8n 1.x; the expression reaches the same data.
	return context.evaluateExpression(`{{ $execution.customData.get(${JSON.stringify(key)}) }}`, 0);
}

function ownCustomData(
	context: IExecuteFunctions | IWebhookFunctions,
): IWorkflowExecutionCustomData | undefined {
	try {
		const customData = (context as { customData?: IWorkflowExecutionCustomData }).customData;
		return customData && typeof customData.get === 'function' ? customData : undefined;
	} catch {
		return undefined;
	}
}
