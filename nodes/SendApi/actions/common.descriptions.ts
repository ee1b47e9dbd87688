import type { INodeProperties } from 'n8n-workflow';

import { sessionLocator } from '../methods/resourceLocators';

/**
 * Session and To defaulting to the SendApi Trigger's output (`session_id`, `from`), so a trigger →
 * reply workflow needs no mapping. Without those fields they resolve empty and the usual
 * "is empty" error names the field.
 */
export function replyToSenderFields(descriptions: {
	session: string;
	to: string;
	/** The phone field's label and name, when it is not the recipient (default To, `to`). */
	toLabel?: { displayName: string; name: string };
}): INodeProperties[] {
	return [
		sessionLocator({
			default: { mode: 'id', value: '={{ $json.session_id }}' },
			description: descriptions.session,
		}),
		{
			displayName: descriptions.toLabel?.displayName ?? 'To',
			name: descriptions.toLabel?.name ?? 'to',
			type: 'string',
			default: '={{ $json.from }}',
			required: true,
			placeholder: '+447700900000',
			description: descriptions.to,
		},
	];
}

/** Return All / Limit, as every n8n list operation offers them. */
export const returnAllOrLimit: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
];
