/**
 * Send and Wait, WhatsApp reply mode, when the asking run's record is gone (n8n 1.x after a
 * restart): without the webhook's signing secret a delivery is only a hint, so an answer counts
 * once SendApi's API confirms it. Pure, three steps: `waitWebhookFor` (the waiting URL is one this
 * package registered for this execution and node, ownership.ts), `screenDelivery` (the delivery
 * claims the number and session asked), `judgeConfirmedMessage` (SendApi's stored copy exists, is
 * incoming from that number on that session after the question, and holds the answer). The answer
 * is taken from SendApi's copy, never from the delivery.
 */
import type { IDataObject } from 'n8n-workflow';

import { normalisePhone } from '../helpers/phone';
import { readEvent } from '../inbound/event';
import { matchesSession } from '../inbound/eventFilters';
import type { StoredMessage } from '../transport/wire/replies';
import { stringifyIds } from '../transport/wire/ids';
import { readIncomingReply } from '../transport/wire/replies';
import type { Answer, Judgement, WaitRecord } from './answer';
import {
	answered,
	approveButtonId,
	declineButtonId,
	eventTime,
	freeTextFrom,
	ignore,
} from './answer';
import { CREATED_PARAM, DEADLINE_PARAM, NONCE_PARAM, OWNER_PARAM, readWaitUrl } from './ownership';

/** What identifies a question without the asking run's record (no webhook id, no secret). */
export type WaitQuestion = Pick<
	WaitRecord,
	| 'to'
	| 'sessionId'
	| 'askedAt'
	| 'nonce'
	| 'responseType'
	| 'approveLabel'
	| 'declineLabel'
	| 'deadline'
>;

/** What a screened delivery asks SendApi to confirm. */
export interface ClaimedReply {
	messageId: string;
	/** The button id the delivery names, when it names one of this question's buttons. */
	buttonId?: string;
}

/**
 * The SendApi webhook this request arrived through: one whose URL carries this package's owner
 * tag for this API key, ends with this execution's and node's path, and whose wait parameters
 * are exactly those of the request. Undefined for anything else (a random hit on the waiting URL,
 * someone else's webhook, one made with another key, a copied tag on another execution's URL).
 */
export function waitWebhookFor(
	webhooks: IDataObject[],
	apiKey: string,
	request: { executionId: string; nodeId: string; query: IDataObject },
): string | undefined {
	const suffix = `/${request.executionId}/${request.nodeId}`;
	const wanted = [OWNER_PARAM, CREATED_PARAM, DEADLINE_PARAM, NONCE_PARAM];
	for (const webhook of webhooks) {
		if (webhook.id === undefined || webhook.id === null) continue;
		if (!readWaitUrl(webhook.url, apiKey)) continue;
		const url = new URL(String(webhook.url));
		if (!decodedPath(url).endsWith(suffix)) continue;
		const same = wanted.every((name) => {
			const asked = request.query[name];
			return typeof asked === 'string' && asked !== '' && url.searchParams.get(name) === asked;
		});
		if (same) return String(webhook.id);
	}
	return undefined;
}

/** Which message the delivery says answers the question, or why it is not worth asking about. */
export function screenDelivery(
	question: WaitQuestion,
	rawBody: Buffer | string,
): ClaimedReply | { reason: string } {
	const event = readEvent(rawBody);
	if (!event) return { reason: 'Not a SendApi event' };
	if (event.event !== 'message.received')
		return { reason: `Event ${event.event} is not an answer` };
	const data = stringifyIds(event.data) as IDataObject;
	const from = normalisePhone(data.from);
	if (!from.ok || from.e164 !== question.to)
		return { reason: 'Not from the number that was asked' };
	if (!matchesSession(question.sessionId, data.session_id)) {
		return { reason: 'Not on the session the question was sent from' };
	}
	const messageId = data.message_id ?? data.id;
	if (typeof messageId !== 'string' || messageId === '')
		return { reason: 'A delivery without a message id' };
	const { buttonId } = readIncomingReply(data);
	if (buttonId === undefined) return { messageId };
	if (question.responseType === 'approval' && !ownButton(question, buttonId)) {
		return { reason: 'A button of another question' };
	}
	return { messageId, buttonId };
}

/**
 * Judges SendApi's stored copy of the claimed message (undefined: SendApi knows no such message).
 * `askedAt` is compared at whole seconds, as a server that stores times without milliseconds
 * would give an answer of the same second an earlier time.
 */
export function judgeConfirmedMessage(
	question: WaitQuestion,
	claim: ClaimedReply,
	stored: StoredMessage | undefined,
): Judgement {
	if (!stored) return ignore(`SendApi knows no message ${claim.messageId}`);
	if (!stored.ids.includes(claim.messageId)) return ignore('SendApi answered with another message');
	if (!stored.incoming) return ignore('Not an incoming message');
	const from = normalisePhone(stored.from);
	if (!from.ok || from.e164 !== question.to) return ignore('Not from the number that was asked');
	const sessionId = stored.sessionId;
	if (question.sessionId.trim() === '' || !matchesSession(question.sessionId, sessionId)) {
		return ignore('Not on the session the question was sent from');
	}
	const createdAt = eventTime(stored.createdAt);
	if (createdAt === undefined) return ignore('SendApi gives no time for the message');
	if (createdAt < Math.floor(question.askedAt / 1000) * 1000)
		return ignore('Sent before the question');

	const answer =
		question.responseType === 'approval'
			? approvalFromTitle(question, stored.text, claim.buttonId)
			: freeTextFrom(stored.text);
	if ('reason' in answer) return ignore(answer.reason);
	return answered(answer.value, {
		from: from.e164,
		sessionId: String(sessionId),
		messageId: claim.messageId,
		answeredAt: createdAt,
	});
}

/** The URL's path, percent-decoded where that is valid. */
function decodedPath(url: URL): string {
	try {
		return decodeURIComponent(url.pathname);
	} catch {
		return url.pathname;
	}
}

function ownButton(question: WaitQuestion, buttonId: string): boolean {
	if (buttonId === approveButtonId(question.nonce)) return true;
	return question.declineLabel !== undefined && buttonId === declineButtonId(question.nonce);
}

/** SendApi stores a tap as the button's title; a named button must agree with it. */
function approvalFromTitle(
	question: WaitQuestion,
	text: string | undefined,
	buttonId?: string,
): Answer {
	const title = (text ?? '').trim().toLowerCase();
	const approves = title !== '' && title === question.approveLabel.trim().toLowerCase();
	const declines = title !== '' && title === question.declineLabel?.trim().toLowerCase();
	if (!approves && !declines)
		return { reason: "SendApi's copy is not one of the question's buttons" };
	if (buttonId !== undefined && (buttonId === approveButtonId(question.nonce)) !== approves) {
		return { reason: "The button named does not match SendApi's copy" };
	}
	return { value: { approved: approves } };
}
