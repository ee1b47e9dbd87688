/**
 * The wait webhook's id and signing secret, sealed for the waiting execution's custom data.
 * AES-256-GCM with a key derived from the credential's API key, bound to the execution and node
 * (additional data), so what n8n shows of the execution (its custom data) cannot be read or moved
 * to another wait, and only a holder of the credential can use it.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SealedWebhook {
	webhookId: string;
	secret: string;
}

export function sealWebhook(apiKey: string, binding: string, webhook: SealedWebhook): string {
	const iv = randomBytes(IV_BYTES);
	const cipher = createCipheriv('aes-256-gcm', keyFor(apiKey), iv);
	cipher.setAAD(Buffer.from(binding));
	const plain = JSON.stringify([webhook.webhookId, webhook.secret]);
	const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
	return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
}

/** `undefined` for anything not sealed with this key for this binding. */
export function openWebhook(
	apiKey: string,
	binding: string,
	value: unknown,
): SealedWebhook | undefined {
	if (typeof value !== 'string' || !value.startsWith(`${VERSION}.`)) return undefined;
	try {
		const bytes = Buffer.from(value.slice(VERSION.length + 1), 'base64url');
		const decipher = createDecipheriv('aes-256-gcm', keyFor(apiKey), bytes.subarray(0, IV_BYTES));
		decipher.setAAD(Buffer.from(binding));
		decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
		const plain = Buffer.concat([
			decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
			decipher.final(),
		]).toString('utf8');
		const parsed: unknown = JSON.parse(plain);
		if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') {
			return undefined;
		}
		return { webhookId: parsed[0], secret: parsed[1] };
	} catch {
		return undefined;
	}
}

function keyFor(apiKey: string): Buffer {
	return createHmac('sha256', apiKey).update('n8n-nodes-sendapi/send-and-wait/webhook').digest();
}
