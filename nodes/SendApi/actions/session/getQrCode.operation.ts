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
import { pathId, requireLocatorId } from '../../helpers/params';
import { sessionLocator } from '../../methods/resourceLocators';
import { qrBinaryProperty, withQrCodeBinary } from './qrCode';

const properties: INodeProperties[] = [
	sessionLocator(),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [qrBinaryProperty],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['session'], operation: ['getQrCode'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await forEachItem(this, items, async (i) => {
		const sessionId = requireLocatorId(this, 'session', i);
		const answer = await apiRequest.call(
			this,
			'GET',
			`${WHATSAPP_PREFIX}/sessions/${pathId(sessionId)}/qr`,
			{
				itemIndex: i,
			},
		);
		// The QR answer is undocumented: a bare data-URL string arrives here as `{value}`.
		const json: IDataObject = typeof answer.value === 'string' ? { qr_code: answer.value } : answer;
		return await withQrCodeBinary(this, { session_id: sessionId, ...json }, i);
	});
}
