import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { apiRequestAllItems } from '../../transport';
import { sessionIdForApi, WHATSAPP_PREFIX } from '../../transport/dialect';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { forEachItem } from '../../helpers/items';
import { getListOptions, requireLocatorId } from '../../helpers/params';
import { returnAllOrLimit, sessionLocator } from '../common.descriptions';

const properties: INodeProperties[] = [sessionLocator(), ...returnAllOrLimit];

export const description = updateDisplayOptions(
	{ show: { resource: ['group'], operation: ['getAll'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await forEachItem(this, items, async (i) => {
		const sessionId = requireLocatorId(this, 'session', i);
		return await apiRequestAllItems.call(
			this,
			`${WHATSAPP_PREFIX}/groups`,
			{ session_id: sessionIdForApi(sessionId) },
			{ itemIndex: i, ...getListOptions(this, i) },
		);
	});
}
