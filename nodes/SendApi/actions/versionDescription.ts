import type { INodeProperties } from 'n8n-workflow';

import * as contact from './contact/Contact.resource';
import * as group from './group/Group.resource';
import * as message from './message/Message.resource';
import * as session from './session/Session.resource';

/**
 * The node's parameters: the resource choice, then each resource's operations and fields.
 * The rest of the description stays in SendApi.node.ts, where n8n's lint rules look for it.
 */
export const properties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Contact', value: 'contact' },
			{ name: 'Group', value: 'group' },
			{ name: 'Message', value: 'message' },
			{ name: 'Session', value: 'session' },
		],
		default: 'session',
	},
	...session.description,
	...contact.description,
	...message.description,
	...group.description,
];
