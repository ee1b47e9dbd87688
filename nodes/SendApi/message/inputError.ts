/**
 * A message value the user must change. The message checks are pure: they name the field, and
 * the caller adds which item or row the value came from.
 */
import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { inputError } from '../helpers/validation';

/** A value the user must change. `field` is the label the user sees, `key` the input property. */
export class MessageInputError extends Error {
	constructor(
		readonly field: string,
		readonly problem: string,
		readonly fix?: string,
		readonly key?: string,
	) {
		super(`${field} ${problem}`);
		this.name = 'MessageInputError';
	}
}

/** Labels used in errors; the Send operation's fields carry the same display names. */
export const FIELD_LABELS = {
	text: 'Text',
	mediaUrl: 'Media URL',
	binaryPropertyName: 'Input Binary Field',
	fileName: 'File Name',
	latitude: 'Latitude',
	longitude: 'Longitude',
	contactName: 'Contact Name',
	contactPhone: 'Contact Phone',
	vcard: 'vCard',
	templateName: 'Template Name',
	templateLanguage: 'Language',
	componentsJson: 'Components (JSON)',
	bodyVariables: 'Body Variables',
	bodyText: 'Body Text',
	buttons: 'Buttons',
	listButtonText: 'Button Text',
	listRows: 'List Rows',
	pollQuestion: 'Poll Question',
	pollOptions: 'Poll Options',
} as const;

/**
 * A MessageInputError names only the field; this adds the item. Anything else becomes a
 * NodeOperationError for that item.
 */
export function asInputError(
	context: IExecuteFunctions,
	itemIndex: number,
	error: Error,
): NodeOperationError {
	if (error instanceof MessageInputError) {
		return inputError(context, itemIndex, error.field, error.problem, error.fix);
	}
	if (error instanceof NodeOperationError) return error;
	return new NodeOperationError(context.getNode(), error, { itemIndex });
}
