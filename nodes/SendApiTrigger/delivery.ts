/**
 * Handling one POST from SendApi: authenticate it, read it, decide whether it starts the
 * workflow. Every refusal answers the sender without running the workflow.
 */
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import type { SendApiEvent } from '../SendApi/inbound/event';
import { readEvent } from '../SendApi/inbound/event';
import { matchesAnyEvent, matchesSession } from '../SendApi/inbound/eventFilters';
import { toOutputItem } from '../SendApi/inbound/eventItem';
import { withMedia } from '../SendApi/inbound/incomingMedia';
import { readRawBody } from '../SendApi/inbound/rawBody';
import { deliveryKeys, rememberDelivery } from '../SendApi/inbound/replayMemory';
import { readSignature, signatureMatches } from '../SendApi/inbound/signature';
import { mediaSettings } from '../SendApi/inbound/mediaOptions';
import type { StoredWebhook } from './state';
import { readRegistry, saveWebhook } from './state';

/**
 * The replay memory is kept twice. In the workflow's static data it survives restarts, but a real
 * n8n 2.40 hands webhook() the static data as it was when the workflow was published (seen in the
 * end-to-end test: a repeated delivery found no memory of the first), so the same memory is also
 * kept in this process, which serves every production delivery of a single-main n8n.
 */
const recentInProcess = new Map<string, string[]>();
const MAX_REMEMBERED_URLS = 100;

/** False when this process has already seen any of `keys` for `url`; otherwise remembers them. */
function rememberInProcess(url: string, keys: string[]): boolean {
	const updated = rememberDelivery(recentInProcess.get(url) ?? [], keys);
	if (!updated) return false;
	recentInProcess.delete(url);
	recentInProcess.set(url, updated);
	if (recentInProcess.size > MAX_REMEMBERED_URLS) {
		const oldest = recentInProcess.keys().next().value;
		if (oldest !== undefined) recentInProcess.delete(oldest);
	}
	return true;
}

interface VerifiedWebhook {
	url: string;
	entry: StoredWebhook;
}

export async function receiveDelivery(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const staticData = this.getWorkflowStaticData('node');
	const rawBody = await readRawBody(this);
	const signature = readSignature(this);
	const verified = rawBody ? verifySignature(this, staticData, rawBody, signature) : undefined;
	if (!rawBody || !verified) {
		return refuse(this, 401, 'Missing or invalid X-SendAPI-Signature for this webhook');
	}

	const delivery = readEvent(rawBody);
	if (!delivery) return refuse(this, 400, 'The body is not a SendApi event (JSON with an event)');

	if (!isSelected(this, delivery)) return acknowledge('Event or session not selected here');

	// Checked and remembered without an await in between, so two copies of one event arriving
	// together cannot both pass.
	const keys = deliveryKeys(delivery, rawBody);
	const recent = rememberDelivery(verified.entry.recent ?? [], keys);
	if (!recent || !rememberInProcess(verified.url, keys)) {
		return acknowledge('Duplicate delivery: already received');
	}
	saveWebhook(staticData, verified.url, { ...verified.entry, recent });

	// After the delivery is authenticated and remembered: a slow or failed download can neither
	// let a forged delivery in nor run one event twice, and never keeps the workflow from starting.
	const item = await withMedia.call(this, delivery, toOutputItem(delivery), () =>
		mediaSettings((name, fallback) => this.getNodeParameter(name, fallback)),
	);
	return { workflowData: [[item]] };
}

/**
 * Finds the stored webhook whose secret signed this body. Only the webhook registered for the
 * URL this request arrived on counts (Test URL and production URL have different secrets).
 */
function verifySignature(
	context: IWebhookFunctions,
	staticData: IDataObject,
	rawBody: Buffer,
	signature: string | undefined,
): VerifiedWebhook | undefined {
	return candidateWebhooks(context, staticData).find(
		({ entry }) => entry.secret !== undefined && signatureMatches(rawBody, signature, entry.secret),
	);
}

function candidateWebhooks(context: IWebhookFunctions, staticData: IDataObject): VerifiedWebhook[] {
	const registry = readRegistry(staticData);
	const served = servedUrl(context);
	// n8n versions before getWebhookResourceUrl existed cannot tell which URL was hit: any
	// webhook this node created may have signed the delivery.
	if (served === undefined) return Object.entries(registry).map(([url, entry]) => ({ url, entry }));
	const entry = registry[served];
	return entry ? [{ url: served, entry }] : [];
}

/**
 * In a webhook call `getNodeWebhookUrl` always answers the production URL; the endpoint this
 * request actually came in on (`/webhook-test/…` in a test run) is `getWebhookResourceUrl`.
 */
function servedUrl(context: IWebhookFunctions): string | undefined {
	if (typeof context.getWebhookResourceUrl !== 'function') return undefined;
	return context.getWebhookResourceUrl('default');
}

function isSelected(context: IWebhookFunctions, delivery: SendApiEvent): boolean {
	const events = context.getNodeParameter('events', []) as string[] | string;
	const patterns = (Array.isArray(events) ? events : [events]).map(String);
	const session = context.getNodeParameter('session', '', { extractValue: true }) as string;
	return (
		matchesAnyEvent(patterns, delivery.event) &&
		matchesSession(String(session ?? ''), delivery.data.session_id)
	);
}

/** Answers the request here and tells n8n not to answer again or run the workflow. */
function refuse(context: IWebhookFunctions, status: number, message: string): IWebhookResponseData {
	context.getResponseObject().status(status).json({ received: false, message });
	return { noWebhookResponse: true };
}

/** 200 without a workflow run: SendApi must not retry what was deliberately skipped. */
function acknowledge(message: string): IWebhookResponseData {
	return { webhookResponse: { received: true, message } };
}
