/**
 * Registering the trigger's webhook at SendApi (`/v1/webhooks`, account-wide). The rule that
 * shapes all three steps: this node only ever updates or deletes a webhook it created itself
 * (its id is in the node's static data); a webhook someone else made is never touched, even
 * when it points at our URL.
 */
import type { IDataObject, IHookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { sameEvents } from '../SendApi/inbound/eventFilters';
import {
	createAccountWebhook,
	deleteAccountWebhook,
	getAccountWebhook,
	listAccountWebhooks,
	updateAccountWebhook,
} from '../SendApi/transport/accountWebhooks';
import type { StoredWebhook } from './state';
import { findStoredById, forgetWebhook, saveWebhook, storedWebhook } from './state';

/**
 * n8n calls this before `create`. True means "a webhook that delivers to this node exists";
 * false makes n8n call `create`.
 */
export async function webhookExists(this: IHookFunctions): Promise<boolean> {
	const url = webhookUrl(this);
	const staticData = this.getWorkflowStaticData('node');
	const entry = storedWebhook(staticData, url);
	if (entry) return await confirmStoredWebhook.call(this, url, entry);
	return await adoptOwnWebhook.call(this, url);
}

/** Our stored webhook still there and still pointing here? Bring its events up to date. */
async function confirmStoredWebhook(
	this: IHookFunctions,
	url: string,
	entry: StoredWebhook,
): Promise<boolean> {
	const staticData = this.getWorkflowStaticData('node');
	const remote = await getAccountWebhook.call(this, entry.id);
	// Gone (deleted in the dashboard), or repointed elsewhere: it no longer serves this node.
	if (!remote || remote.url !== url) {
		forgetWebhook(staticData, url);
		return false;
	}

	const events = selectedEvents(this);
	const update = pendingUpdate(remote, events);
	if (update) {
		await updateAccountWebhook.call(this, entry.id, update);
		saveWebhook(staticData, url, { ...entry, events });
	}
	return true;
}

/** What to PUT so our webhook matches the node again; `undefined` when nothing differs. */
function pendingUpdate(remote: IDataObject, events: string[]): IDataObject | undefined {
	const update: IDataObject = {};
	const remoteEvents = Array.isArray(remote.events) ? remote.events.map(String) : [];
	if (!sameEvents(remoteEvents, events)) update.events = events;
	// SendApi may switch a webhook off after failed deliveries; activating the workflow means
	// the user wants deliveries again, and this webhook is ours to switch back on.
	if (remote.is_active === false) update.is_active = true;
	return Object.keys(update).length > 0 ? update : undefined;
}

/**
 * Nothing stored for this URL. A webhook at SendApi that already points here can be reused
 * only if this node created it and still holds its secret (SendApi shows a secret once, at
 * creation): without the secret, deliveries could not be verified. Otherwise leave it alone
 * and let n8n create our own.
 */
async function adoptOwnWebhook(this: IHookFunctions, url: string): Promise<boolean> {
	const staticData = this.getWorkflowStaticData('node');
	const webhooks = await listAccountWebhooks.call(this);
	for (const remote of webhooks.filter((webhook) => webhook.url === url)) {
		const own = findStoredById(staticData, String(remote.id));
		if (own?.entry.secret) {
			forgetWebhook(staticData, own.url);
			saveWebhook(staticData, url, own.entry);
			return await confirmStoredWebhook.call(this, url, own.entry);
		}
	}
	return false;
}

/** Registers a new webhook and keeps its id and secret for this URL. */
export async function createWebhook(this: IHookFunctions): Promise<boolean> {
	const url = webhookUrl(this);
	const events = selectedEvents(this);
	const { id, secret } = await createAccountWebhook.call(this, url, events);
	if (!id) {
		throw new NodeOperationError(
			this.getNode(),
			'SendApi did not return an ID for the new webhook',
			{
				description:
					'The webhook may exist without n8n knowing it. Check Webhooks in the SendApi dashboard.',
			},
		);
	}
	if (!secret) {
		// createAccountWebhook has removed it again: without the secret nothing could be verified.
		throw new NodeOperationError(
			this.getNode(),
			"SendApi did not return the new webhook's signing secret",
			{
				description:
					'The trigger needs the secret to verify deliveries, and SendApi shows it only when the webhook is created. Try activating again.',
			},
		);
	}
	saveWebhook(this.getWorkflowStaticData('node'), url, { id, secret, events });
	return true;
}

/** Removes the webhook this node created for this URL; one already gone counts as removed. */
export async function deleteWebhook(this: IHookFunctions): Promise<boolean> {
	const url = webhookUrl(this);
	const staticData = this.getWorkflowStaticData('node');
	const entry = storedWebhook(staticData, url);
	if (!entry) return true;
	await deleteAccountWebhook.call(this, entry.id);
	forgetWebhook(staticData, url);
	return true;
}

/** The events chosen in the node, as SendApi takes them (`*` and `message.*` included). */
export function selectedEvents(context: IHookFunctions): string[] {
	const value = context.getNodeParameter('events', []) as string[] | string;
	const events = [...new Set((Array.isArray(value) ? value : [value]).map(String).filter(Boolean))];
	if (events.length === 0) {
		throw new NodeOperationError(context.getNode(), 'Choose at least one event to listen to', {
			description: 'Pick the SendApi events that should start this workflow in the Events field.',
		});
	}
	return events;
}

/** Test and production URLs differ; HookContext returns the one being registered. */
function webhookUrl(context: IHookFunctions): string {
	const url = context.getNodeWebhookUrl('default');
	if (!url) {
		throw new NodeOperationError(context.getNode(), 'n8n has no webhook URL for this trigger');
	}
	return url;
}
