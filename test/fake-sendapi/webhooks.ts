/** Signed webhook deliveries, the way SendApi sends them. */
import { createHmac, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';

export const SIGNATURE_HEADER = 'X-SendAPI-Signature';

export type EventEnvelope = 'event' | 'legacy';

/** `{event, timestamp, data}` (current docs) or `{id:'evt_…', type, data, created_at}` (older page). */
export type WebhookEvent =
	| { event: string; timestamp: string; data: Record<string, unknown> }
	| { id: string; type: string; data: Record<string, unknown>; created_at: string };

export function buildEvent(
	event: string,
	data: Record<string, unknown>,
	envelope: EventEnvelope = 'event',
	now: () => number = Date.now,
): WebhookEvent {
	const ts = new Date(now()).toISOString();
	if (envelope === 'legacy')
		return { id: `evt_${randomBytes(12).toString('hex')}`, type: event, data, created_at: ts };
	return { event, timestamp: ts, data };
}

/** `sha256=<hex HMAC-SHA256 of the raw body keyed with the secret>`. */
export function signBody(rawBody: string | Buffer, secret: string): string {
	return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** Does a subscription pattern (`message.received`, `message.*`, `*`) cover `event`? */
export function eventMatches(pattern: string, event: string): boolean {
	if (pattern === '*' || pattern === event) return true;
	if (pattern.endsWith('.*')) return event.startsWith(pattern.slice(0, -1));
	return false;
}

export interface DeliverOptions {
	/** Webhook secret; without it no signature is sent unless `signature: 'forged'`. */
	secret?: string;
	/** 'valid' (default when a secret is given), 'forged' (wrong HMAC), 'missing' (no header). */
	signature?: 'valid' | 'forged' | 'missing';
	/** Send exactly this body (e.g. malformed JSON); it is what gets signed. */
	rawBody?: string;
	/** When given, `payload` is taken as the event's `data` and wrapped with buildEvent(). */
	envelope?: EventEnvelope;
	/** Event name used with `envelope` (default 'message.received'). */
	event?: string;
	headers?: Record<string, string>;
	timeoutMs?: number;
}

export interface DeliveryResult {
	status: number;
	body: string;
	/** The exact raw body that was sent. */
	sentBody: string;
}

/** POST a raw body; `track` lets the owner abort in-flight deliveries on close. */
export function postRaw(
	url: string,
	rawBody: string,
	headers: Record<string, string>,
	timeoutMs = 5000,
	track?: Set<http.ClientRequest>,
): Promise<{ status: number; body: string }> {
	return new Promise((resolve, reject) => {
		const u = new URL(url);
		const mod = u.protocol === 'https:' ? https : http;
		const req = mod.request(
			u,
			{
				method: 'POST',
				agent: false,
				timeout: timeoutMs,
				headers: {
					'Content-Type': 'application/json',
					'Content-Length': String(Buffer.byteLength(rawBody)),
					'User-Agent': 'SendAPI-Webhooks/1.0 (fake)',
					...headers,
				},
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () => {
					track?.delete(req);
					resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
				});
				res.on('error', (e) => {
					track?.delete(req);
					reject(e);
				});
			},
		);
		track?.add(req);
		req.on('timeout', () =>
			req.destroy(new Error(`webhook delivery to ${url} timed out after ${timeoutMs} ms`)),
		);
		req.on('error', (e) => {
			track?.delete(req);
			reject(e);
		});
		req.end(rawBody);
	});
}

export async function deliverWebhook(
	url: string,
	payload: object,
	opts: DeliverOptions = {},
	track?: Set<http.ClientRequest>,
	now: () => number = Date.now,
): Promise<DeliveryResult> {
	const body =
		opts.rawBody ??
		JSON.stringify(
			opts.envelope
				? buildEvent(
						opts.event ?? 'message.received',
						payload as Record<string, unknown>,
						opts.envelope,
						now,
					)
				: payload,
		);
	const mode = opts.signature ?? (opts.secret ? 'valid' : 'missing');
	const headers: Record<string, string> = {};
	if (mode === 'valid') {
		if (!opts.secret) throw new Error("deliverWebhook: signature 'valid' needs a secret");
		headers[SIGNATURE_HEADER] = signBody(body, opts.secret);
	} else if (mode === 'forged') {
		headers[SIGNATURE_HEADER] = signBody(body, `${opts.secret ?? 'whsec_'}forged`);
	}
	const r = await postRaw(url, body, { ...headers, ...opts.headers }, opts.timeoutMs, track);
	return { ...r, sentBody: body };
}
