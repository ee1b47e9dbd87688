import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { apiRequestAllItems } from '../transport';
import { WHATSAPP_PREFIX } from '../transport/wire/envelope';
import { sessionIdForApi } from '../transport/wire/ids';
import { updateDisplayOptions } from '../helpers/displayOptions';
import { forEachItem } from '../helpers/items';
import { getListOptions, requireLocatorId } from '../helpers/params';
import { sessionLocator } from '../methods/resourceLocators';
import { returnAllOrLimit } from './common.descriptions';

/**
 * "Get Many" for lists SendApi scopes to one session (contacts, groups): the same fields and the
 * same paging, so both operations are this one shape with their own path.
 */
export function listBySessionOperation(resource: string, path: string) {
	const properties: INodeProperties[] = [sessionLocator(), ...returnAllOrLimit];
	const description = updateDisplayOptions(
		{ show: { resource: [resource], operation: ['getAll'] } },
		properties,
	);

	async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
		return await forEachItem(this, items, async (i) => {
			const sessionId = requireLocatorId(this, 'session', i);
			return await apiRequestAllItems.call(
				this,
				`${WHATSAPP_PREFIX}${path}`,
				{ session_id: sessionIdForApi(sessionId) },
				{ itemIndex: i, ...getListOptions(this, i) },
			);
		});
	}

	return { description, execute };
}
