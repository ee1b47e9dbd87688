import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import type { MediaInput } from './messagePayload';
import { inputError } from './validation';

/** `data:image/png;base64,…` (or bare base64) → bytes and MIME type. */
export function decodeDataUrl(value: string): { mimeType: string; buffer: Buffer } | undefined {
	const match = /^data:([\w.+-]+\/[\w.+-]+)?(;[^,]*)?,(.*)$/s.exec(value.trim());
	const mimeType = match?.[1] ?? 'image/png';
	const payload = match ? match[3] : value.trim();
	if (match && !(match[2] ?? '').includes('base64')) {
		return { mimeType, buffer: Buffer.from(decodeURIComponent(payload), 'utf8') };
	}
	if (!/^[A-Za-z0-9+/=\s_-]+$/.test(payload)) return undefined;
	const buffer = Buffer.from(payload, 'base64');
	return buffer.length > 0 ? { mimeType, buffer } : undefined;
}

/** A QR code data URL as an n8n binary image, so it can be previewed, emailed or saved. */
export async function qrCodeToBinary(
	context: IExecuteFunctions,
	qrCode: string,
	fileBaseName: string,
): Promise<IBinaryData | undefined> {
	const decoded = decodeDataUrl(qrCode);
	if (!decoded) return undefined;
	const extension = decoded.mimeType.split('/')[1]?.replace(/\+.*/, '') ?? 'png';
	return await context.helpers.prepareBinaryData(decoded.buffer, `${fileBaseName}.${extension}`, decoded.mimeType);
}

/**
 * An input item's binary field as media to send (base64, MIME type, file name). A missing field is
 * refused by name, listing the fields the item does have, since a wrong name is the usual cause.
 */
export async function readBinaryMedia(
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
