import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { apiRequestAllItems } from '../../transport';
import { WHATSAPP_PREFIX } from '../../transport/wire/envelope';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { forEachItem } from '../../helpers/items';
import { getListOptions } from '../../helpers/params';
import { returnAllOrLimit } from '../common.descriptions';

export const description = updateDisplayOptions(
	{ show: { resource: ['session'], operation: ['getAll'] } },
	returnAllOrLimit,
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await forEachItem(this, items, async (i) => {
		return await apiRequestAllItems.call(
			this,
			`${WHATSAPP_PREFIX}/sessions`,
			{},
			{ itemIndex: i, ...getListOptions(this, i) },
		);
	});
}
