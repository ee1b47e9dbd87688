import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../transport';
import { WHATSAPP_PREFIX } from '../../transport/wire/envelope';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { forEachItem } from '../../helpers/items';
import { pathId } from '../../helpers/params';
import { requireText } from '../../helpers/validation';

const properties: INodeProperties[] = [
	{
		displayName: 'Message ID',
		name: 'messageId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'msg_abc123',
		description: 'The ID SendApi returned when the message was sent or received',
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['message'], operation: ['get'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await forEachItem(this, items, async (i) => {
		const messageId = requireText(this, this.getNodeParameter('messageId', i), i, 'Message ID');
		return await apiRequest.call(this, 'GET', `${WHATSAPP_PREFIX}/messages/${pathId(messageId)}`, {
			itemIndex: i,
		});
	});
}
