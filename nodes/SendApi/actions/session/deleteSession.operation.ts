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

const properties: INodeProperties[] = [
	sessionLocator({ description: 'The session to log out and delete' }),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['session'], operation: ['deleteSession'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await forEachItem(this, items, async (i) => {
		const sessionId = requireLocatorId(this, 'session', i);
		// SendApi does not document this answer: any 2xx, with or without a body, means deleted.
		const answer = await apiRequest.call(
			this,
			'DELETE',
			`${WHATSAPP_PREFIX}/sessions/${pathId(sessionId)}`,
			{
				itemIndex: i,
			},
		);
		return { ...answer, id: sessionId, deleted: true } as IDataObject;
	});
}
