/**
 * The message part of a send or send-bulk body, built from plain values: checked here
 * (validateMessage.ts), then placed on the wire by transport/wire/messageBodies.ts.
 */
import type { MessageFragment } from '../transport/wire/messageBodies';
import { messageFragment } from '../transport/wire/messageBodies';
import type { MessageInput } from './input';
import { validateMessage } from './validateMessage';

/** Checks one message and returns its wire fragment `{type, <type>: {…}, content?}`. */
export function buildMessagePayload(input: MessageInput): MessageFragment {
	return messageFragment(validateMessage(input));
}
