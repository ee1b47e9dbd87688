import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { usualExtension } from '../transport/mime';

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
	const extension =
		usualExtension(decoded.mimeType) ??
		decoded.mimeType.split('/')[1]?.replace(/\+.*/, '') ??
		'png';
	return await context.helpers.prepareBinaryData(
		decoded.buffer,
		`${fileBaseName}.${extension}`,
		decoded.mimeType,
	);
}
