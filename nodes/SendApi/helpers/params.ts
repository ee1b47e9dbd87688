import type { IExecuteFunctions } from 'n8n-workflow';

import { inputError } from './validation';

/** A resource-locator value (session, group) as a plain id, refusing an empty one by name. */
export function requireLocatorId(
	context: IExecuteFunctions,
	parameter: 'session' | 'group',
	itemIndex: number,
): string {
	const value = context.getNodeParameter(parameter, itemIndex, '', {
		extractValue: true,
	}) as unknown;
	const id =
		typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	if (id === '') {
		const label = parameter === 'session' ? 'Session' : 'Group';
		throw inputError(
			context,
			itemIndex,
			label,
			'is empty',
			`Pick a ${parameter} from the list or enter its ID.`,
		);
	}
	return id;
}

export function getListOptions(context: IExecuteFunctions, itemIndex: number): { limit?: number } {
	const returnAll = context.getNodeParameter('returnAll', itemIndex, false) as boolean;
	if (returnAll) return {};
	return { limit: context.getNodeParameter('limit', itemIndex, 50) as number };
}

/** Path segment for an id the user typed: ids are opaque, so they are escaped, never trusted. */
export function pathId(id: string): string {
	return encodeURIComponent(id);
}
