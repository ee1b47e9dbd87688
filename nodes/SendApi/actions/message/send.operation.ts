import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { apiRequest } from '../../transport';
import { WHATSAPP_PREFIX } from '../../transport/wire/envelope';
import { readMessageId } from '../../transport/wire/ids';
import type { MessageType } from '../../transport/wire/messageBodies';
import { MESSAGE_TYPES, sendBody } from '../../transport/wire/messageBodies';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { forEachItem } from '../../helpers/items';
import { requireLocatorId } from '../../helpers/params';
import { requirePhone } from '../../helpers/validation';
import { replyToSenderFields } from '../common.descriptions';
import { messageContentFields } from './content/contentFields';
import { messagePayloadForItem } from './content/messageForItem';
import { messageTypeField } from './content/typeField';

const properties: INodeProperties[] = [
	...replyToSenderFields({
		session:
			'The connected WhatsApp number (SendApi session) to send from. Defaults to the session of the message that triggered the workflow.',
		to: 'Recipient phone number with country code. Defaults to the sender of the message that triggered the workflow.',
	}),
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
