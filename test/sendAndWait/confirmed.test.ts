/**
 * Send and Wait's decisions when the asking run's record is gone (no signing secret): which
 * request is on a wait webhook of ours, which delivery is worth asking SendApi about, and whether
 * SendApi's stored copy of the message is the answer. Without n8n's server.
 */
import type { IDataObject } from 'n8n-workflow';

import { approveButtonId, declineButtonId } from '../../nodes/SendApi/sendAndWait/answer';
import type { ClaimedReply, WaitQuestion } from '../../nodes/SendApi/sendAndWait/confirmed';
import {
	judgeConfirmedMessage,
	screenDelivery,
	waitWebhookFor,
} from '../../nodes/SendApi/sendAndWait/confirmed';
import { NONCE_PARAM, ownerParams } from '../../nodes/SendApi/sendAndWait/ownership';
import { readStoredMessage } from '../../nodes/SendApi/transport/wire/replies';

const KEY = 'sk_test_key';
const ASKED_AT = Date.parse('2026-11-30T10:00:00.400Z');
const ASKED = '+447700900111';

const question = (overrides: Partial<WaitQuestion> = {}): WaitQuestion => ({
	to: ASKED,
	sessionId: 'sess_1',
	askedAt: ASKED_AT,
	nonce: 'abc123',
	responseType: 'approval',
	approveLabel: 'Approve',
	declineLabel: 'Decline',
	deadline: 0,
	...overrides,
});

/** SendApi's copy as the fake server's GET /messages/{id} gives it (envelope unwrapped). */
const stored = (overrides: IDataObject = {}) =>
	readStoredMessage({
		id: 'msg_9',
		message_id: 'msg_9',
		session_id: 'sess_1',
		direction: 'in',
		from: ASKED,
		type: 'interactive',
		content: { body: 'Decline' },
		status: 'delivered',
		created_at: '2026-11-30T10:00:05.000Z',
		...overrides,
	});

const claim = (overrides: Partial<ClaimedReply> = {}): ClaimedReply => ({
	messageId: 'msg_9',
	...overrides,
});

function body(data: IDataObject, event = 'message.received'): string {
	return JSON.stringify({
		event,
		data: {
			message_id: 'msg_9',
			session_id: 'sess_1',
			from: ASKED,
			type: 'text',
			content: { body: 'hi' },
			...data,
		},
	});
}

describe('waitWebhookFor: the SendApi webhook of this wait, by its URL', () => {
	const base = 'https://n8n.example.com/webhook-waiting/77/node-1';
	const params = {
		...ownerParams(KEY, base, { createdAt: ASKED_AT, deadline: 0 }),
		[NONCE_PARAM]: 'abc123',
		signature: 'n8n-sig',
	};
	const url = `${base}?${new URLSearchParams(params).toString()}`;
	const request = { executionId: '77', nodeId: 'node-1', query: params as IDataObject };

	test('finds ours by URL, owner tag and wait parameters', () => {
		const hooks = [
			{ id: 'wh_other', url: 'https://example.com/x' },
			{ id: 'wh_ours', url },
		];
		expect(waitWebhookFor(hooks, KEY, request)).toBe('wh_ours');
	});

	test('integer ids come back as strings', () => {
		expect(waitWebhookFor([{ id: 12, url }], KEY, request)).toBe('12');
	});

	test('another API key, another execution, another node or other parameters are not ours', () => {
		expect(waitWebhookFor([{ id: 'wh', url }], 'sk_someone_else', request)).toBeUndefined();
		expect(
			waitWebhookFor([{ id: 'wh', url }], KEY, { ...request, executionId: '78' }),
		).toBeUndefined();
		expect(
			waitWebhookFor([{ id: 'wh', url }], KEY, { ...request, nodeId: 'node-2' }),
		).toBeUndefined();
		expect(
			waitWebhookFor([{ id: 'wh', url }], KEY, {
				...request,
				query: { ...params, [NONCE_PARAM]: 'other' },
			}),
		).toBeUndefined();
		expect(waitWebhookFor([{ id: 'wh', url }], KEY, { ...request, query: {} })).toBeUndefined();
	});

	test("a tag copied onto another execution's URL does not check out", () => {
		const copied = url.replace('/77/', '/78/');
		expect(
			waitWebhookFor([{ id: 'wh', url: copied }], KEY, { ...request, executionId: '78' }),
		).toBeUndefined();
	});

	test('a URL with broken percent-encoding is compared as it is', () => {
		const oddBase = `${base}%E0`;
		const oddParams = {
			...ownerParams(KEY, oddBase, { createdAt: ASKED_AT, deadline: 0 }),
			[NONCE_PARAM]: 'abc123',
		};
		const odd = `${oddBase}?${new URLSearchParams(oddParams).toString()}`;
		expect(
			waitWebhookFor([{ id: 'wh', url: odd }], KEY, { ...request, query: oddParams }),
		).toBeUndefined();
		expect(
			waitWebhookFor([{ id: 'wh', url: odd }], KEY, {
				...request,
				nodeId: 'node-1%E0',
				query: oddParams,
			}),
		).toBe('wh');
	});

	test('a webhook without id or with a broken URL is skipped', () => {
		expect(waitWebhookFor([{ url }, { id: 'x', url: 'not a url' }], KEY, request)).toBeUndefined();
	});
});

describe('screenDelivery: only a claimed incoming message from the asked number is worth asking about', () => {
	test('a text reply names its message', () => {
		expect(screenDelivery(question({ responseType: 'freeText' }), body({}))).toEqual({
			messageId: 'msg_9',
		});
	});

	test("a tap on this question's button names it; another question's button is refused", () => {
		const tap = (id: string) =>
			body({
				type: 'interactive',
				interactive: { type: 'button_reply', button_reply: { id, title: 'Decline' } },
			});
		expect(screenDelivery(question(), tap(declineButtonId('abc123')))).toEqual({
			messageId: 'msg_9',
			buttonId: 'abc123:decline',
		});
		expect(screenDelivery(question(), tap(declineButtonId('older')))).toEqual({
			reason: 'A button of another question',
		});
		expect(
			screenDelivery(question({ declineLabel: undefined }), tap(declineButtonId('abc123'))),
		).toEqual({ reason: 'A button of another question' });
	});

	test('other numbers, sessions, events, no id or no JSON are refused', () => {
		expect(screenDelivery(question(), body({ from: '+447700900222' }))).toEqual({
			reason: 'Not from the number that was asked',
		});
		expect(screenDelivery(question(), body({ session_id: 'sess_2' }))).toEqual({
			reason: 'Not on the session the question was sent from',
		});
		expect(screenDelivery(question(), body({}, 'message.sent'))).toEqual({
			reason: 'Event message.sent is not an answer',
		});
		expect(screenDelivery(question(), body({ message_id: undefined }))).toEqual({
			reason: 'A delivery without a message id',
		});
		expect(screenDelivery(question(), 'not json')).toEqual({ reason: 'Not a SendApi event' });
	});

	test('an integer message id is read as a string', () => {
		expect(screenDelivery(question(), body({ message_id: 31 }))).toEqual({ messageId: '31' });
	});
});

describe("judgeConfirmedMessage: SendApi's copy decides", () => {
	test('a tap stored as the Decline title declines; the answer comes from the copy', () => {
		const judgement = judgeConfirmedMessage(
			question(),
			claim({ buttonId: declineButtonId('abc123') }),
			stored(),
		);
		expect(judgement).toEqual({
			answer: true,
			output: {
				data: {
					approved: false,
					from: ASKED,
					session_id: 'sess_1',
					message_id: 'msg_9',
					answered_at: '2026-11-30T10:00:05.000Z',
					via: 'whatsapp',
				},
			},
		});
	});

	test('the Approve title approves, in any case; a delivery that names no button is judged by the title', () => {
		const judgement = judgeConfirmedMessage(
			question(),
			claim(),
			stored({ content: { body: ' approve ' } }),
		);
		expect(judgement.answer && judgement.output.data).toMatchObject({ approved: true });
	});

	test('a named button that disagrees with the copy, or a copy that is no button title, does not count', () => {
		expect(
			judgeConfirmedMessage(question(), claim({ buttonId: approveButtonId('abc123') }), stored()),
		).toEqual({ answer: false, reason: "The button named does not match SendApi's copy" });
		expect(
			judgeConfirmedMessage(question(), claim(), stored({ content: { body: 'maybe' } })),
		).toEqual({ answer: false, reason: "SendApi's copy is not one of the question's buttons" });
		expect(
			judgeConfirmedMessage(question({ declineLabel: undefined }), claim(), stored()),
		).toMatchObject({ answer: false });
	});

	test('free text takes the text SendApi stored, not what the delivery said', () => {
		const judgement = judgeConfirmedMessage(
			question({ responseType: 'freeText' }),
			claim(),
			stored({ type: 'text', content: { body: 'Tuesday at 10' } }),
		);
		expect(judgement.answer && judgement.output.data).toMatchObject({
			text: 'Tuesday at 10',
			from: ASKED,
		});
		expect(
			judgeConfirmedMessage(
				question({ responseType: 'freeText' }),
				claim(),
				stored({ content: { body: ' ' } }),
			),
		).toEqual({ answer: false, reason: 'A message without text' });
	});

	test('an unknown message, another message, an outgoing one, another number or session do not count', () => {
		expect(judgeConfirmedMessage(question(), claim(), undefined)).toEqual({
			answer: false,
			reason: 'SendApi knows no message msg_9',
		});
		expect(
			judgeConfirmedMessage(question(), claim(), stored({ id: 'msg_8', message_id: 'msg_8' })),
		).toEqual({ answer: false, reason: 'SendApi answered with another message' });
		expect(
			judgeConfirmedMessage(
				question(),
				claim(),
				stored({ direction: 'out', from: undefined, to: ASKED }),
			),
		).toEqual({ answer: false, reason: 'Not an incoming message' });
		expect(judgeConfirmedMessage(question(), claim(), stored({ from: '+447700900222' }))).toEqual({
			answer: false,
			reason: 'Not from the number that was asked',
		});
		expect(judgeConfirmedMessage(question(), claim(), stored({ session_id: 'sess_2' }))).toEqual({
			answer: false,
			reason: 'Not on the session the question was sent from',
		});
		expect(judgeConfirmedMessage(question({ sessionId: '' }), claim(), stored())).toEqual({
			answer: false,
			reason: 'Not on the session the question was sent from',
		});
	});

	test('created before the question, or without a time, does not count; the same second does', () => {
		expect(
			judgeConfirmedMessage(
				question(),
				claim(),
				stored({ created_at: '2026-11-30T09:59:59.999Z' }),
			),
		).toEqual({ answer: false, reason: 'Sent before the question' });
		expect(judgeConfirmedMessage(question(), claim(), stored({ created_at: undefined }))).toEqual({
			answer: false,
			reason: 'SendApi gives no time for the message',
		});
		expect(
			judgeConfirmedMessage(question(), claim(), stored({ created_at: '2026-11-30T10:00:00Z' }))
				.answer,
		).toBe(true);
		expect(
			judgeConfirmedMessage(
				question(),
				claim(),
				stored({ created_at: Date.parse('2026-11-30T10:00:01Z') / 1000 }),
			).answer,
		).toBe(true);
	});

	test('a copy numbered as integers (client-code dialect) matches by message_id', () => {
		const copy = stored({ id: 5, message_id: 5, session_id: 3 });
		expect(
			judgeConfirmedMessage(question({ sessionId: '3' }), claim({ messageId: '5' }), copy).answer,
		).toBe(true);
	});
});

describe('readStoredMessage', () => {
	test('reads direction words, content as a string and other time fields', () => {
		expect(
			readStoredMessage({
				message_id: 'm',
				direction: 'INBOUND',
				content: 'yes',
				received_at: 'x',
			}),
		).toEqual({
			ids: ['m'],
			incoming: true,
			from: undefined,
			sessionId: undefined,
			createdAt: 'x',
			text: 'yes',
		});
	});
});
