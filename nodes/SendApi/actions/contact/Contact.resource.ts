import type { INodeProperties } from 'n8n-workflow';

import { ACTIONS } from '../actionTexts';
import * as checkNumber from './checkNumber.operation';
import * as getAll from './getAll.operation';

export { checkNumber, getAll };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['contact'] } },
		options: [
			{
				name: 'Check Number',
				value: 'checkNumber',
				description: 'Check whether a phone number uses WhatsApp',
				action: ACTIONS.contact.checkNumber,
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List the contacts of a session',
				action: ACTIONS.contact.getAll,
			},
		],
		default: 'checkNumber',
	},
	...checkNumber.description,
	...getAll.description,
];
