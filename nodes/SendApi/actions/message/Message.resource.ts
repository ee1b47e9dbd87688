import type { INodeProperties } from 'n8n-workflow';

import { ACTIONS } from '../actionTexts';
import * as get from './get.operation';
import * as getAll from './getAll.operation';
import * as send from './send.operation';
import * as sendAndWait from './sendAndWait.operation';
import * as sendBulk from './sendBulk.operation';
import * as waitForFollowUps from './waitForFollowUps.operation';

export { get, getAll, send, sendAndWait, sendBulk, waitForFollowUps };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['message'] } },
		options: [
			{
				name: 'Get',
				value: 'get',
				description: 'Get a message and its delivery status',
				action: ACTIONS.message.get,
			},
			{
				name: 'Get Many',
				value: 'getAll',
				description: 'List sent and received messages',
				action: ACTIONS.message.getAll,
			},
			{
				name: 'Send',
				value: 'send',
				description: 'Send a WhatsApp message of any type',
				action: ACTIONS.message.send,
			},
			{
				name: 'Send and Wait for Response',
				value: 'sendAndWait',
				description:
					'Ask a question over WhatsApp and wait for the answer (a reply button, a reply or a link)',
				action: ACTIONS.message.sendAndWait,
			},
			{
				name: 'Send Bulk',
				value: 'sendBulk',
				description:
					'Send one message per input row (e.g. spreadsheet rows), as fast as the plan limits allow',
				action: ACTIONS.message.sendBulk,
			},
			{
				name: 'Wait for Follow-up Messages',
				value: 'waitForFollowUps',
				description:
					'Put right after SendApi Trigger: collect a sender’s quick follow-up messages, so the workflow runs once per burst',
				action: ACTIONS.message.waitForFollowUps,
			},
		],
		default: 'send',
	},
	...send.description,
	...sendAndWait.description,
	...sendBulk.description,
	...get.description,
	...getAll.description,
	...waitForFollowUps.description,
];
