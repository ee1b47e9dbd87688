/** Poll messages: the question, its options and whether voters may pick several. */
import { FIELD_LABELS } from '../../../message/inputError';
import type { ContentField } from './contentField';

export const pollFields: ContentField[] = [
	{
		types: ['poll'],
		property: {
			displayName: FIELD_LABELS.pollQuestion,
			name: 'pollQuestion',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'Which day suits you?',
		},
	},
	{
		types: ['poll'],
		property: {
			displayName: FIELD_LABELS.pollOptions,
			name: 'pollOptions',
			type: 'string',
			typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Poll Option' },
			default: [],
			description: '2 to 12 different answers to vote on',
		},
	},
	{
		types: ['poll'],
		property: {
			displayName: 'Allow Multiple Answers',
			name: 'allowMultipleAnswers',
			type: 'boolean',
			default: false,
			description: 'Whether a voter may pick more than one option',
		},
	},
];
