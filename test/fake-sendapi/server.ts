/**
 * Fake SendApi HTTP server (plain node:http): routing, envelopes, auth, limits, idempotency,
 * faults and the request log. See docs/wire-format.md for what it answers where SendApi is silent.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { z } from 'zod';

import { type ArmedFault, type FaultKind, FaultQueue } from './faults';
import { type FakeLimits, Limiter, type LimitRefusal, type WindowEntry } from './limits';
import {
	type IncomingMediaOptions,
	type MediaDownloadLog,
	type MediaFile,
	MediaStore,
} from './media';
import { qrDataUrl } from './png';
import * as S from './schemas';
import {
	type Contact,
	type FakeId,
	FakeState,
	type Group,
	type IdempotencyRecord,
	type Message,
	type Session,
	type WebhookRecord,
} from './state';
import {
	buildEvent,
	type DeliverOptions,
	type DeliveryResult,
	deliverWebhook,
	type EventEnvelope,
	eventMatches,
	type WebhookEvent,
} from './webhooks';

export interface FakeSendApiOptions {
	/** Accepted Bearer keys; default ['sk_test_fake']. */
	apiKeys?: string[];
	/** Default: no limits (Infinity) so unit tests are fast. */
	limits?: Partial<FakeLimits>;
	/** Sessions created via POST /sessions become 'connected' immediately (default false: 'pending'). */
	autoConnectSessions?: boolean;
	/** Default 0 (OS picks); host is always 127.0.0.1. */
	port?: number;
	/** Deliver `message.sent` to matching webhooks for every sent message (default false). */
	emitEvents?: boolean;
	/** Clock in ms since the epoch (default Date.now): inject it to test limits without waiting. */
	now?: () => number;
	/** Timeout of each webhook delivery the server makes (default 5000 ms). */
	webhookTimeoutMs?: number;
	/**
	 * Issue integer ids, as SendApi's client-code dialect does: sessions, messages, groups, batches,
	 * webhooks and seeded contacts are numbered 1, 2, … per kind, and error bodies carry an integer
	 * `meta.request_id` (default false: `sess_…`, `msg_…`, `req_…` strings, as the docs show).
	 */
	integerIds?: boolean;
	/**
	 * Keep refusals (4xx, 429 included) under their Idempotency-Key, as a stricter SendApi might
	 * (undocumented): see `FakeSendApi.idempotencyKeepsRefusals`. Default false.
	 */
	idempotencyKeepsRefusals?: boolean;
}

export interface LoggedRequest {
	method: string;
	/** Path without the query string, as received (still percent-encoded). */
	path: string;
	query: Record<string, string | string[]>;
	/** Lower-cased header names. */
	headers: Record<string, string | string[] | undefined>;
	/** Parsed JSON, the raw string when it is not JSON, undefined when empty. */
	body: unknown;
	/** Status answered; 0 when the connection was dropped. */
	status: number;
	/** now() when the request arrived. */
	at: number;
	/**
	 * now() when the limits were applied to it (after its body was read): the instant it counts at
	 * in the fake's windows, and so the one an accepted-timeline check must read.
	 */
	countedAt?: number;
	requestId: string;
	/** Fault that fired for it, if any. */
	fault?: FaultKind;
	/** Answered from the idempotency store. */
	replayed?: boolean;
}

export interface WebhookDeliveryLog {
	url: string;
	event: string;
	webhookId?: string;
	/** 0 when the delivery failed without an HTTP answer. */
	status: number;
	/** The body the receiver answered with (what SendApi gets back), as text. */
	response?: string;
	error?: string;
	body: WebhookEvent;
	at: number;
}

export interface SeedSessionParams {
	name?: string;
	status?: string;
	phone_number?: string | null;
	id?: string | number;
	webhook_url?: string | null;
}

export interface SeedMessagesOptions {
	direction?: 'in' | 'out';
	status?: S.MessageStatus;
	type?: S.MessageType;
	/** created_at of the first message (default now() - n seconds). */
	startAt?: number | string | Date;
	/** Gap between consecutive messages (default 1000 ms). */
	stepMs?: number;
	/** Counterpart phone (default +447700900001…). */
	counterpart?: string;
}

export interface SimulateIncomingParams {
	session_id: string | number;
	from: string;
	/** The text, or a media message's caption; for a button reply, the button's title when not given. One of `text`, `media` and `button` is needed. */
	text?: string;
	/** A media message (see test/fake-sendapi/media.ts): the file it links to is served. */
	media?: IncomingMediaOptions;
	/**
	 * A tap on a reply button of an interactive message. SendApi does not document how it delivers
	 * one; the fake sends Meta's Cloud API shape (docs/wire-format.md): `type: "interactive"`,
	 * `interactive: {type: "button_reply", button_reply: {id, title}}`, the title as `content.body`.
	 */
	button?: { id: string; title: string };
}

/** What an incoming media message's event `data` is built from. */
export interface IncomingMediaParams extends IncomingMediaOptions {
	session_id: string | number;
	from: string;
	message_id?: string;
}

export interface PublicMediaRequest {
	path: string;
	/** Lower-cased header names. */
	headers: Record<string, string | string[] | undefined>;
	status: number;
}

export interface FakeSendApi {
	/** http://127.0.0.1:PORT */
	readonly url: string;
	/** url + '/v1' (what the credential's baseUrl is set to). */
	readonly baseUrl: string;
	/** The second server, another origin, that serves `public` media files without a key. */
	readonly publicUrl: string;
	/** The files incoming media messages link to. */
	readonly media: MediaStore;
	/** Every request the public media server answered. */
	readonly publicMediaRequests: PublicMediaRequest[];
	/** The `data` of a `message.received` for a media message; stores the file it links to. */
	incomingMediaData(p: IncomingMediaParams): Record<string, unknown>;
	/** First accepted key. */
	readonly apiKey: string;
	readonly state: FakeState;
	/** Every /v1 request (not the /__sandbox ones), in arrival order. */
	readonly requests: LoggedRequest[];
	/** Requests answered 429 by the limiter (not by faults). */
	readonly refused429: number;
	/** Requests answered 402 quota_exceeded by the limiter (a plan's or a session's daily quota). */
	readonly refused402: number;
	readonly faults: FaultQueue;
	/** Every delivery the server made itself (emitted events, simulated incoming messages). */
	readonly webhookDeliveries: WebhookDeliveryLog[];
	readonly limits: FakeLimits;
	seedSession(p?: SeedSessionParams): Session;
	seedContacts(sessionId: string | number, n: number): Contact[];
	seedMessages(sessionId: string | number, n: number, opts?: SeedMessagesOptions): Message[];
	seedGroups(sessionId: string | number, n: number): Group[];
	seedWebhook(p: {
		url: string;
		events?: string[];
		secret?: string;
		is_active?: boolean;
	}): WebhookRecord;
	setLimits(l: Partial<FakeLimits>): void;
	/** Another client of the key made `count` requests just now: they count in its request window. */
	useRequests(count: number, apiKey?: string): void;
	/**
	 * Another sender on the same WhatsApp number (say, someone on the phone) sent `count` messages
	 * just now: they count in the session's anti-ban windows only, and are not stored. False when
	 * the windows had no room (nothing counted).
	 */
	useSessionMessages(sessionId: string | number, count: number): boolean;
	/**
	 * Keep refusals (4xx, 429 included) under their Idempotency-Key and replay them, as a stricter
	 * SendApi might (undocumented): a repeated key gets the stored answer with
	 * `Idempotent-Replayed: true` and without Retry-After, even after the cause is gone. Default
	 * false (the option's value): only successes are kept. reset() restores the option's value.
	 */
	idempotencyKeepsRefusals: boolean;
	deliverWebhook(url: string, payload: object, opts?: DeliverOptions): Promise<DeliveryResult>;
	buildEvent(event: string, data: Record<string, unknown>, envelope?: EventEnvelope): WebhookEvent;
	/** Stores an 'in' message and delivers message.received to every matching webhook (+ the session's webhook_url). */
	simulateIncomingMessage(
		p: SimulateIncomingParams,
	): Promise<{ message: Message; deliveries: WebhookDeliveryLog[] }>;
	reset(): void;
	close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------

interface Reply {
	status: number;
	body?: unknown;
	/** Raw body (used by the malformedJson fault). */
	raw?: string;
	/** A file's bytes (media downloads); `chunked` leaves out Content-Length. */
	bytes?: Buffer;
	chunked?: boolean;
	/** Write the first bytes only and hold the connection (a stuck download). */
	stall?: boolean;
	/** The download's log entry: how the connection ended. */
	download?: MediaDownloadLog;
	headers?: Record<string, string>;
}

class HttpError extends Error {
	constructor(readonly reply: Reply) {
		super(`HTTP ${reply.status}`);
	}
}

interface Ctx {
	method: string;
	path: string;
	query: Record<string, string | string[]>;
	body: unknown;
	params: string[];
	apiKey: string;
	requestId: string;
	now: number;
	/** Un-count this request from the requests window (it was refused by a message limit). */
	undoRequest(): void;
}

type Handler = (c: Ctx) => Reply;

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const MAX_BODY_BYTES = 25 * 1024 * 1024;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function canonical(v: unknown): string {
	if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
	if (v && typeof v === 'object') {
		const o = v as Record<string, unknown>;
		return `{${Object.keys(o)
			.sort()
			.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
			.join(',')}}`;
	}
	return JSON.stringify(v) ?? 'undefined';
}

/**
 * FAKE_SENDAPI_KEEP_REFUSALS=1 (or true): the `idempotencyKeepsRefusals` option from the
 * environment, for the processes that start the fake themselves (the CLI, the bench's server).
 */
export function keepRefusalsFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
	return env.FAKE_SENDAPI_KEEP_REFUSALS === '1' || env.FAKE_SENDAPI_KEEP_REFUSALS === 'true';
}

interface IdempotencyOf {
	key: string;
	/** The key as stored: per API key. */
	storeKey: string;
	/** What a repeat must match (method, path, body) to be answered from the store. */
	fingerprint: string;
}

/** A POST's Idempotency-Key, when it carries one. */
function idempotencyOf(
	req: http.IncomingMessage,
	method: string,
	path: string,
	apiKey: string,
	body: unknown,
): IdempotencyOf | undefined {
	const key = req.headers['idempotency-key'];
	if (method !== 'POST' || typeof key !== 'string' || key.length === 0) return undefined;
	return {
		key,
		storeKey: `${apiKey}\n${key}`,
		fingerprint: `${method} ${path} ${canonical(body)}`,
	};
}

function paginate<T>(
	items: T[],
	page = 1,
	perPage = 25,
): { data: T[]; meta: { total: number; page: number; per_page: number; last_page: number } } {
	const total = items.length;
	const start = (page - 1) * perPage;
	return {
		data: items.slice(start, start + perPage),
		meta: { total, page, per_page: perPage, last_page: Math.max(1, Math.ceil(total / perPage)) },
	};
}

export class FakeSendApiServer implements FakeSendApi {
	readonly state = new FakeState();
	readonly requests: LoggedRequest[] = [];
	readonly faults = new FaultQueue();
	readonly webhookDeliveries: WebhookDeliveryLog[] = [];
	readonly apiKey: string;
	url = '';
	baseUrl = '';
	publicUrl = '';
	readonly media = new MediaStore();
	readonly publicMediaRequests: PublicMediaRequest[] = [];
	private readonly publicServer = http.createServer((req, res) => this.servePublicMedia(req, res));

	private readonly apiKeys: Set<string>;
	private readonly limiter: Limiter;
	private readonly now: () => number;
	private readonly server: http.Server;
	private readonly sockets = new Set<Socket>();
	private readonly timers = new Set<NodeJS.Timeout>();
	private readonly outgoing = new Set<http.ClientRequest>();
	private readonly routes: Array<[string, RegExp, Handler]>;
	private _refused429 = 0;
	private _refused402 = 0;

	idempotencyKeepsRefusals: boolean;
	private seq = 0;
	/** Last integer id issued per kind (`integerIds`). */
	private readonly idCounters = new Map<string, number>();
	private closed = false;

	constructor(private readonly opts: FakeSendApiOptions = {}) {
		const keys = opts.apiKeys && opts.apiKeys.length ? opts.apiKeys : ['sk_test_fake'];
		this.apiKeys = new Set(keys);
		this.apiKey = keys[0];
		this.limiter = new Limiter(opts.limits);
		this.now = opts.now ?? Date.now;
		this.idempotencyKeepsRefusals = opts.idempotencyKeepsRefusals === true;
		this.server = http.createServer((req, res) => {
			this.handle(req, res).catch((err) => {
				// Last resort: never leave a request hanging.
				if (!res.headersSent && !res.destroyed) {
					res.writeHead(500, { 'Content-Type': 'application/json' });
					res.end(
						JSON.stringify({
							success: false,
							error: { type: 'api_error', message: String(err), code: 5000 },
						}),
					);
				}
			});
		});
		this.server.on('connection', (s: Socket) => {
			this.sockets.add(s);
			s.on('close', () => this.sockets.delete(s));
		});
		const W = '/v1/whatsapp';
		const id = '([^/]+)';
		this.routes = [
			['POST', new RegExp(`^${W}/sessions$`), (c) => this.createSession(c)],
			['GET', new RegExp(`^${W}/sessions$`), (c) => this.listSessions(c)],
			['GET', new RegExp(`^${W}/sessions/${id}$`), (c) => this.getSession(c)],
			['DELETE', new RegExp(`^${W}/sessions/${id}$`), (c) => this.deleteSession(c)],
			['GET', new RegExp(`^${W}/sessions/${id}/qr$`), (c) => this.getQr(c)],
			['POST', new RegExp(`^${W}/send$`), (c) => this.send(c)],
			['POST', new RegExp(`^${W}/send-bulk$`), (c) => this.sendBulk(c)],
			['GET', new RegExp(`^${W}/messages$`), (c) => this.listMessages(c)],
			['GET', new RegExp(`^${W}/messages/${id}$`), (c) => this.getMessage(c)],
			['POST', new RegExp(`^${W}/groups$`), (c) => this.createGroup(c)],
			['GET', new RegExp(`^${W}/groups$`), (c) => this.listGroups(c)],
			['PUT', new RegExp(`^${W}/groups/${id}$`), (c) => this.updateGroup(c)],
			['GET', new RegExp(`^${W}/contacts$`), (c) => this.listContacts(c)],
			['GET', new RegExp(`^${W}/contacts/${id}/check$`), (c) => this.checkContact(c)],
			['POST', /^\/v1\/webhooks$/, (c) => this.createWebhook(c)],
			['GET', /^\/v1\/webhooks$/, (c) => this.listWebhooks(c)],
			['GET', /^\/v1\/webhooks\/([^/]+)$/, (c) => this.getWebhook(c)],
			['PUT', /^\/v1\/webhooks\/([^/]+)$/, (c) => this.updateWebhook(c)],
			['DELETE', /^\/v1\/webhooks\/([^/]+)$/, (c) => this.deleteWebhook(c)],
			['GET', new RegExp(`^${W}/media/${id}$`), (c) => this.getMedia(c)],
		];
	}

	get refused429(): number {
		return this._refused429;
	}

	get refused402(): number {
		return this._refused402;
	}

	get limits(): FakeLimits {
		return { ...this.limiter.limits };
	}

	async listen(): Promise<void> {
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(this.opts.port ?? 0, '127.0.0.1', () => {
				this.server.off('error', reject);
				resolve();
			});
		});
		const { port } = this.server.address() as AddressInfo;
		this.url = `http://127.0.0.1:${port}`;
		this.baseUrl = `${this.url}/v1`;
		await new Promise<void>((resolve) => this.publicServer.listen(0, '127.0.0.1', resolve));
		this.publicUrl = `http://127.0.0.1:${(this.publicServer.address() as AddressInfo).port}`;
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		for (const t of this.timers) clearTimeout(t);
		this.timers.clear();
		for (const r of this.outgoing) r.destroy();
		this.outgoing.clear();
		await new Promise<void>((resolve) => {
			this.server.close(() => resolve());
			this.server.closeAllConnections();
			for (const s of this.sockets) s.destroy();
		});
		await new Promise<void>((resolve) => {
			if (!this.publicServer.listening) return resolve();
			this.publicServer.close(() => resolve());
			this.publicServer.closeAllConnections();
		});
	}

	reset(): void {
		this.state.clear();
		this.requests.length = 0;
		this.webhookDeliveries.length = 0;
		this.faults.reset();
		this.limiter.reset(this.opts.limits);
		this._refused429 = 0;
		this._refused402 = 0;
		this.idempotencyKeepsRefusals = this.opts.idempotencyKeepsRefusals === true;
		this.idCounters.clear();
		this.media.clear();
		this.publicMediaRequests.length = 0;
	}

	setLimits(l: Partial<FakeLimits>): void {
		this.limiter.set(l);
	}

	useSessionMessages(sessionId: string | number, count: number): boolean {
		return this.limiter.hitSessionMessages(String(sessionId), count, this.now());
	}

	useRequests(count: number, apiKey: string = this.apiKey): void {
		const now = this.now();
		for (let i = 0; i < count; i++) this.limiter.hitRequest(apiKey, now);
	}

	// ---------------------------------------------------------------------------------------------
	// Seeding

	private iso(t = this.now()): string {
		return new Date(t).toISOString();
	}

	private nextPhone(): string {
		this.seq += 1;
		return `+4477009${String(10000 + (this.seq % 90000)).padStart(5, '0')}`;
	}

	/** A new id of one kind: `<prefix>_<hex>` as SendApi documents, or with `integerIds` the kind's next integer. */
	private newId(prefix: string): FakeId {
		if (!this.opts.integerIds) return `${prefix}_${hex(12)}`;
		const next = (this.idCounters.get(prefix) ?? 0) + 1;
		this.idCounters.set(prefix, next);
		return next;
	}

	/** Integer session ids may also be seeded by hand: skip those already taken. */
	private newSessionId(): FakeId {
		let id = this.newId('sess');
		while (this.state.getSession(id)) id = this.newId('sess');
		return id;
	}

	seedSession(p: SeedSessionParams = {}): Session {
		const id = p.id ?? this.newSessionId();
		if (this.state.getSession(id))
			throw new Error(`seedSession: session ${String(id)} already exists`);
		const status = p.status ?? 'connected';
		const s: Session = {
			id,
			name: p.name ?? `Session ${this.state.sessions.size + 1}`,
			status,
			phone_number:
				p.phone_number !== undefined
					? p.phone_number
					: status === 'connected'
						? this.nextPhone()
						: null,
			last_seen_at: status === 'connected' ? this.iso() : null,
			message_count: 0,
			webhook_url: p.webhook_url ?? null,
			created_at: this.iso(),
			qr_expires_at: this.iso(this.now() + 120_000),
		};
		this.state.sessions.set(String(id), s);
		return s;
	}

	private requireSeedSession(sessionId: string | number, who: string): Session {
		const s = this.state.getSession(sessionId);
		if (!s) throw new Error(`${who}: unknown session ${String(sessionId)}`);
		return s;
	}

	seedContacts(sessionId: string | number, n: number): Contact[] {
		const s = this.requireSeedSession(sessionId, 'seedContacts');
		const list = this.state.contacts.get(String(s.id)) ?? [];
		const added: Contact[] = [];
		for (let i = 0; i < n; i++) {
			const idx = list.length + 1;
			const phone = `+44770090${String(idx).padStart(4, '0')}`;
			const c: Contact = { ...this.whatsappInfo(phone), name: `Contact ${idx}` };
			if (this.opts.integerIds) c.id = this.newId('contact') as number;
			list.push(c);
			added.push(c);
		}
		this.state.contacts.set(String(s.id), list);
		return added;
	}

	seedMessages(sessionId: string | number, n: number, o: SeedMessagesOptions = {}): Message[] {
		const s = this.requireSeedSession(sessionId, 'seedMessages');
		const step = o.stepMs ?? 1000;
		const start = o.startAt !== undefined ? new Date(o.startAt).getTime() : this.now() - n * step;
		const out: Message[] = [];
		for (let i = 0; i < n; i++) {
			const direction = o.direction ?? 'out';
			const id = this.newId('msg');
			const other = o.counterpart ?? `+44770090${String((i % 9999) + 1).padStart(4, '0')}`;
			const m: Message = {
				id,
				message_id: id,
				session_id: s.id,
				direction,
				...(direction === 'out' ? { to: other } : { from: other }),
				type: o.type ?? 'text',
				content: { body: `Seeded message ${i + 1}` },
				status: o.status ?? (direction === 'out' ? 'delivered' : 'read'),
				created_at: this.iso(start + i * step),
				dialect: 'seed',
			};
			out.push(this.state.addMessage(m));
		}
		return out;
	}

	seedGroups(sessionId: string | number, n: number): Group[] {
		const s = this.requireSeedSession(sessionId, 'seedGroups');
		const out: Group[] = [];
		for (let i = 0; i < n; i++) {
			const g = this.newGroup(s, `Group ${this.state.groups.size + 1}`, [this.nextPhone()], null);
			out.push(g);
		}
		return out;
	}

	seedWebhook(p: {
		url: string;
		events?: string[];
		secret?: string;
		is_active?: boolean;
	}): WebhookRecord {
		const t = this.iso();
		const w: WebhookRecord = {
			id: this.newId('wh'),
			url: p.url,
			events: p.events ?? ['*'],
			secret: p.secret ?? `whsec_${hex(24)}`,
			is_active: p.is_active ?? true,
			failure_count: 0,
			created_at: t,
			updated_at: t,
		};
		this.state.webhooks.set(String(w.id), w);
		return w;
	}

	// ---------------------------------------------------------------------------------------------
	// Webhook deliveries

	deliverWebhook(url: string, payload: object, opts?: DeliverOptions): Promise<DeliveryResult> {
		return deliverWebhook(url, payload, opts, this.outgoing, this.now);
	}

	buildEvent(
		event: string,
		data: Record<string, unknown>,
		envelope: EventEnvelope = 'event',
	): WebhookEvent {
		return buildEvent(event, data, envelope, this.now);
	}

	/** Delivers `event` to every active matching webhook (signed) and to the session's webhook_url (unsigned). */
	private async emit(
		event: string,
		data: Record<string, unknown>,
		session?: Session,
	): Promise<WebhookDeliveryLog[]> {
		const targets: Array<{ url: string; secret?: string; hook?: WebhookRecord }> = [];
		for (const w of this.state.webhooks.values()) {
			if (w.is_active && w.events.some((p) => eventMatches(p, event)))
				targets.push({ url: w.url, secret: w.secret, hook: w });
		}
		if (session?.webhook_url) targets.push({ url: session.webhook_url });
		return Promise.all(
			targets.map(async (t) => {
				const body = this.buildEvent(event, data);
				const webhookId = t.hook ? String(t.hook.id) : undefined;
				const log: WebhookDeliveryLog = {
					url: t.url,
					event,
					webhookId,
					status: 0,
					body,
					at: this.now(),
				};
				try {
					const r = await deliverWebhook(
						t.url,
						body,
						{
							secret: t.secret,
							signature: t.secret ? 'valid' : 'missing',
							timeoutMs: this.opts.webhookTimeoutMs,
						},
						this.outgoing,
						this.now,
					);
					log.status = r.status;
					log.response = r.body;
				} catch (e) {
					log.error = e instanceof Error ? e.message : String(e);
				}
				if (t.hook && (log.status < 200 || log.status >= 300)) t.hook.failure_count += 1;
				this.webhookDeliveries.push(log);
				return log;
			}),
		);
	}

	private emitInBackground(event: string, data: Record<string, unknown>, session?: Session): void {
		if (!this.opts.emitEvents || this.closed) return;
		this.emit(event, data, session).catch(() => undefined);
	}

	async simulateIncomingMessage(
		p: SimulateIncomingParams,
	): Promise<{ message: Message; deliveries: WebhookDeliveryLog[] }> {
		const s = this.state.getSession(p.session_id);
		if (!s) throw new Error(`simulateIncomingMessage: unknown session ${String(p.session_id)}`);
		const text = p.text ?? p.button?.title;
		if (text === undefined && p.media === undefined)
			throw new Error('simulateIncomingMessage: give a text, media or a button');
		const id = this.newId('msg');
		const data: Record<string, unknown> = p.media
			? this.incomingMediaData({
					...p.media,
					caption: p.media.caption ?? p.text,
					session_id: s.id,
					from: p.from,
					message_id: String(id),
				})
			: {
					message_id: id,
					session_id: s.id,
					from: p.from,
					type: p.button ? 'interactive' : 'text',
					content: { body: text },
				};
		if (p.button)
			data.interactive = {
				type: 'button_reply',
				button_reply: { id: p.button.id, title: p.button.title },
			};
		const m = this.state.addMessage({
			id,
			message_id: id,
			session_id: s.id,
			direction: 'in',
			from: p.from,
			type: data.type as S.MessageType,
			content: p.media ? { ...data } : { body: text },
			status: 'delivered',
			created_at: this.iso(),
			dialect: 'incoming',
		});
		const deliveries = await this.emit(
			'message.received',
			{ ...data, message_id: m.id, received_at: m.created_at },
			s,
		);
		return { message: m, deliveries };
	}

	incomingMediaData(p: IncomingMediaParams): Record<string, unknown> {
		const { session_id, from, message_id, ...options } = p;
		const media = this.media.incomingData(options, { sendapi: this.url, public: this.publicUrl });
		const data: Record<string, unknown> = {
			message_id: message_id ?? String(this.newId('msg')),
			session_id,
			from,
			...media,
		};
		data.received_at = this.iso();
		return data;
	}

	/** `GET /v1/whatsapp/media/{id}` (behind the API key): the file, or 302 to the public server with `?redirect=1`. */
	private getMedia(c: Ctx): Reply {
		const id = c.params[0];
		const file = this.media.files.get(id);
		if (file && c.query.redirect !== undefined && file.host === 'public') {
			return {
				status: 302,
				headers: { Location: `${this.publicUrl}/files/${encodeURIComponent(id)}` },
				body: undefined,
			};
		}
		const served = this.media.get(id, 'sendapi');
		if (!served) throw new HttpError(this.notFound('media', id, 'id'));
		return this.fileReply(served);
	}

	private fileReply(file: MediaFile): Reply {
		return {
			status: 200,
			bytes: file.bytes,
			chunked: !file.declareLength,
			stall: file.stall,
			download: this.media.logDownload(file),
			headers: { 'Content-Type': file.mimeType ?? 'application/octet-stream' },
		};
	}

	/** The public server (another origin, no key): `GET /files/{id}`. */
	private servePublicMedia(req: http.IncomingMessage, res: http.ServerResponse): void {
		const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
		const match = /^\/files\/([^/]+)$/.exec(path);
		const file =
			match && req.method === 'GET'
				? this.media.get(decodeURIComponent(match[1]), 'public')
				: undefined;
		const reply: Reply = file
			? this.fileReply(file)
			: { status: 404, body: { error: { type: 'not_found', message: 'No such file' } } };
		this.publicMediaRequests.push({ path, headers: { ...req.headers }, status: reply.status });
		this.write(res, reply);
	}

	// ---------------------------------------------------------------------------------------------
	// HTTP plumbing

	private sleep(ms: number): Promise<void> {
		if (this.closed) return Promise.resolve();
		return new Promise((resolve) => {
			const t = setTimeout(() => {
				this.timers.delete(t);
				resolve();
			}, ms);
			this.timers.add(t);
		});
	}

	private readBody(req: http.IncomingMessage): Promise<string> {
		return new Promise((resolve, reject) => {
			const chunks: Buffer[] = [];
			let size = 0;
			req.on('data', (c: Buffer) => {
				size += c.length;
				if (size > MAX_BODY_BYTES) {
					reject(new Error('body too large'));
					req.destroy();
					return;
				}
				chunks.push(c);
			});
			req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
			req.on('error', reject);
		});
	}

	private write(res: http.ServerResponse, reply: Reply, entry?: LoggedRequest): void {
		if (entry) entry.status = reply.status;
		if (res.destroyed || res.writableEnded) return;
		if (reply.bytes) {
			const download = reply.download;
			if (download) {
				res.on('close', () => {
					download.end = res.writableFinished ? 'complete' : 'closed_by_client';
				});
			}
			res.writeHead(reply.status, {
				...(reply.chunked ? {} : { 'Content-Length': String(reply.bytes.length) }),
				...reply.headers,
			});
			if (reply.stall) res.write(reply.bytes.subarray(0, 64));
			else res.end(reply.bytes);
			return;
		}
		const body = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
		res.writeHead(reply.status, {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Length': String(Buffer.byteLength(body)),
			...reply.headers,
		});
		res.end(body);
	}

	private errA(
		status: number,
		type: string,
		code: number,
		message: string,
		requestId: string,
		headers?: Record<string, string>,
	): Reply {
		return {
			status,
			headers,
			body: {
				success: false,
				error: { type, message, code },
				meta: {
					request_id: this.opts.integerIds ? Number(requestId) : requestId,
					timestamp: this.iso(),
				},
			},
		};
	}

	private errB(status: number, code: string, message: string, param?: string): Reply {
		return {
			status,
			body: {
				error: {
					type: 'invalid_request_error',
					code,
					...(param !== undefined ? { param } : {}),
					message,
				},
			},
		};
	}

	private retryHeaders(ms: number): Record<string, string> {
		const h: Record<string, string> = { 'Retry-After': String(Math.max(1, Math.ceil(ms / 1000))) };
		if (this.limiter.limits.windowMs < 60_000) h['Retry-After-Ms'] = String(Math.ceil(ms));
		return h;
	}

	private faultReply(f: ArmedFault, requestId: string): Reply | undefined {
		switch (f.kind) {
			case '429': {
				const secs =
					f.retryAfterSeconds ??
					(f.retryAfterMs !== undefined ? Math.max(1, Math.ceil(f.retryAfterMs / 1000)) : 1);
				const headers: Record<string, string> = { 'Retry-After': String(secs) };
				if (f.retryAfterMs !== undefined) headers['Retry-After-Ms'] = String(f.retryAfterMs);
				return this.errA(
					429,
					f.errorType ?? 'rate_limit_exceeded',
					4029,
					'Too many requests (injected fault)',
					requestId,
					headers,
				);
			}
			case '500':
			case '503':
				return this.errA(
					Number(f.kind),
					'api_error',
					5000,
					`Internal error (injected ${f.kind} fault)`,
					requestId,
				);
			case 'malformedJson':
				return {
					status: 200,
					raw: '{"data": {"id": "msg_trunc',
					headers: { 'Content-Type': 'application/json; charset=utf-8' },
				};
			default:
				return undefined;
		}
	}

	private fireFault(
		f: ArmedFault,
		req: http.IncomingMessage,
		res: http.ServerResponse,
		entry: LoggedRequest,
		requestId: string,
	): void {
		entry.fault = f.kind;
		if (f.kind === 'drop') {
			entry.status = 0;
			req.socket.destroy();
			return;
		}
		const reply = this.faultReply(f, requestId);
		if (reply) this.write(res, reply, entry);
	}

	private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const requestId = String(this.newId('req'));
		res.setHeader('X-Request-Id', requestId);
		let raw: string;
		try {
			raw = await this.readBody(req);
		} catch {
			req.socket.destroy();
			return;
		}
		const method = (req.method ?? 'GET').toUpperCase();
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const query: Record<string, string | string[]> = {};
		for (const [k, v] of url.searchParams) {
			const cur = query[k];
			query[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
		}
		let body: unknown = undefined;
		let bodyIsJson = false;
		if (raw.length > 0) {
			try {
				body = JSON.parse(raw);
				bodyIsJson = true;
			} catch {
				body = raw;
			}
		}

		if (url.pathname.startsWith('/__sandbox/')) {
			this.write(res, await this.sandbox(method, url.pathname, body, requestId));
			return;
		}

		const entry: LoggedRequest = {
			method,
			path: url.pathname,
			query,
			headers: { ...req.headers },
			body,
			status: 0,
			at: this.now(),
			requestId,
		};
		this.requests.push(entry);

		const fault = this.faults.take(method, url.pathname);
		if (fault && fault.kind !== 'slow' && !fault.afterProcessing) {
			this.fireFault(fault, req, res, entry, requestId);
			return;
		}

		const reply = this.process(
			req,
			method,
			url.pathname,
			query,
			body,
			raw,
			bodyIsJson,
			requestId,
			entry,
		);

		if (fault && fault.kind !== 'slow' && fault.afterProcessing) {
			entry.status = reply.status;
			this.fireFault(fault, req, res, entry, requestId);
			return;
		}
		if (fault?.kind === 'slow') {
			entry.fault = 'slow';
			await this.sleep(fault.delayMs ?? 1000);
		}
		this.write(res, reply, entry);
	}

	/** Auth, limiter, routing, idempotency, handler. Synchronous, so check-and-store is atomic. */
	private process(
		req: http.IncomingMessage,
		method: string,
		path: string,
		query: Record<string, string | string[]>,
		body: unknown,
		raw: string,
		bodyIsJson: boolean,
		requestId: string,
		entry: LoggedRequest,
	): Reply {
		const now = this.now();
		entry.countedAt = now;
		// Auth
		const auth = req.headers.authorization;
		const m = typeof auth === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
		if (!m)
			return this.errA(
				401,
				'authentication_error',
				4010,
				'Missing API key: send Authorization: Bearer <key>',
				requestId,
			);
		const apiKey = m[1];
		if (!this.apiKeys.has(apiKey))
			return this.errA(401, 'authentication_error', 4011, 'Invalid API key', requestId);

		// Requests per window
		const idem = idempotencyOf(req, method, path, apiKey, body);
		const hit = this.limiter.hitRequest(apiKey, now);
		if (!hit.ok) {
			this._refused429 += 1;
			const refusal = this.errA(
				429,
				'rate_limit_exceeded',
				4029,
				'Too many requests: rate limit exceeded',
				requestId,
				{
					...this.limiter.rateHeaders(apiKey, now, true),
					...this.retryHeaders(hit.retryAfterMs),
				},
			);
			// Kept only as the key's first answer: a key whose request was done keeps its success.
			if (idem && !this.storedAnswer(idem.storeKey, now)) this.keepAnswer(idem, refusal, now);
			return refusal;
		}
		let counted: WindowEntry | undefined = hit.entry;
		const withRate = (r: Reply): Reply => ({
			...r,
			headers: { ...this.limiter.rateHeaders(apiKey, now), ...r.headers },
		});

		// Route
		let handler: Handler | undefined;
		let params: string[] = [];
		let pathMatched = false;
		for (const [rm, re, h] of this.routes) {
			const mm = re.exec(path);
			if (!mm) continue;
			pathMatched = true;
			if (rm !== method) continue;
			handler = h;
			try {
				params = mm.slice(1).map((p) => decodeURIComponent(p));
			} catch {
				return withRate(
					this.errB(400, 'invalid_parameter', 'Malformed percent-encoding in the path', 'id'),
				);
			}
			break;
		}
		if (!handler) {
			return withRate(
				this.errB(
					404,
					'route_not_found',
					pathMatched
						? `${method} is not supported on ${path}`
						: `Unrecognized request URL (${method} ${path})`,
				),
			);
		}

		// Body
		if (method === 'POST' || method === 'PUT') {
			if (raw.length > 0) {
				const ct = String(req.headers['content-type'] ?? '');
				if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(ct)) {
					return withRate(
						this.errB(400, 'invalid_request', 'Content-Type must be application/json'),
					);
				}
				if (!bodyIsJson)
					return withRate(this.errB(400, 'invalid_json', 'The request body is not valid JSON'));
			} else {
				body = {};
			}
		}

		// Idempotency
		if (idem) {
			if (idem.key.length > 255)
				return withRate(
					this.errB(
						400,
						'invalid_parameter',
						'Idempotency-Key is too long (max 255)',
						'Idempotency-Key',
					),
				);
			const rec = this.storedAnswer(idem.storeKey, now);
			if (rec) {
				if (rec.fingerprint !== idem.fingerprint) {
					return withRate(
						this.errB(
							409,
							'idempotency_key_reused',
							'This Idempotency-Key was already used with a different request body',
							'Idempotency-Key',
						),
					);
				}
				entry.replayed = true;
				return withRate({
					status: rec.status,
					body: rec.body,
					headers: { ...rec.headers, 'Idempotent-Replayed': 'true' },
				});
			}
		}

		const ctx: Ctx = {
			method,
			path,
			query,
			body,
			params,
			apiKey,
			requestId,
			now,
			undoRequest: () => {
				if (counted) this.limiter.undoRequest(apiKey, counted);
				counted = undefined;
			},
		};
		let reply: Reply;
		try {
			reply = handler(ctx);
		} catch (e) {
			if (e instanceof HttpError) reply = e.reply;
			else throw e;
		}
		if (idem) this.keepAnswer(idem, reply, now);
		return withRate(reply);
	}

	/** The answer stored under a key, unless its 24 h are over (then it is forgotten). */
	private storedAnswer(storeKey: string, now: number): IdempotencyRecord | undefined {
		const rec = this.state.idempotency.get(storeKey);
		if (rec && now - rec.storedAt >= IDEMPOTENCY_TTL_MS) {
			this.state.idempotency.delete(storeKey);
			return undefined;
		}
		return rec;
	}

	/**
	 * Successes are kept under their key; refusals (4xx, 429 included) only with
	 * `idempotencyKeepsRefusals`, and without their Retry-After: a replay is no new refusal to wait out.
	 */
	private keepAnswer(idem: IdempotencyOf, reply: Reply, now: number): void {
		const success = reply.status >= 200 && reply.status < 300;
		const refusal = reply.status >= 400 && reply.status < 500;
		if (idem.key.length > 255 || (!success && !(refusal && this.idempotencyKeepsRefusals))) return;
		const headers = { ...reply.headers };
		delete headers['Retry-After'];
		delete headers['Retry-After-Ms'];
		this.state.idempotency.set(idem.storeKey, {
			fingerprint: idem.fingerprint,
			status: reply.status,
			body: reply.body,
			headers,
			storedAt: now,
		});
	}

	// ---------------------------------------------------------------------------------------------
	// Sandbox (no auth; for a human poking at the CLI server)

	private async sandbox(
		method: string,
		path: string,
		body: unknown,
		requestId: string,
	): Promise<Reply> {
		try {
			if (method === 'POST' && path === '/__sandbox/incoming') {
				const b = this.parse(S.sandboxIncomingBody, body ?? {}, 'body');
				if (!this.state.getSession(b.session_id))
					throw new HttpError(this.notFound('session', b.session_id, 'session_id'));
				const r = await this.simulateIncomingMessage(b);
				return {
					status: 200,
					body: { data: { message: this.messageView(r.message), deliveries: r.deliveries } },
				};
			}
			if (method === 'GET' && path === '/__sandbox/requests')
				return { status: 200, body: { data: this.requests } };
			if (method === 'GET' && path === '/__sandbox/state') {
				return {
					status: 200,
					body: {
						data: {
							sessions: [...this.state.sessions.values()],
							messages: this.state.messages,
							groups: [...this.state.groups.values()],
							contacts: Object.fromEntries(this.state.contacts),
							webhooks: [...this.state.webhooks.values()],
							limits: this.limits,
							refused429: this.refused429,
							refused402: this.refused402,
						},
					},
				};
			}
			const sm = /^\/__sandbox\/sessions\/([^/]+)\/status$/.exec(path);
			if (method === 'POST' && sm) {
				const s = this.state.getSession(decodeURIComponent(sm[1]));
				if (!s) throw new HttpError(this.notFound('session', sm[1], 'id'));
				const b = this.parse(S.sandboxStatusBody, body ?? {}, 'body');
				s.status = b.status;
				if (b.status === 'connected') {
					s.phone_number ??= this.nextPhone();
					s.last_seen_at = this.iso();
				}
				return { status: 200, body: { data: this.sessionView(s) } };
			}
			return this.errB(404, 'route_not_found', `Unrecognized sandbox URL (${method} ${path})`);
		} catch (e) {
			if (e instanceof HttpError) return e.reply;
			return this.errA(500, 'api_error', 5000, String(e), requestId);
		}
	}

	// ---------------------------------------------------------------------------------------------
	// Helpers for handlers

	private parse<T extends z.ZodTypeAny>(
		schema: T,
		input: unknown,
		where: 'body' | 'query',
	): z.output<T> {
		if (where === 'body' && (input === null || typeof input !== 'object' || Array.isArray(input))) {
			throw new HttpError(
				this.errB(400, 'invalid_request', 'The request body must be a JSON object'),
			);
		}
		const r = schema.safeParse(input);
		if (!r.success) {
			const f = S.describeZodError(r.error, input);
			throw new HttpError(this.errB(400, f.code, f.message, f.param));
		}
		return r.data;
	}

	private notFound(what: string, id: unknown, param: string): Reply {
		return this.errB(404, 'resource_missing', `No such ${what}: ${String(id)}`, param);
	}

	private sessionOr404(id: string | number, param: string): Session {
		const s = this.state.getSession(id);
		if (!s) throw new HttpError(this.notFound('session', id, param));
		return s;
	}

	private requireConnected(s: Session): void {
		if (s.status !== 'connected') {
			throw new HttpError(
				this.errB(
					409,
					'session_not_connected',
					`Session ${String(s.id)} is ${s.status}, not connected`,
					'session_id',
				),
			);
		}
	}

	private countMessages(c: Ctx, s: Session, n: number): void {
		const refusal: LimitRefusal | null = this.limiter.hitMessages(c.apiKey, String(s.id), n, c.now);
		if (!refusal) return;
		c.undoRequest();
		if (refusal.status === 429) this._refused429 += 1;
		else this._refused402 += 1;
		if (refusal.status === 402 && this.limiter.limits.quotaErrorShape === 'param') {
			const param = refusal.scope === 'session' ? 'session_id' : undefined;
			const code = refusal.type === 'balance_low' ? 'insufficient_balance' : refusal.type;
			throw new HttpError(this.errB(refusal.status, code, refusal.message, param));
		}
		throw new HttpError(
			this.errA(
				refusal.status,
				refusal.type,
				refusal.code,
				refusal.message,
				c.requestId,
				refusal.status === 429 ? this.retryHeaders(refusal.retryAfterMs) : undefined,
			),
		);
	}

	private whatsappInfo(phone: string): Omit<Contact, 'name'> {
		const digits = phone.replace(/^\+/, '');
		const last = Number(digits[digits.length - 1]);
		const is = last <= 7;
		return { phone, is_whatsapp_user: is, whatsapp_id: is ? `${digits}@s.whatsapp.net` : null };
	}

	private sessionView(s: Session) {
		return {
			id: s.id,
			name: s.name,
			status: s.status,
			phone_number: s.phone_number,
			last_seen_at: s.last_seen_at,
			message_count: s.message_count,
			webhook_url: s.webhook_url,
			created_at: s.created_at,
		};
	}

	private messageView(m: Message) {
		return {
			id: m.id,
			message_id: m.message_id,
			session_id: m.session_id,
			direction: m.direction,
			...(m.direction === 'out' ? { to: m.to } : { from: m.from }),
			type: m.type,
			content: m.content,
			status: m.status,
			created_at: m.created_at,
			...(m.batch_id ? { batch_id: m.batch_id } : {}),
		};
	}

	private webhookView(w: WebhookRecord) {
		return {
			id: w.id,
			url: w.url,
			events: w.events,
			secret_prefix: w.secret.slice(0, 10),
			is_active: w.is_active,
			failure_count: w.failure_count,
			created_at: w.created_at,
			updated_at: w.updated_at,
		};
	}

	private newGroup(
		s: Session,
		name: string,
		participants: string[],
		description: string | null,
	): Group {
		const t = this.iso();
		const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
		const code = Array.from(randomBytes(22), (b) => alphabet[b % alphabet.length]).join('');
		const g: Group = {
			id: this.newId('grp'),
			session_id: s.id,
			name,
			description,
			participants: [...new Set(participants)],
			invite_link: `https://chat.whatsapp.com/${code}`,
			created_at: t,
			updated_at: t,
		};
		this.state.groups.set(String(g.id), g);
		return g;
	}

	// ---------------------------------------------------------------------------------------------
	// Sessions

	private createSession(c: Ctx): Reply {
		this.parse(S.emptyQuery, c.query, 'query');
		const b = this.parse(S.createSessionBody, c.body, 'body');
		const connected = !!this.opts.autoConnectSessions;
		const s = this.seedSession({
			name: b.name,
			status: connected ? 'connected' : 'pending',
			webhook_url: b.webhook_url ?? null,
		});
		return {
			status: 201,
			body: {
				id: s.id,
				name: s.name,
				status: s.status,
				qr_code: qrDataUrl(String(s.id)),
				qr_expires_at: s.qr_expires_at,
			},
		};
	}

	private listSessions(c: Ctx): Reply {
		const q = this.parse(S.listQuery, c.query, 'query');
		const items = [...this.state.sessions.values()].map((s) => ({
			id: s.id,
			name: s.name,
			status: s.status,
			phone_number: s.phone_number,
			last_seen_at: s.last_seen_at,
			message_count: s.message_count,
		}));
		return { status: 200, body: paginate(items, q.page, q.per_page) };
	}

	private getSession(c: Ctx): Reply {
		this.parse(S.emptyQuery, c.query, 'query');
		return { status: 200, body: { data: this.sessionView(this.sessionOr404(c.params[0], 'id')) } };
	}

	private deleteSession(c: Ctx): Reply {
		this.parse(S.emptyQuery, c.query, 'query');
		const s = this.sessionOr404(c.params[0], 'id');
		this.state.sessions.delete(String(s.id));
		return { status: 200, body: { data: { id: s.id, deleted: true } } };
	}

	private getQr(c: Ctx): Reply {
		this.parse(S.emptyQuery, c.query, 'query');
		const s = this.sessionOr404(c.params[0], 'id');
		s.qr_expires_at = this.iso(c.now + 120_000);
		return {
			status: 200,
			body: {
				data: {
					qr_code: qrDataUrl(`${String(s.id)}:${c.now}`),
					qr_expires_at: s.qr_expires_at,
					status: s.status,
				},
			},
		};
	}

	// ---------------------------------------------------------------------------------------------
	// Messages

	private send(c: Ctx): Reply {
		this.parse(S.emptyQuery, c.query, 'query');
		const b = this.parse(S.sendBody, c.body, 'body');
		const s = this.sessionOr404(b.session_id, 'session_id');
		this.requireConnected(s);
		this.countMessages(c, s, 1);
		const id = this.newId('msg');
		const m = this.state.addMessage({
			id,
			message_id: id,
			session_id: s.id,
			direction: 'out',
			to: b.to,
			type: b.type,
			content: b.content,
			status: 'accepted',
			created_at: this.iso(c.now),
			dialect: b.dialect,
		});
		this.emitInBackground(
			'message.sent',
			{ message_id: m.id, session_id: s.id, to: m.to, type: m.type, status: m.status },
			s,
		);
		return {
			status: 200,
			body: {
				data: {
					id: m.id,
					message_id: m.message_id,
					session_id: s.id,
					to: m.to,
					type: m.type,
					status: m.status,
					created_at: m.created_at,
				},
			},
		};
	}

	private sendBulk(c: Ctx): Reply {
		this.parse(S.emptyQuery, c.query, 'query');
		const b = this.parse(S.sendBulkBody, c.body, 'body');
		const s = this.sessionOr404(b.session_id, 'session_id');
		this.requireConnected(s);
		this.countMessages(c, s, b.recipients.length);
		const batchId = this.newId('batch');
		const created = this.iso(c.now);
		for (const to of b.recipients) {
			const id = this.newId('msg');
			const m = this.state.addMessage({
				id,
				message_id: id,
				session_id: s.id,
				direction: 'out',
				to,
				type: b.type,
				content: b.content,
				status: 'accepted',
				created_at: created,
				batch_id: batchId,
				dialect: b.dialect,
			});
			this.emitInBackground(
				'message.sent',
				{ message_id: m.id, session_id: s.id, to, type: m.type, status: m.status },
				s,
			);
		}
		return {
			status: 202,
			body: { batch_id: batchId, status: 'queued', total: b.recipients.length, queued_at: created },
		};
	}

	private listMessages(c: Ctx): Reply {
		const q = this.parse(S.messagesQuery, c.query, 'query');
		const from = q.from_date ? Date.parse(q.from_date) : -Infinity;
		let to = q.to_date ? Date.parse(q.to_date) : Infinity;
		// A bare date as to_date means "up to the end of that day".
		if (q.to_date && /^\d{4}-\d{2}-\d{2}$/.test(q.to_date)) to += 86_400_000 - 1;
		const items = this.state.messages
			.map((m, i) => ({ m, i, t: Date.parse(m.created_at) }))
			.filter(
				({ m, t }) =>
					(q.session_id === undefined || String(m.session_id) === q.session_id) &&
					(q.direction === undefined || m.direction === q.direction) &&
					(q.status === undefined || m.status === q.status) &&
					t >= from &&
					t <= to,
			)
			.sort((a, b) => b.t - a.t || b.i - a.i)
			.map(({ m }) => this.messageView(m));
		return { status: 200, body: paginate(items, q.page, q.per_page) };
	}

	private getMessage(c: Ctx): Reply {
		this.parse(S.emptyQuery, c.query, 'query');
		const m = this.state.getMessage(c.params[0]);
		if (!m) throw new HttpError(this.notFound('message', c.params[0], 'id'));
		return { status: 200, body: { data: this.messageView(m) } };
	}

	// ---------------------------------------------------------------------------------------------
	// Groups

	private createGroup(c: Ctx): Reply {
		this.parse(S.emptyQuery, c.query, 'query');
		const b = this.parse(S.createGroupBody, c.body, 'body');
		const s = this.sessionOr404(b.session_id, 'session_id');
		this.requireConnected(s);
		const g = this.newGroup(s, b.name, b.participants, b.description ?? null);
		return { status: 201, body: { data: g } };
	}

	private listGroups(c: Ctx): Reply {
		const q = this.parse(S.bySessionQuery, c.query, 'query');
		const s = this.sessionOr404(q.session_id, 'session_id');
		const items = [...this.state.groups.values()].filter(
			(g) => String(g.session_id) === String(s.id),
		);
		return { status: 200, body: paginate(items, q.page, q.per_page) };
	}

	private updateGroup(c: Ctx): Reply {
		this.parse(S.emptyQuery, c.query, 'query');
		const b = this.parse(S.updateGroupBody, c.body, 'body');
		const g = this.state.groups.get(c.params[0]);
		if (!g) throw new HttpError(this.notFound('group', c.params[0], 'id'));
		const s = this.state.getSession(g.session_id);
		if (s) this.requireConnected(s);
		if (b.name !== undefined) g.name = b.name;
		if (b.description !== undefined) g.description = b.description;
		if (b.add_participants)
			g.participants = [...new Set([...g.participants, ...b.add_participants])];
		if (b.remove_participants) {
			const rm = new Set(b.remove_participants);
			g.participants = g.participants.filter((p) => !rm.has(p));
		}
		g.updated_at = this.iso(c.now);
		return { status: 200, body: { data: g } };
	}

	// ---------------------------------------------------------------------------------------------
	// Contacts

	private listContacts(c: Ctx): Reply {
		const q = this.parse(S.bySessionQuery, c.query, 'query');
		const s = this.sessionOr404(q.session_id, 'session_id');
		return {
			status: 200,
			body: paginate(this.state.contacts.get(String(s.id)) ?? [], q.page, q.per_page),
		};
	}

	private checkContact(c: Ctx): Reply {
		const q = this.parse(S.contactCheckQuery, c.query, 'query');
		const rawPhone = c.params[0];
		const phone = /^\d+$/.test(rawPhone) ? `+${rawPhone}` : rawPhone;
		if (!S.E164_RE.test(phone)) {
			throw new HttpError(
				this.errB(
					400,
					'invalid_phone',
					`Invalid parameter phone: ${rawPhone} is not an E.164 phone number`,
					'phone',
				),
			);
		}
		const s = this.sessionOr404(q.session_id, 'session_id');
		this.requireConnected(s);
		const known = (this.state.contacts.get(String(s.id)) ?? []).find((x) => x.phone === phone);
		const info = known
			? { phone, is_whatsapp_user: known.is_whatsapp_user, whatsapp_id: known.whatsapp_id }
			: this.whatsappInfo(phone);
		return {
			status: 200,
			body: {
				phone: info.phone,
				is_whatsapp_user: info.is_whatsapp_user,
				whatsapp_id: info.whatsapp_id,
			},
		};
	}

	// ---------------------------------------------------------------------------------------------
	// Webhooks

	private webhookOr404(id: string): WebhookRecord {
		const w = this.state.webhooks.get(id);
		if (!w) throw new HttpError(this.notFound('webhook', id, 'id'));
		return w;
	}

	private createWebhook(c: Ctx): Reply {
		this.parse(S.emptyQuery, c.query, 'query');
		const b = this.parse(S.createWebhookBody, c.body, 'body');
		const w = this.seedWebhook({ url: b.url, events: b.events });
		return {
			status: 201,
			body: {
				data: {
					id: w.id,
					url: w.url,
					events: w.events,
					secret: w.secret,
					is_active: w.is_active,
					failure_count: w.failure_count,
					created_at: w.created_at,
				},
			},
		};
	}

	private listWebhooks(c: Ctx): Reply {
		const q = this.parse(S.listQuery, c.query, 'query');
		const items = [...this.state.webhooks.values()].map((w) => this.webhookView(w));
		return { status: 200, body: paginate(items, q.page, q.per_page) };
	}

	private getWebhook(c: Ctx): Reply {
		this.parse(S.emptyQuery, c.query, 'query');
		return { status: 200, body: { data: this.webhookView(this.webhookOr404(c.params[0])) } };
	}

	private updateWebhook(c: Ctx): Reply {
		this.parse(S.emptyQuery, c.query, 'query');
		const b = this.parse(S.updateWebhookBody, c.body, 'body');
		const w = this.webhookOr404(c.params[0]);
		if (b.url !== undefined) w.url = b.url;
		if (b.events !== undefined) w.events = b.events;
		if (b.is_active !== undefined) {
			w.is_active = b.is_active;
			if (b.is_active) w.failure_count = 0;
		}
		w.updated_at = this.iso(c.now);
		return { status: 200, body: { data: this.webhookView(w) } };
	}

	private deleteWebhook(c: Ctx): Reply {
		this.parse(S.emptyQuery, c.query, 'query');
		const w = this.webhookOr404(c.params[0]);
		this.state.webhooks.delete(String(w.id));
		return { status: 200, body: { data: { id: w.id, deleted: true } } };
	}
}

export async function startFakeSendApi(opts?: FakeSendApiOptions): Promise<FakeSendApi> {
	const s = new FakeSendApiServer(opts);
	await s.listen();
	return s;
}
