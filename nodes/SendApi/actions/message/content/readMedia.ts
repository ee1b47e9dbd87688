/** A media message's file as the user gave it: a link, or an input item's binary field. */
import type { IExecuteFunctions } from 'n8n-workflow';

import type { ParameterReader } from '../../../helpers/fastParameters';
import { inputError } from '../../../helpers/validation';
import type { MediaInput } from '../../../message/input';
import { FIELD_LABELS } from '../../../message/inputError';

export async function readMedia(
	context: IExecuteFunctions,
	itemIndex: number,
	read: ParameterReader,
): Promise<MediaInput> {
	const source = read('mediaSource', itemIndex, 'url');
	if (source === 'url') return { source: 'url', url: read('mediaUrl', itemIndex, '') };
	const property = String(read('binaryPropertyName', itemIndex, 'data') ?? '');
	return await readBinaryMedia(context, itemIndex, property, FIELD_LABELS.binaryPropertyName);
}

/**
 * An input item's binary field as media to send (base64, MIME type, file name). A missing field is
 * refused by name, listing the fields the item does have, since a wrong name is the usual cause.
 */
async function readBinaryMedia(
	context: IExecuteFunctions,
	itemIndex: number,
	property: string,
	field: string,
): Promise<MediaInput> {
	const name = property.trim();
	const present = Object.keys(context.getInputData()[itemIndex]?.binary ?? {});
	if (name === '' || !present.includes(name)) {
		const has =
			present.length > 0 ? `It has: ${present.join(', ')}.` : 'It has no binary data at all.';
		throw inputError(
			context,
			itemIndex,
			field,
			name === '' ? 'is empty' : `"${name}" is not on the input item`,
			`${has} Enter the name of the binary field that holds the file, or switch Media Source to URL.`,
		);
	}
	const binary = context.helpers.assertBinaryData(itemIndex, name);
	const buffer = await context.helpers.getBinaryDataBuffer(itemIndex, name);
	return {
		source: 'binary',
		base64: buffer.toString('base64'),
		mimeType: binary.mimeType,
		fileName: binary.fileName,
		property: name,
	};
}
