import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { configuredOutputs } from './actions/message/sendBulk/outputs';
import { router } from './actions/router';
import { properties } from './actions/versionDescription';
import { searchGroups, searchSessions } from './methods/listSearch';
import { sendAndWaitWebhook, sendAndWaitWebhooks } from './sendAndWait/answerWebhook';

export class SendApi implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SendApi',
		name: 'sendApi',
		icon: { light: 'file:sendApi.svg', dark: 'file:sendApi.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		// Shown where this node appears on its own (e.g. its "SendApi Tool" variant for AI agents); the
		// node panel's merged "SendApi" entry shows the trigger's description instead.
		description:
			'Send and bulk-send WhatsApp messages within rate limits, and manage sessions, groups and contacts with SendApi',
		defaults: { name: 'SendApi' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		// Send Bulk can route not-sent rows to a second output (see configuredOutputs).
		outputs: `={{(${configuredOutputs})($parameter)}}`,
		credentials: [{ name: 'sendApiApi', required: true }],
		// Send and Wait for Response: restart webhooks, served only on the waiting URL of an execution
		// this node put to wait (see sendAndWait/answerWebhook.ts), never registered anywhere by n8n.
		webhooks: sendAndWaitWebhooks,
		properties,
	};

	methods = {
		listSearch: { searchSessions, searchGroups },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await sendAndWaitWebhook.call(this);
	}
}
