/** Interactive messages: body, header and footer, then reply buttons or a list. */
import { FIELD_LABELS } from '../../../message/inputError';
import type { ContentField } from './contentField';

export const interactiveFields: ContentField[] = [
	{
		types: ['interactive'],
		property: {
			displayName: 'Interactive Type',
			name: 'interactiveType',
			type: 'options',
			options: [
				{
					name: 'Reply Buttons',
					value: 'button',
					description: 'Up to 3 buttons under the message',
				},
				{ name: 'List', value: 'list', description: 'A button that opens a list of choices' },
			],
			default: 'button',
		},
	},
	{
		types: ['interactive'],
		property: {
			displayName: FIELD_LABELS.bodyText,
			name: 'bodyText',
			type: 'string',
			typeOptions: { rows: 3 },
			default: '',
			required: true,
			description: 'The message above the buttons or list',
		},
	},
	{
		types: ['interactive'],
		property: {
			displayName: 'Header Text',
			name: 'headerText',
			type: 'string',
			default: '',
			description: 'Optional bold line above the body',
		},
	},
	{
		types: ['interactive'],
		property: {
			displayName: 'Footer Text',
			name: 'footerText',
			type: 'string',
			default: '',
			description: 'Optional small print below the body',
		},
	},
	{
		types: ['interactive'],
		property: {
			displayName: FIELD_LABELS.buttons,
			name: 'buttons',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: 'Add Button',
			default: {},
			description: '1 to 3 reply buttons. The reply carries the ID of the button pressed.',
			displayOptions: { show: { interactiveType: ['button'] } },
			options: [
				{
					displayName: 'Button',
					name: 'button',
					values: [
						{ displayName: 'ID', name: 'id', type: 'string', default: '', placeholder: 'yes' },
						{
							displayName: 'Title',
							name: 'title',
							type: 'string',
							default: '',
							placeholder: 'Yes, please',
						},
					],
				},
			],
		},
	},
	{
		types: ['interactive'],
		property: {
			displayName: FIELD_LABELS.listButtonText,
			name: 'listButtonText',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'Choose a slot',
			description: 'Label of the button that opens the list',
			displayOptions: { show: { interactiveType: ['list'] } },
		},
	},
	{
		types: ['interactive'],
		property: {
			displayName: FIELD_LABELS.listRows,
			name: 'listRows',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: 'Add Row',
			default: {},
			description:
				'The choices. Rows with the same Section Title are grouped under it. The reply carries the ID of the row picked.',
			displayOptions: { show: { interactiveType: ['list'] } },
			options: [
				{
					displayName: 'Row',
					name: 'row',
					values: [
						{
							displayName: 'Section Title',
							name: 'section',
							type: 'string',
							default: '',
							placeholder: 'Morning',
						},
						{ displayName: 'ID', name: 'id', type: 'string', default: '', placeholder: 'slot_9am' },
						{
							displayName: 'Title',
							name: 'title',
							type: 'string',
							default: '',
							placeholder: '9:00',
						},
						{ displayName: 'Description', name: 'description', type: 'string', default: '' },
					],
				},
			],
		},
	},
];
