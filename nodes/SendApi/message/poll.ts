import type { MessageContent } from '../transport/wire/messageBodies';
import type { MessageInput } from './input';
import { FIELD_LABELS, MessageInputError } from './inputError';
import { requireString, toBoolean, toList } from './values';

export const POLL_MIN_OPTIONS = 2;
export const POLL_MAX_OPTIONS = 12;

export function validatePoll(input: Extract<MessageInput, { type: 'poll' }>): MessageContent {
	const question = requireString(input.question, FIELD_LABELS.pollQuestion, 'question');
	const options = toList(input.options)
		.map((option) =>
			typeof option === 'number' ? String(option) : typeof option === 'string' ? option.trim() : '',
		)
		.filter((option) => option !== '');
	const label = FIELD_LABELS.pollOptions;
	if (options.length < POLL_MIN_OPTIONS || options.length > POLL_MAX_OPTIONS) {
		throw new MessageInputError(
			label,
			`has ${options.length} option${options.length === 1 ? '' : 's'}; a poll needs ${POLL_MIN_OPTIONS} to ${POLL_MAX_OPTIONS}`,
			undefined,
			'options',
		);
	}
	const duplicate = options.find((option, position) => options.indexOf(option) !== position);
	if (duplicate !== undefined) {
		// WhatsApp counts votes per option text, so two equal options could never be told apart.
		throw new MessageInputError(
			label,
			`has "${duplicate}" twice`,
			'Make every option different.',
			'options',
		);
	}
	return {
		type: 'poll',
		question,
		options,
		allowMultipleAnswers: toBoolean(input.allowMultipleAnswers),
	};
}
