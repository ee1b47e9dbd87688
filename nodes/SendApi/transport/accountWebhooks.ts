/**
 * SendApi's account-wide webhooks (`/v1/webhooks`), shared by the trigger (one webhook per n8n
 * webhook URL) and Send and Wait (one per wait). Which webhooks a caller may touch is the caller's
 * rule (trigger: ids in its static data; wait: the owner tag in the URL); these calls only talk
 * to SendApi.
 */
import type { IDataObject } from 'n8n-workflow';

import { unwrapEnvelope } from './wire/envelope';
import { isObject } from './json';
import type { SendApiContext } from './index';
import { apiRequest, apiRequestAllItems, apiRequestFull } from './index';

const WEBHOOKS_PATH = '/webhooks';

/** A webhook just created: its id and signing secret, each `''` when SendApi did not return it. */
export interface CreatedWebhook {
	id: string;
	secret: string;
}

/**
 * Registers a webhook. SendApi shows the signing secret only in this answer, and without it no
 * delivery could be verified: a webhook created without one is deleted again (it is ours), and
 * the caller sees `secret: ''` and says what that means for it.
 */
export async function createAccountWebhook(
	this: SendApiContext,
	url: string,
	events: string[],
	itemIndex?: number,
): Promise<CreatedWebhook> {
	const created = await apiRequest.call(this, 'POST', WEBHOOKS_PATH, {
		body: { url, events },
		...(itemIndex === undefined ? {} : { itemIndex }),
	});
	const id = created.id === undefined || created.id === null ? '' : String(created.id);
	const secret = typeof created.secret === 'string' ? created.secret : '';
	if (id && !secret) await deleteAccountWebhook.call(this, id);
	return { id, secret };
}

/** One webhook, or `undefined` when SendApi no longer has it (deleted in the dashboard, say). */
export async function getAccountWebhook(
	this: SendApiContext,
	id: string,
): Promise<IDataObject | undefined> {
	const response = await apiRequestFull.call(this, 'GET', webhookPath(id), {
		acceptStatuses: [404],
	});
	const remote = unwrapEnvelope(response.body);
	return response.status === 404 || !isObject(remote) ? undefined : remote;
}

export async function updateAccountWebhook(
	this: SendApiContext,
	id: string,
	update: IDataObject,
): Promise<void> {
	await apiRequest.call(this, 'PUT', webhookPath(id), { body: update });
}

/** Deletes a webhook; one already gone counts as deleted. */
export async function deleteAccountWebhook(this: SendApiContext, id: string): Promise<void> {
	await apiRequestFull.call(this, 'DELETE', webhookPath(id), { acceptStatuses: [404] });
}

/** Every webhook of the account (all pages). */
export async function listAccountWebhooks(this: SendApiContext): Promise<IDataObject[]> {
	return await apiRequestAllItems.call(this, WEBHOOKS_PATH);
}

function webhookPath(id: string): string {
	return `${WEBHOOKS_PATH}/${encodeURIComponent(id)}`;
}
