/**
 * The SendApi node's webhook(): n8n calls it for requests to the waiting URL of an execution that
 * a Send and Wait put to wait. Returning `workflowData` resumes the execution with it as the
 * node's output; returning without it answers the request and leaves the execution waiting.
 */
import type {
	IDataObject,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { normalisePhone } from '../helpers/phone';
import { readRawBody } from '../inbound/rawBody';
import { readSignature } from '../inbound/signature';
import { deleteAccountWebhook, listAccountWebhooks } from '../transport/accountWebhooks';
import type { ResponseType, WaitRecord } from './answer';
import { judgeDelivery } from './answer';
import type { WaitQuestion } from './confirmed';
import { judgeConfirmedMessage, screenDelivery, waitWebhookFor } from './confirmed';
import { CREATED_PARAM, DEADLINE_PARAM, NONCE_PARAM, STILL_WAITING } from './ownership';
import { APPROVE_PARAM, approvalPage, freeTextPage, recordedPage } from './pages';
import { approvalLabels, credentialApiKey } from './question';
import { forgetWaitRecord, recordInProcess, sealedWebhookOf } from './store';
import { storedMessage } from './waitRegistration';

/**
 * The node's webhooks, as n8n's own send-and-wait operations declare theirs (one shared
 * description): restart webhooks on the path of the node's id, so n8n serves them only at
 * `/webhook-waiting/<execution id>/<node id>` while an execution of this node waits, and never
 * registers them when a workflow is activated. They are not a trigger's webhooks: there is no
 * lifecycle (`webhookMethods`) for n8n to run. The SendApi webhook a WhatsApp-reply wait registers
 * is created and removed by the operation itself (waitRegistration.ts).
 */
export const sendAndWaitWebhooks: IWebhookDescription[] = (['GET', 'POST'] as const).map(
	(httpMethod) => ({
		name: 'default',
		httpMethod,
		responseMode: 'onReceived',
		// Empty, as n8n's own send-and-wait nodes have it: a resumed run is then answered with
		// webhook()'s `webhookResponse`, not n8n's default text `firstEntryJson`
		responseData: '',
		path: '={{ $nodeId }}',
		restartWebhook: true,
		isFullPath: true,
	}),
);

export async function sendAndWaitWebhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const via = this.getNodeParameter('answerVia', 'whatsapp') as string;
	return via === 'link' ? await linkAnswer.call(this) : await whatsAppAnswer.call(this);
}

/** SendApi's delivery of an incoming message, while the execution waits for a WhatsApp reply. */
async function whatsAppAnswer(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const request = this.getRequestObject();
	// A GET is the clean-up asking whether this execution still waits (ownership.ts).
	if (request.method !== 'POST') return keepWaiting(STILL_WAITING);

	const found = await waitRecordOf(this);
	if ('missing' in found)
		return keepWaiting(`No question of this node can be answered here: ${found.missing}`);
	const rawBody = await readRawBody(this);
	if (!rawBody || rawBody.length === 0) return keepWaiting('Empty body');
	if ('question' in found) return await confirmedAnswer(this, found.question, rawBody);

	const { record } = found;
	const signature = readSignature(this);
	const judgement = judgeDelivery(record, rawBody, signature);
	if (!judgement.answer) return keepWaiting(judgement.reason);
	return await answered(this, record.webhookId, judgement.output);
}

/**
 * The record is gone (no secret to check the signature with): the delivery counts only once
 * SendApi's API confirms it (confirmed.ts). A failing API call answers 503, so SendApi
 * delivers the answer again rather than it being lost.
 */
async function confirmedAnswer(
	context: IWebhookFunctions,
	question: WaitQuestion,
	rawBody: Buffer,
): Promise<IWebhookResponseData> {
	const claim = screenDelivery(question, rawBody);
	if ('reason' in claim) return keepWaiting(claim.reason);
	try {
		const apiKey = await credentialApiKey(context);
		const webhookId = waitWebhookFor(await listAccountWebhooks.call(context), apiKey, {
			executionId: context.getExecutionId(),
			nodeId: context.getNode().id,
			query: context.getQueryData() as IDataObject,
		});
		if (webhookId === undefined) {
			return keepWaiting(
				'No SendApi webhook of this wait is registered for this URL with this credential',
			);
		}
		const stored = await storedMessage.call(context, claim.messageId);
		const judgement = judgeConfirmedMessage(question, claim, stored);
		if (!judgement.answer) return keepWaiting(judgement.reason);
		return await answered(context, webhookId, judgement.output);
	} catch (error) {
		return retryLater(
			context,
			`SendApi could not confirm the message: ${(error as Error).message}`,
		);
	}
}

/** Resumes the execution with the answer, after removing the wait's webhook and record. */
async function answered(
	context: IWebhookFunctions,
	webhookId: string,
	output: IDataObject,
): Promise<IWebhookResponseData> {
	try {
		await deleteAccountWebhook.call(context, webhookId);
	} catch {
		// Left for the next Send and Wait's clean-up (its URL says its execution has finished).
	}
	forgetWaitRecord(context);
	return {
		webhookResponse: { received: true, message: 'Answer recorded' },
		workflowData: [[{ json: output }]],
	};
}

type FoundRecord = { record: WaitRecord } | { question: WaitQuestion } | { missing: string };

/**
 * The asking run's record: from this process, else rebuilt from what survives in the waiting
 * execution (store.ts): the sealed webhook id and secret, the signed URL's query, the node's
 * parameters. Without the sealed secret (n8n 1.x after a restart) only the question is rebuilt,
 * for an answer SendApi's API confirms.
 */
async function waitRecordOf(context: IWebhookFunctions): Promise<FoundRecord> {
	const executionId = context.getExecutionId();
	const kept = recordInProcess(executionId, context.getNode().id);
	if (kept) return { record: kept };
	const question = questionOf(context);
	if ('missing' in question) return question;
	const sealed = sealedWebhookOf(context, await credentialApiKey(context));
	if (sealed === 'absent' || sealed === 'unreadable') return { question };
	return {
		record: { ...question, executionId, webhookId: sealed.webhookId, secret: sealed.secret },
	};
}

/** The question, from the waiting URL's query and the node's parameters. */
function questionOf(context: IWebhookFunctions): WaitQuestion | { missing: string } {
	const query = context.getQueryData() as IDataObject;
	const askedAt = Number(query[CREATED_PARAM]);
	const nonce = query[NONCE_PARAM];
	if (!Number.isFinite(askedAt) || typeof nonce !== 'string') {
		return { missing: 'this URL is not one a Send and Wait registered' };
	}
	const to = normalisePhone(context.getNodeParameter('to', ''));
	if (!to.ok) return { missing: 'the number asked (To) is not a phone number' };
	const session = context.getNodeParameter('session', '', { extractValue: true }) as unknown;
	const sessionId = String(session ?? '').trim();
	if (sessionId === '') return { missing: 'the session asked from is empty' };
	return {
		to: to.e164,
		sessionId,
		askedAt,
		nonce,
		responseType: context.getNodeParameter('responseType', 'approval') as ResponseType,
		...approvalLabels(context.getNodeParameter('approvalOptions.values', {}) as IDataObject),
		deadline: Number(query[DEADLINE_PARAM]) || 0,
	};
}

/** 503: SendApi is asked to deliver again (the execution keeps waiting meanwhile). */
function retryLater(context: IWebhookFunctions, message: string): IWebhookResponseData {
	const response = context.getResponseObject();
	response.status(503);
	response.setHeader('Content-Type', 'application/json');
	response.send(JSON.stringify({ received: false, waiting: true, message }));
	return { noWebhookResponse: true };
}

/** 200 for SendApi (it must not retry what was deliberately skipped); the execution keeps waiting. */
function keepWaiting(message: string): IWebhookResponseData {
	return { webhookResponse: { received: false, waiting: true, message } };
}

/**
 * Link mode. GET shows a page (approval: a confirm button; free text: a form); only the page's
 * POST records the answer, so link-preview robots (GET only) never answer for the recipient.
 */
async function linkAnswer(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const request = this.getRequestObject();
	const responseType = this.getNodeParameter('responseType', 'approval') as string;
	const question = String(this.getNodeParameter('message', '') ?? '');
	const query = this.getQueryData() as IDataObject;
	const approve = String(query[APPROVE_PARAM] ?? '') === 'true';

	if (responseType === 'approval') {
		if (request.method !== 'POST') {
			return htmlPage(this, approvalPage(question, approve, approvalLabel(this, approve)));
		}
		return resume(this, { approved: approve });
	}

	if (request.method !== 'POST') return htmlPage(this, freeTextPage(question));
	const text = postedText(this.getBodyData());
	if (!text) return htmlPage(this, freeTextPage(question, 'Please write an answer.'));
	return resume(this, { text });
}

function approvalLabel(context: IWebhookFunctions, approve: boolean): string {
	const options = context.getNodeParameter('approvalOptions.values', {}) as IDataObject;
	const label = approve ? options.approveLabel : options.disapproveLabel;
	return typeof label === 'string' && label.trim() ? label : approve ? 'Approve' : 'Decline';
}

function postedText(body: IDataObject | undefined): string | undefined {
	const text = body?.text;
	return typeof text === 'string' && text.trim() !== '' ? text : undefined;
}

function resume(context: IWebhookFunctions, answer: IDataObject): IWebhookResponseData {
	htmlResponse(context, recordedPage());
	const data = { ...answer, answered_at: new Date().toISOString(), via: 'link' };
	return { noWebhookResponse: true, workflowData: [[{ json: { data } }]] };
}

function htmlPage(context: IWebhookFunctions, html: string): IWebhookResponseData {
	htmlResponse(context, html);
	return { noWebhookResponse: true };
}

function htmlResponse(context: IWebhookFunctions, html: string): void {
	const response = context.getResponseObject();
	response.status(200);
	response.setHeader('Content-Type', 'text/html; charset=utf-8');
	response.send(html);
}
