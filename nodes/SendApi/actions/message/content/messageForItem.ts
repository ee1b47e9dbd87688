import type { IExecuteFunctions } from 'n8n-workflow';

import { buildMessagePayload } from '../../../message/buildMessage';
import { asInputError } from '../../../message/inputError';
import type { MessageFragment, MessageType } from '../../../transport/wire/messageBodies';
import { readMessageInput } from './readMessageInput';

/**
 * One item's message fragment, checked before anything is sent. A bad value becomes an error that
 * names the item and the field.
 */
export async function messagePayloadForItem(
	context: IExecuteFunctions,
	itemIndex: number,
	type: MessageType,
): Promise<MessageFragment> {
	const input = await readMessageInput(context, itemIndex, type);
	try {
		return buildMessagePayload(input);
	} catch (error) {
		throw asInputError(context, itemIndex, error);
	}
}
