import type {
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { searchSessions } from '../SendApi/methods/listSearch';
import { sessionLocator } from '../SendApi/methods/resourceLocators';
import { receiveDelivery } from './delivery';
import { createWebhook, deleteWebhook, webhookExists } from './lifecycle';
import { mediaProperties } from '../SendApi/inbound/mediaOptions';

export class SendApiTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SendApi Trigger',
		name: 'sendApiTrigger',
		icon: { light: 'file:sendApiTrigger.svg', dark: 'file:sendApiTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		// n8n's node panel merges this trigger and the SendApi node into one "SendApi" entry and shows
		// this description for it, so it names what both nodes do.
		description:
			'Send and bulk-send WhatsApp messages, and start workflows when messages arrive or change status, with SendApi',
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
				// n8n's node panel lists each option as a trigger action: `action` is its text there (without
				// it n8n writes "On " + the lower-cased name). The values are what saved workflows hold.
				options: [
					{
						name: 'Any Event',
						value: '*',
						action: 'On any event',
						description: 'Every event SendApi sends (*), including event types added later',
					},
					{
						name: 'Any Message Event',
						value: 'message.*',
						action: 'On any message event',
						description: 'Every message event (message.*), including message events added later',
					},
					{
						name: 'Message Delivered',
						value: 'message.delivered',
						action: 'On message delivered',
						description: "A message you sent reached the recipient's phone",
					},
					{
						name: 'Message Failed',
						value: 'message.failed',
						action: 'On message failed',
						description: 'A message you sent could not be delivered',
					},
					{
						name: 'Message Read',
						value: 'message.read',
						action: 'On message read',
						description: 'The recipient read a message you sent',
					},
					{
						name: 'Message Received',
						value: 'message.received',
						action: 'On message received',
						description: 'Someone sent a WhatsApp message to your number',
					},
					{
						name: 'Message Sent',
						value: 'message.sent',
						action: 'On message sent',
						description: 'SendApi sent one of your messages to WhatsApp',
					},
				],
			},
			sessionLocator({
				required: false,
				description:
					'Only start for events of this WhatsApp session (connected number). Leave empty for all sessions.',
			}),
			...mediaProperties,
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
