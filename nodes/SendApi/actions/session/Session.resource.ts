import type { INodeProperties } from 'n8n-workflow';

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
			{ name: 'Create', value: 'create', description: 'Create a session and get the QR code to pair a WhatsApp number', action: 'Create a session' },
			{ name: 'Delete', value: 'deleteSession', description: 'Log a WhatsApp number out and delete its session', action: 'Delete a session' },
			{ name: 'Get', value: 'get', description: 'Get a session and its connection status', action: 'Get a session' },
			{ name: 'Get Many', value: 'getAll', description: 'List the sessions of the account', action: 'Get many sessions' },
			{ name: 'Get QR Code', value: 'getQrCode', description: 'Get a fresh QR code to pair a session (valid 2 minutes)', action: 'Get the QR code of a session' },
		],
		default: 'getAll',
	},
	...create.description,
	...deleteSession.description,
	...get.description,
	...getAll.description,
	...getQrCode.description,
];
