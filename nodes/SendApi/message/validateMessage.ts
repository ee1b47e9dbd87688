/**
 * Checks one message's plain values and returns them as a MessageContent. Pure: it throws a
 * MessageInputError that names the field, and callers add which item or row it came from. Each
 * type's checks live in the file named for it.
 */
import type { MessageContent } from '../transport/wire/messageBodies';
import { validateContact } from './contact';
import type { MessageInput } from './input';
import { MessageInputError } from './inputError';
import { validateInteractive } from './interactive';
import { validateLocation } from './location';
import { validateAudio, validateDocument, validateImageOrVideo } from './media';
import { validatePoll } from './poll';
import { validateTemplate } from './template';
import { validateText } from './text';

export function validateMessage(input: MessageInput): MessageContent {
	switch (input.type) {
		case 'text':
			return validateText(input);
		case 'image':
		case 'video':
			return validateImageOrVideo(input);
		case 'audio':
			return validateAudio(input);
		case 'document':
			return validateDocument(input);
		case 'location':
			return validateLocation(input);
		case 'contact':
			return validateContact(input);
		case 'template':
			return validateTemplate(input);
		case 'interactive':
			return { type: 'interactive', interactive: validateInteractive(input) };
		case 'poll':
			return validatePoll(input);
		default:
			throw new MessageInputError(
				'Message Type',
				`"${String((input as { type: unknown }).type)}" is not supported`,
			);
	}
}
