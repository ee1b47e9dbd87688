import type {
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { sessionLocator } from '../SendApi/actions/common.descriptions';
import { searchSessions } from '../SendApi/methods/listSearch';
import { receiveDelivery } from './delivery';
import { createWebhook, deleteWebhook, webhookExists } from './lifecycle';

export class SendApiTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SendApi Trigger',
		name: 'sendApiTrigger',
		icon: { light: 'file:sendApiTrigger.svg', dark: 'file:sendApiTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		description: 'Starts the workflow when WhatsApp messages arrive or change status in SendApi',
		defaults: { name: 'SendApi Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'sendApiApi', required: true }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'webhook',
			},
		],
		properties: [
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				default: ['message.received'],
				description: 'The SendApi events that start the workflow',
				options: [
					{
						name: 'All (*)',
						value: '*',
						description: 'Every event SendApi sends, including ones added later',
					},
					{
						name: 'All Message Events (message.*)',
						value: 'message.*',
						description: 'Every message event, including ones added later',
					},
					{
						name: 'Message Delivered',
						value: 'message.delivered',
						description: "A message you sent reached the recipient's phone",
					},
					{
						name: 'Message Failed',
						value: 'message.failed',
						description: 'A message you sent could not be delivered',
					},
					{
						name: 'Message Read',
						value: 'message.read',
						description: 'The recipient read a message you sent',
					},
					{
						name: 'Message Received',
						value: 'message.received',
						description: 'Someone sent a WhatsApp message to your number',
					},
					{
						name: 'Message Sent',
						value: 'message.sent',
						description: 'SendApi sent one of your messages to WhatsApp',
					},
				],
			},
			sessionLocator({
				required: false,
				description:
					'Only start for events of this WhatsApp session (connected number). Leave empty for all sessions.',
			}),
		],
	};

	methods = {
		listSearch: { searchSessions },
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return await webhookExists.call(this);
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return await createWebhook.call(this);
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return await deleteWebhook.call(this);
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receiveDelivery.call(this);
	}
}
