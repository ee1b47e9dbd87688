/** Text messages: the text and whether WhatsApp previews its first link. */
import { FIELD_LABELS } from '../../../message/inputError';
import type { ContentField } from './contentField';

export const textFields: ContentField[] = [
	{
		types: ['text'],
		property: {
			displayName: FIELD_LABELS.text,
			name: 'text',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			required: true,
			description: 'The message. WhatsApp formatting works: *bold*, _italic_, ~strikethrough~.',
		},
	},
	{
		types: ['text'],
		property: {
			displayName: 'Link Preview',
			name: 'previewUrl',
			type: 'boolean',
			default: false,
			description: 'Whether WhatsApp shows a preview of the first link in the text',
		},
	},
];
