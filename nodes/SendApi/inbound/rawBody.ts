/**
 * The exact bytes SendApi sent. A delivery's signature covers them, so it is checked against the
 * raw body n8n keeps on the request (a Buffer), never against re-serialised JSON.
 */
import type { IWebhookFunctions } from 'n8n-workflow';

export async function readRawBody(
	context: Pick<IWebhookFunctions, 'getRequestObject'>,
): Promise<Buffer | undefined> {
	const request = context.getRequestObject();
	if (!request.rawBody && typeof request.readRawBody === 'function') await request.readRawBody();
	const raw: unknown = request.rawBody;
	if (Buffer.isBuffer(raw)) return raw;
	return typeof raw === 'string' ? Buffer.from(raw) : undefined;
}
