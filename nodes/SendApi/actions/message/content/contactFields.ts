/** Contact messages: a name and phone the node writes into a vCard, or a raw vCard. */
import { FIELD_LABELS } from '../../../message/inputError';
import type { ContentField } from './contentField';

export const contactFields: ContentField[] = [
	{
		types: ['contact'],
		property: {
			displayName: 'Contact Format',
			name: 'contactFormat',
			type: 'options',
			options: [
				{ name: 'Name and Phone', value: 'fields', description: 'The node writes the vCard' },
				{ name: 'Raw vCard', value: 'vcard', description: 'Paste or map a whole vCard' },
			],
			default: 'fields',
		},
	},
	{
		types: ['contact'],
		property: {
			displayName: FIELD_LABELS.contactName,
			name: 'contactName',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'Ann Example',
			displayOptions: { show: { contactFormat: ['fields'] } },
		},
	},
	{
		types: ['contact'],
		property: {
			displayName: FIELD_LABELS.contactPhone,
			name: 'contactPhone',
			type: 'string',
			default: '',
			required: true,
			placeholder: '+447700900000',
			description: 'With country code',
			displayOptions: { show: { contactFormat: ['fields'] } },
		},
	},
	{
		types: ['contact'],
		property: {
			displayName: FIELD_LABELS.vcard,
			name: 'vcard',
			type: 'string',
			typeOptions: { rows: 6 },
			default: '',
			required: true,
			placeholder: 'BEGIN:VCARD\nVERSION:3.0\nFN:Ann Example\nTEL:+447700900000\nEND:VCARD',
			displayOptions: { show: { contactFormat: ['vcard'] } },
		},
	},
];
