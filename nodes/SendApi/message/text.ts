import type { MessageContent } from '../transport/wire/messageBodies';
import type { MessageInput } from './input';
import { requireBody, toBoolean } from './values';

export function validateText(input: Extract<MessageInput, { type: 'text' }>): MessageContent {
	return {
		type: 'text',
		body: requireBody(input.text, 'text'),
		previewUrl: toBoolean(input.previewUrl),
	};
}
