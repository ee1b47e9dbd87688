/** In-memory store of the fake SendApi. Tests may read and mutate it directly. */
import type { MessageStatus, MessageType } from './schemas';

/**
 * An id the fake issued: a prefixed string (`msg_…`), as SendApi documents, or an integer when the
 * server runs with `integerIds` (the client-code dialect). Maps are keyed by String(id).
 */
export type FakeId = string | number;

export type SessionStatus = 'pending' | 'connected' | 'disconnected' | (string & {});

export interface Session {
	/** `sess_…` for created sessions; an integer with `integerIds` or when seeded with one. Looked up by String(id). */
	id: FakeId;
	name: string;
	status: SessionStatus;
	phone_number: string | null;
	last_seen_at: string | null;
	message_count: number;
	webhook_url: string | null;
	created_at: string;
	qr_expires_at: string;
}

export interface Message {
	id: FakeId;
	message_id: FakeId;
	session_id: FakeId;
	direction: 'in' | 'out';
	to?: string;
	from?: string;
	type: MessageType;
	content: Record<string, unknown>;
	status: MessageStatus;
	created_at: string;
	batch_id?: FakeId;
	/** Which request dialect created it (not part of the API answer). */
	dialect?: 'docs' | 'client' | 'incoming' | 'seed';
}

export interface Group {
	id: FakeId;
	session_id: FakeId;
	name: string;
	description: string | null;
	participants: string[];
	invite_link: string;
	created_at: string;
	updated_at: string;
}

export interface Contact {
	/** Only with `integerIds`: SendApi documents no contact id; the client-code dialect numbers rows. */
	id?: number;
	phone: string;
	name: string | null;
	whatsapp_id: string | null;
	is_whatsapp_user: boolean;
}

export interface WebhookRecord {
	id: FakeId;
	url: string;
	events: string[];
	/** Full secret (`whsec_…`); the API shows it only in the create answer. */
	secret: string;
	is_active: boolean;
	failure_count: number;
	created_at: string;
	updated_at: string;
}

export interface IdempotencyRecord {
	fingerprint: string;
	status: number;
	body: unknown;
	headers: Record<string, string>;
	storedAt: number;
}

export class FakeState {
	/** Keyed by String(session.id). */
	readonly sessions = new Map<string, Session>();
	/** Every message, oldest first. */
	readonly messages: Message[] = [];
	/** Keyed by String(group.id). */
	readonly groups = new Map<string, Group>();
	/** Keyed by String(session id). */
	readonly contacts = new Map<string, Contact[]>();
	/** Keyed by String(webhook id); records hold the full secret. */
	readonly webhooks = new Map<string, WebhookRecord>();
	/** Keyed by `<api key>\n<Idempotency-Key>`. */
	readonly idempotency = new Map<string, IdempotencyRecord>();

	getSession(id: string | number): Session | undefined {
		return this.sessions.get(String(id));
	}

	addMessage(m: Message): Message {
		this.messages.push(m);
		const s = this.getSession(m.session_id);
		if (s) {
			s.message_count += 1;
			s.last_seen_at = m.created_at;
		}
		return m;
	}

	getMessage(id: FakeId): Message | undefined {
		const wanted = String(id);
		for (let i = this.messages.length - 1; i >= 0; i--) {
			const m = this.messages[i];
			if (String(m.id) === wanted || String(m.message_id) === wanted) return m;
		}
		return undefined;
	}

	messagesOfSession(id: string | number): Message[] {
		return this.messages.filter((m) => String(m.session_id) === String(id));
	}

	clear(): void {
		this.sessions.clear();
		this.messages.length = 0;
		this.groups.clear();
		this.contacts.clear();
		this.webhooks.clear();
		this.idempotency.clear();
	}
}
