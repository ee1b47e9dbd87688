/**
 * The SendApi webhook a WhatsApp-reply wait registers (account-wide, `/v1/webhooks`), and the
 * clean-up of ones whose wait ended without an answer. Only webhooks whose URL carries this
 * package's owner tag for this API key (ownership.ts) are ever deleted: the trigger's rule
 * that a webhook someone else made is never touched holds here too.
 */
import type { IDataObject, IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { apiRequestFull, probeWaitingUrl } from '../transport';
import { unwrapEnvelope, WHATSAPP_PREFIX } from '../transport/wire/envelope';
import type { StoredMessage } from '../transport/wire/replies';
import { readStoredMessage, WAIT_WEBHOOK_EVENTS } from '../transport/wire/replies';
import { isObject } from '../transport/json';
import type { CreatedWebhook } from '../transport/accountWebhooks';
import {
	createAccountWebhook,
	deleteAccountWebhook,
	listAccountWebhooks,
} from '../transport/accountWebhooks';
import type { WaitUrlInfo } from './ownership';
import { endedByDeadline, PROBE_GRACE_MS, readWaitUrl, verdictFromProbe } from './ownership';

/** Registers the wait's webhook; without an id and a secret nothing could be verified. */
export async function registerWaitWebhook(
	this: IExecuteFunctions,
	url: string,
): Promise<CreatedWebhook> {
	const created = await createAccountWebhook.call(this, url, WAIT_WEBHOOK_EVENTS, 0);
	if (!created.id || !created.secret) {
		throw new NodeOperationError(
			this.getNode(),
			'SendApi did not return the new webhook’s ID and signing secret',
			{
				itemIndex: 0,
				description:
					'The WhatsApp reply could not be verified without them. Try again, or choose Answer Via: Link.',
			},
		);
	}
	return created;
}

/**
 * SendApi's stored copy of one message (`GET /whatsapp/messages/{id}`), or undefined when SendApi
 * knows no such message (404; 400 and 422 for an id it refuses, which a forged delivery may carry).
 */
export async function storedMessage(
	this: IWebhookFunctions,
	id: string,
): Promise<StoredMessage | undefined> {
	const response = await apiRequestFull.call(
		this,
		'GET',
		`${WHATSAPP_PREFIX}/messages/${encodeURIComponent(id)}`,
		{
			acceptStatuses: [400, 404, 422],
		},
	);
	if (response.status >= 400) return undefined;
	const body = unwrapEnvelope(response.body);
	return isObject(body) ? readStoredMessage(body) : undefined;
}

/**
 * Removes the wait webhooks of this API key whose wait has ended: past their deadline, or (older
 * than PROBE_GRACE_MS, so the asking execution is surely waiting by now) n8n's waiting URL says
 * the execution no longer waits. Runs before every WhatsApp-reply Send and Wait with the
 * credential. Never fails the question: what cannot be removed now is tried again next time.
 * Returns the ids removed.
 */
export async function removeEndedWaits(
	this: IExecuteFunctions,
	apiKey: string,
	now: number,
): Promise<string[]> {
	let webhooks: IDataObject[];
	try {
		webhooks = await listAccountWebhooks.call(this);
	} catch {
		return [];
	}
	const removed: string[] = [];
	for (const webhook of webhooks) {
		const info = readWaitUrl(webhook.url, apiKey);
		if (!info || webhook.id === undefined || webhook.id === null) continue;
		if (!(await hasEnded.call(this, String(webhook.url), info, now))) continue;
		try {
			await deleteAccountWebhook.call(this, String(webhook.id));
			removed.push(String(webhook.id));
		} catch {
			// Kept for the next Send and Wait.
		}
	}
	return removed;
}

async function hasEnded(
	this: IExecuteFunctions,
	url: string,
	info: WaitUrlInfo,
	now: number,
): Promise<boolean> {
	if (endedByDeadline(info, now)) return true;
	if (now - info.createdAt < PROBE_GRACE_MS) return false;
	return verdictFromProbe(await probeWaitingUrl.call(this, url)) === 'ended';
}
