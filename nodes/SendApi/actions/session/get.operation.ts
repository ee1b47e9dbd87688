import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../transport';
import { WHATSAPP_PREFIX } from '../../transport/wire/envelope';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { forEachItem } from '../../helpers/items';
import { pathId, requireLocatorId } from '../../helpers/params';
import { sessionLocator } from '../../methods/resourceLocators';

const properties: INodeProperties[] = [sessionLocator()];

export const description = updateDisplayOptions(
	{ show: { resource: ['session'], operation: ['get'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await forEachItem(this, items, async (i) => {
		const sessionId = requireLocatorId(this, 'session', i);
		return await apiRequest.call(this, 'GET', `${WHATSAPP_PREFIX}/sessions/${pathId(sessionId)}`, {
			itemIndex: i,
		});
	});
}
