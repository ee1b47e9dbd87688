/** Location messages: the pin and its optional label and address. */
import { FIELD_LABELS } from '../../../message/inputError';
import type { ContentField } from './contentField';

export const locationFields: ContentField[] = [
	{
		types: ['location'],
		property: {
			displayName: FIELD_LABELS.latitude,
			name: 'latitude',
			type: 'number',
			typeOptions: { minValue: -90, maxValue: 90, numberPrecision: 6 },
			default: 0,
			required: true,
			description: 'Decimal degrees, -90 (south) to 90 (north)',
		},
	},
	{
		types: ['location'],
		property: {
			displayName: FIELD_LABELS.longitude,
			name: 'longitude',
			type: 'number',
			typeOptions: { minValue: -180, maxValue: 180, numberPrecision: 6 },
			default: 0,
			required: true,
			description: 'Decimal degrees, -180 (west) to 180 (east)',
		},
	},
	{
		types: ['location'],
		property: {
			displayName: 'Label',
			name: 'label',
			type: 'string',
			default: '',
			placeholder: 'Head office',
			description: 'Name of the place, shown above the address',
		},
	},
	{
		types: ['location'],
		property: {
			displayName: 'Address',
			name: 'address',
			type: 'string',
			default: '',
			placeholder: '1 Example Street, London',
		},
	},
];
