/** Whether a delivery was signed by SendApi with a webhook's secret (`X-SendAPI-Signature`). */
import { createHmac, timingSafeEqual } from 'crypto';
import type { IWebhookFunctions } from 'n8n-workflow';

/** SendApi signs every delivery in this header (Node lower-cases incoming header names). */
export const SIGNATURE_HEADER = 'x-sendapi-signature';

const SIGNATURE_PATTERN = /^sha256=([0-9a-f]{64})$/i;

/** Reads a header that Node may hand over as a string or as a list of repeats. */
export function headerValue(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}

/** The signature header of the request being handled, as sent. */
export function readSignature(
	context: Pick<IWebhookFunctions, 'getHeaderData'>,
): string | undefined {
	return headerValue(context.getHeaderData()[SIGNATURE_HEADER]);
}

/**
 * Whether `header` is `sha256=<hex HMAC-SHA256 of rawBody keyed with secret>`. The comparison is
 * constant-time so a forger cannot learn the expected digest byte by byte from response timing.
 */
export function signatureMatches(
	rawBody: Buffer | string,
	header: string | undefined,
	secret: string,
): boolean {
	const match = SIGNATURE_PATTERN.exec((header ?? '').trim());
	if (!match || !secret) return false;
	const given = Buffer.from(match[1].toLowerCase(), 'hex');
	const expected = createHmac('sha256', secret).update(rawBody).digest();
	return given.length === expected.length && timingSafeEqual(given, expected);
}
