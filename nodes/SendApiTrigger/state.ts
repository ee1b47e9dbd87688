/**
 * What the trigger remembers in the node's workflow static data: for each webhook URL it
 * registered (the Test URL and the production URL differ), the SendApi webhook id, the signing
 * secret (SendApi shows it only once, at creation), the subscribed events and recent deliveries.
 *
 * n8n only notices a static data change when a top-level key of the node's static data is
 * assigned (objects added later are not observed), so every write replaces `webhooks` whole.
 */
import type { IDataObject } from 'n8n-workflow';

import { isObject } from '../SendApi/transport/json';

export interface StoredWebhook {
	id: string;
	secret?: string;
	events: string[];
	/** Keys of recent deliveries (see `deliveryKeys`), oldest first, for the replay guard. */
	recent?: string[];
}

export type WebhookRegistry = Record<string, StoredWebhook>;

export function readRegistry(staticData: IDataObject): WebhookRegistry {
	const registry = staticData.webhooks;
	if (!isObject(registry)) return {};
	const entries = Object.entries(registry).filter(([, entry]) => isStoredWebhook(entry));
	return Object.fromEntries(entries) as unknown as WebhookRegistry;
}

export function storedWebhook(staticData: IDataObject, url: string): StoredWebhook | undefined {
	return readRegistry(staticData)[url];
}

/** The URL an id is stored under, when this node created that webhook. */
export function findStoredById(
	staticData: IDataObject,
	id: string,
): { url: string; entry: StoredWebhook } | undefined {
	const found = Object.entries(readRegistry(staticData)).find(([, entry]) => entry.id === id);
	return found ? { url: found[0], entry: found[1] } : undefined;
}

export function saveWebhook(staticData: IDataObject, url: string, entry: StoredWebhook): void {
	const registry = readRegistry(staticData);
	staticData.webhooks = { ...registry, [url]: { ...entry } } as unknown as IDataObject;
}

export function forgetWebhook(staticData: IDataObject, url: string): void {
	const registry = readRegistry(staticData);
	delete registry[url];
	staticData.webhooks = registry as unknown as IDataObject;
}

function isStoredWebhook(value: unknown): value is StoredWebhook {
	return isObject(value) && typeof value.id === 'string' && value.id !== '';
}
