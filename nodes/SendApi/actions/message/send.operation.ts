import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../transport';
import type { MessageType } from '../../transport/dialect';
import { MESSAGE_TYPES, readMessageId, sendBody, WHATSAPP_PREFIX } from '../../transport/dialect';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { forEachItem } from '../../helpers/items';
import { requireLocatorId } from '../../helpers/params';
import { requirePhone } from '../../helpers/validation';
import { sessionLocator } from '../common.descriptions';
import { messageContentFields } from './content/contentFields';
import { messagePayloadForItem } from './content/messageForItem';
import { messageTypeField } from './content/typeField';

/**
 * Session and To default to the SendApi Trigger's output (`session_id`, `from`), so a trigger →
 * reply workflow needs no mapping. Without those fields they resolve empty and the usual
 * "is empty" error names the field.
 */
const properties: INodeProperties[] = [
	sessionLocator({
		default: { mode: 'id', value: '={{ $json.session_id }}' },
		description:
			'The connected WhatsApp number (SendApi session) to send from. Defaults to the session of the message that triggered the workflow.',
	}),
	{
		displayName: 'To',
		name: 'to',
		type: 'string',
		default: '={{ $json.from }}',
		required: true,
		placeholder: '+447700900000',
		description:
			'Recipient phone number with country code. Defaults to the sender of the message that triggered the workflow.',
	},
	messageTypeField(MESSAGE_TYPES),
	...messageContentFields(MESSAGE_TYPES),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['message'], operation: ['send'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await forEachItem(this, items, async (i) => {
		const sessionId = requireLocatorId(this, 'session', i);
		const to = requirePhone(this, this.getNodeParameter('to', i, ''), i, 'To');
		const type = this.getNodeParameter('messageType', i) as MessageType;
		const message = await messagePayloadForItem(this, i, type);
		const answer = await apiRequest.call(this, 'POST', `${WHATSAPP_PREFIX}/send`, {
			body: sendBody(sessionId, to, message),
			itemIndex: i,
		});
		// SendApi names the id `id` or `message_id`; workflows can always read `message_id`.
		const messageId = readMessageId(answer);
		return messageId === undefined ? answer : { ...answer, message_id: messageId };
	});
}
