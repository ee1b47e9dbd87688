import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { apiRequest } from '../../transport';
import { WHATSAPP_PREFIX } from '../../transport/wire/envelope';
import { sessionIdForApi } from '../../transport/wire/ids';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { forEachItem } from '../../helpers/items';
import { requireLocatorId } from '../../helpers/params';
import { requirePhone } from '../../helpers/validation';
import { sessionLocator } from '../../methods/resourceLocators';

const properties: INodeProperties[] = [
	sessionLocator(),
	{
		displayName: 'Phone Number',
		name: 'phone',
		type: 'string',
		default: '',
		required: true,
		placeholder: '+447700900000',
		description: 'The number to check, with country code. Spaces, dashes and brackets are fine.',
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['contact'], operation: ['checkNumber'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await forEachItem(this, items, async (i) => {
		const sessionId = requireLocatorId(this, 'session', i);
		const phone = requirePhone(this, this.getNodeParameter('phone', i), i, 'Phone Number');
		const answer = await apiRequest.call(
			this,
			'GET',
			`${WHATSAPP_PREFIX}/contacts/${encodeURIComponent(phone)}/check`,
			{
				qs: { session_id: sessionIdForApi(sessionId) },
				itemIndex: i,
			},
		);
		return { phone, ...answer } as IDataObject;
	});
}
