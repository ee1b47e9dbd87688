import type { INodeProperties } from 'n8n-workflow';

import { ACTIONS } from '../actionTexts';
import * as create from './create.operation';
import * as getAll from './getAll.operation';
import * as update from './update.operation';

export { create, getAll, update };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['group'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description: 'Create a WhatsApp group with participants',
				action: ACTIONS.group.create,
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List the groups of a session',
				action: ACTIONS.group.getAll,
			},
			{
				name: 'Update',
				value: 'update',
				description: 'Rename a group, change its description or add and remove participants',
				action: ACTIONS.group.update,
			},
		],
		default: 'create',
	},
	...create.description,
	...getAll.description,
	...update.description,
];
