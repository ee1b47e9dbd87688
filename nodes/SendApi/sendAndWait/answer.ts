/**
 * Send and Wait, WhatsApp reply mode: which delivery is the recipient's answer. Pure, so every
 * decision is tested without n8n. A delivery counts only when it is a genuine SendApi event (its
 * X-SendAPI-Signature made with the secret of the webhook registered for this wait), an incoming
 * message from the number asked, on the session asked from, after the question, and (approval) a
 * tap on one of this question's buttons. Anything else keeps the execution waiting.
 */
import type { IDataObject } from 'n8n-workflow';

import { normalisePhone } from '../helpers/phone';
import { readEvent } from '../inbound/event';
import { matchesSession } from '../inbound/eventFilters';
import { signatureMatches } from '../inbound/signature';
import { stringifyIds } from '../transport/wire/ids';
import { readIncomingReply } from '../transport/wire/replies';

export type ResponseType = 'approval' | 'freeText';

/** Everything the resumed webhook needs to recognise the answer to one question. */
export interface WaitRecord {
	executionId: string;
	/** The SendApi webhook registered for this wait, and its signing secret. */
	webhookId: string;
	secret: string;
	/** The E.164 number asked and the session (number) it was asked from. */
	to: string;
	sessionId: string;
	/** Epoch ms just before the question was sent: earlier messages are not answers. */
	askedAt: number;
	/** Random per question; the buttons' ids carry it, so an older question's buttons do not count. */
	nonce: string;
	responseType: ResponseType;
	approveLabel: string;
	/** Undefined when the question offers Approve only. */
	declineLabel?: string;
	/** Epoch ms when the wait ends by itself (Limit Wait Time), 0 without a limit. */
	deadline: number;
	questionMessageId?: string;
}

export type Judgement = { answer: true; output: IDataObject } | { answer: false; reason: string };

export function approveButtonId(nonce: string): string {
	return `${nonce}:approve`;
}

export function declineButtonId(nonce: string): string {
	return `${nonce}:decline`;
}

/** Decides whether one delivery (raw bytes and signature header) answers the question. */
export function judgeDelivery(
	record: WaitRecord,
	rawBody: Buffer | string,
	signature: string | undefined,
): Judgement {
	if (!signatureMatches(rawBody, signature, record.secret)) {
		return ignore('Missing or invalid X-SendAPI-Signature for this wait');
	}
	const event = readEvent(rawBody);
	if (!event) return ignore('Not a SendApi event');
	if (event.event !== 'message.received') return ignore(`Event ${event.event} is not an answer`);

	const data = stringifyIds(event.data) as IDataObject;
	const from = normalisePhone(data.from);
	if (!from.ok || from.e164 !== record.to) return ignore('Not from the number that was asked');
	if (!matchesSession(record.sessionId, data.session_id)) {
		return ignore('Not on the session the question was sent from');
	}
	const receivedAt = eventTime(data.received_at ?? event.timestamp);
	if (receivedAt !== undefined && receivedAt < record.askedAt) {
		return ignore('Sent before the question');
	}

	const reply = readIncomingReply(data);
	const answer =
		record.responseType === 'approval' ? approvalAnswer(record, reply) : freeTextAnswer(reply);
	if ('reason' in answer) return ignore(answer.reason);
	return answered(answer.value, {
		from: from.e164,
		sessionId: data.session_id,
		messageId: data.message_id ?? data.id,
		answeredAt: receivedAt ?? Date.now(),
	});
}

export type Answer = { value: IDataObject } | { reason: string };

/** Who answered, where and when: the same fields whichever way the answer was recognised. */
export interface Answerer {
	from: string;
	sessionId: unknown;
	messageId: unknown;
	answeredAt: number;
}

/** The node's output for a recognised answer (n8n's `data.approved` / `data.text` plus who and when). */
export function answered(value: IDataObject, who: Answerer): Judgement {
	return {
		answer: true,
		output: {
			data: {
				...value,
				from: who.from,
				session_id: who.sessionId as IDataObject[string],
				message_id: who.messageId as IDataObject[string],
				answered_at: isoTime(who.answeredAt),
				via: 'whatsapp',
			},
		},
	};
}

function approvalAnswer(record: WaitRecord, reply: ReturnType<typeof readIncomingReply>): Answer {
	if (reply.buttonId !== undefined) {
		if (reply.buttonId === approveButtonId(record.nonce)) return { value: { approved: true } };
		if (record.declineLabel !== undefined && reply.buttonId === declineButtonId(record.nonce)) {
			return { value: { approved: false } };
		}
		return { reason: 'A button of another question' };
	}
	// A server that forwards the tap as its title only: the title is the answer.
	const text = (reply.text ?? '').trim().toLowerCase();
	if (text !== '' && text === record.approveLabel.trim().toLowerCase()) {
		return { value: { approved: true } };
	}
	if (text !== '' && text === record.declineLabel?.trim().toLowerCase()) {
		return { value: { approved: false } };
	}
	return { reason: "Not a tap on one of the question's buttons" };
}

function freeTextAnswer(reply: ReturnType<typeof readIncomingReply>): Answer {
	return freeTextFrom(reply.text ?? reply.buttonTitle);
}

export function freeTextFrom(text: string | undefined): Answer {
	if (text === undefined || text.trim() === '') return { reason: 'A message without text' };
	return { value: { text } };
}

export function ignore(reason: string): Judgement {
	return { answer: false, reason };
}

/** SendApi's times are ISO strings; a number is taken as Unix seconds or ms by its size. */
export function eventTime(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isFinite(value))
		return value < 1e12 ? value * 1000 : value;
	if (typeof value !== 'string' || value === '') return undefined;
	const parsed = Date.parse(value);
	return Number.isNaN(parsed) ? undefined : parsed;
}

export function isoTime(ms: number): string {
	return new Date(ms).toISOString();
}
