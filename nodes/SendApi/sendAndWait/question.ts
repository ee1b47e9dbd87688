/** What the asking run and the resumed webhook() both read from the node's parameters. */
import type { IDataObject, IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../transport';

export interface ApprovalLabels {
	approveLabel: string;
	/** Undefined when the question offers Approve only. */
	declineLabel?: string;
}

/** The labels of Approval Options (`approvalOptions.values`), with n8n's defaults. */
export function approvalLabels(values: IDataObject): ApprovalLabels {
	const approveLabel = label(values.approveLabel, 'Approve');
	if (values.approvalType === 'single') return { approveLabel };
	return { approveLabel, declineLabel: label(values.disapproveLabel, 'Decline') };
}

function label(value: unknown, fallback: string): string {
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}

/** The credential's API key: it keys the owner tag and the sealed webhook secret. */
export async function credentialApiKey(
	context: IExecuteFunctions | IWebhookFunctions,
): Promise<string> {
	const credentials = await context.getCredentials(CREDENTIAL_TYPE);
	const apiKey = typeof credentials.apiKey === 'string' ? credentials.apiKey : '';
	if (!apiKey) {
		throw new NodeOperationError(context.getNode(), 'The SendApi credential has no API key');
	}
	return apiKey;
}
