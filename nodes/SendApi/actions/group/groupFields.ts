import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { inputError } from '../../helpers/validation';

/** WhatsApp's limits on a group's subject and description. */
export const GROUP_NAME_MAX = 25;
export const GROUP_DESCRIPTION_MAX = 512;

export function participantsField(field: {
	displayName: string;
	name: string;
	required?: boolean;
}): INodeProperties {
	return {
		...field,
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		placeholder: '+447700900000, +447700900001',
		description:
			'Phone numbers with country code, separated by commas or new lines, or an expression that returns a list',
	};
}

/** A description may be empty (no description), but not longer than WhatsApp keeps. */
export function optionalDescription(
	context: IExecuteFunctions,
	itemIndex: number,
	value: unknown,
): string {
	const text =
		typeof value === 'string'
			? value.trim()
			: value === undefined || value === null
				? ''
				: String(value);
	if (text.length > GROUP_DESCRIPTION_MAX) {
		throw inputError(
			context,
			itemIndex,
			'Description',
			`is ${text.length} characters long; at most ${GROUP_DESCRIPTION_MAX} are allowed`,
		);
	}
	return text;
}
