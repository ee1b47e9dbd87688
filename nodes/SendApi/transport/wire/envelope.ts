/**
 * Where SendApi's answers keep their payload: the `{data, meta}` envelope (present or not), list
 * pages and their `meta`, and the path prefix and page size the requests use.
 * docs/wire-format.md ("Answers the node reads") explains each choice.
 */
import type { IDataObject } from 'n8n-workflow';

import { isObject } from '../json';
import { toNumber } from './fieldValues';

/** WhatsApp endpoints live below this prefix; account-wide webhooks do not. */
export const WHATSAPP_PREFIX = '/whatsapp';

/** SendApi's documented page size ceiling; Return All asks for full pages. */
export const MAX_PAGE_SIZE = 100;

/**
 * Successful answers are usually `{data: X, meta?}` and sometimes bare (session create, send-bulk,
 * contact check). Unwrap `data` only when the object really is an envelope, so a bare resource
 * that happens to have a `data` field is not mangled.
 */
export function unwrapEnvelope(body: unknown): unknown {
	if (!isObject(body) || !('data' in body)) return body;
	const envelopeKeys = new Set(['data', 'meta', 'success', 'links', 'message']);
	const looksLikeEnvelope = Object.keys(body).every((key) => envelopeKeys.has(key));
	return looksLikeEnvelope ? body.data : body;
}

export interface PageMeta {
	total?: number;
	page?: number;
	perPage?: number;
	lastPage?: number;
}

export function readPageMeta(body: unknown): PageMeta {
	const meta = isObject(body) && isObject(body.meta) ? body.meta : {};
	return {
		total: toNumber(meta.total),
		page: toNumber(meta.page ?? meta.current_page),
		perPage: toNumber(meta.per_page),
		lastPage: toNumber(meta.last_page),
	};
}

/** List answers: `{data: [...]}` or a bare array. */
export function readListItems(body: unknown): IDataObject[] {
	const unwrapped = unwrapEnvelope(body);
	if (Array.isArray(unwrapped)) return unwrapped as IDataObject[];
	if (isObject(unwrapped) && Array.isArray(unwrapped.items))
		return unwrapped.items as IDataObject[];
	return [];
}
