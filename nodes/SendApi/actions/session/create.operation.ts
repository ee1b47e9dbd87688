import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { apiRequest } from '../../transport';
import { WHATSAPP_PREFIX } from '../../transport/wire/envelope';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { forEachItem } from '../../helpers/items';
import { requireText } from '../../helpers/validation';
import { qrBinaryProperty, withQrCodeBinary } from './qrCode';

const properties: INodeProperties[] = [
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'Support line',
		description: 'A name for this WhatsApp number, shown in SendApi and in session pickers',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Webhook URL',
				name: 'webhookUrl',
				type: 'string',
				default: '',
				placeholder: 'https://example.com/webhook',
				description:
					"Where SendApi posts this session's events (the SendApi Trigger node registers its own webhook instead)",
			},
			qrBinaryProperty,
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['session'], operation: ['create'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await forEachItem(this, items, async (i) => {
		const name = requireText(this, this.getNodeParameter('name', i), i, 'Name', { maxLength: 100 });
		const options = this.getNodeParameter('options', i, {}) as IDataObject;
		const body: IDataObject = { name };
		if (typeof options.webhookUrl === 'string' && options.webhookUrl.trim() !== '') {
			body.webhook_url = options.webhookUrl.trim();
		}
		const session = await apiRequest.call(this, 'POST', `${WHATSAPP_PREFIX}/sessions`, {
			body,
			itemIndex: i,
		});
		return await withQrCodeBinary(this, session, i);
	});
}
