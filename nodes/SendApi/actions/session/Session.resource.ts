import type { INodeProperties } from 'n8n-workflow';

import { ACTIONS } from '../actionTexts';
import * as create from './create.operation';
import * as deleteSession from './deleteSession.operation';
import * as get from './get.operation';
import * as getAll from './getAll.operation';
import * as getQrCode from './getQrCode.operation';

export { create, deleteSession, get, getAll, getQrCode };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['session'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description: 'Create a session and get the QR code to pair a WhatsApp number',
				action: ACTIONS.session.create,
			},
			{
				name: 'Delete',
				value: 'deleteSession',
				description: 'Log a WhatsApp number out and delete its session',
				action: ACTIONS.session.deleteSession,
			},
			{
				name: 'Get',
				value: 'get',
				description: 'Get a session and its connection status',
				action: ACTIONS.session.get,
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List the sessions of the account',
				action: ACTIONS.session.getAll,
			},
			{
				name: 'Get QR Code',
				value: 'getQrCode',
				description: 'Get a fresh QR code to pair a session (valid 2 minutes)',
				action: ACTIONS.session.getQrCode,
			},
		],
		default: 'getAll',
	},
	...create.description,
	...deleteSession.description,
	...get.description,
	...getAll.description,
	...getQrCode.description,
];
