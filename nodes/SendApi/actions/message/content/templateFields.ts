/** Template messages: name, language and components (body variables or JSON). */
import { FIELD_LABELS } from '../../../message/inputError';
import type { ContentField } from './contentField';

export const templateFields: ContentField[] = [
	{
		types: ['template'],
		property: {
			displayName: FIELD_LABELS.templateName,
			name: 'templateName',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'order_update',
			description: 'The name of the approved template',
		},
	},
	{
		types: ['template'],
		property: {
			displayName: FIELD_LABELS.templateLanguage,
			name: 'templateLanguage',
			type: 'string',
			default: 'en_US',
			required: true,
			description: 'The language code the template was approved in, e.g. en_US or pt_BR',
		},
	},
	{
		types: ['template'],
		property: {
			displayName: 'Components',
			name: 'componentsSource',
			type: 'options',
			options: [
				{
					name: 'Body Variables',
					value: 'bodyVariables',
					description: 'Fill {{1}}, {{2}}… of the template body',
				},
				{
					name: 'JSON',
					value: 'json',
					description: 'Write the components array yourself (headers, buttons…)',
				},
			],
			default: 'bodyVariables',
		},
	},
	{
		types: ['template'],
		property: {
			displayName: FIELD_LABELS.bodyVariables,
			name: 'bodyVariables',
			type: 'string',
			typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Variable' },
			default: [],
			description:
				'Values for {{1}}, {{2}}… in order. Leave empty for a template without variables.',
			displayOptions: { show: { componentsSource: ['bodyVariables'] } },
		},
	},
	{
		types: ['template'],
		property: {
			displayName: FIELD_LABELS.componentsJson,
			name: 'componentsJson',
			type: 'json',
			default: '[]',
			description: 'The template components, as in the WhatsApp template API',
			placeholder: '[{"type":"body","parameters":[{"type":"text","text":"Ann"}]}]',
			displayOptions: { show: { componentsSource: ['json'] } },
		},
	},
];
