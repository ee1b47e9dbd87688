import { randomBytes } from 'crypto';
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { WAIT_INDEFINITELY } from 'n8n-workflow';

import { toIsoDateTime } from '../../helpers/dates';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { requireLocatorId } from '../../helpers/params';
import { inputError, requirePhone, requireText } from '../../helpers/validation';
import { buildMessagePayload } from '../../message/buildMessage';
import { asInputError } from '../../message/inputError';
import { MAX_BUTTON_TITLE, visibleLength } from '../../message/interactive';
import { apiRequest } from '../../transport';
import { WHATSAPP_PREFIX } from '../../transport/wire/envelope';
import { readMessageId } from '../../transport/wire/ids';
import type { MessageFragment } from '../../transport/wire/messageBodies';
import { sendBody } from '../../transport/wire/messageBodies';
import type { ResponseType, WaitRecord } from '../../sendAndWait/answer';
import { approveButtonId, declineButtonId } from '../../sendAndWait/answer';
import { NONCE_PARAM, ownerParams, resumeBaseOf } from '../../sendAndWait/ownership';
import { APPROVE_PARAM } from '../../sendAndWait/pages';
import { approvalLabels, credentialApiKey } from '../../sendAndWait/question';
import { keepWaitRecord } from '../../sendAndWait/store';
import { readWaitLimit, waitDeadline } from '../../sendAndWait/waitTime';
import { registerWaitWebhook, removeEndedWaits } from '../../sendAndWait/waitRegistration';
import { deleteAccountWebhook } from '../../transport/accountWebhooks';
import { replyToSenderFields } from '../common.descriptions';

/**
 * Parameter names follow n8n's own send-and-wait operations (`message`, `responseType`,
 * `approvalOptions`, `options.limitWaitTime`): n8n 2.x builds its "Human review" tool for AI
 * agents from any node with a `sendAndWait` operation and reads these names.
 */
const properties: INodeProperties[] = [
	...replyToSenderFields({
		session:
			'The connected WhatsApp number (SendApi session) to ask from. Defaults to the session of the message that triggered the workflow.',
		to: 'The phone number to ask, with country code. Only an answer from this number counts.',
	}),
	{
		displayName: 'Message',
		name: 'message',
		type: 'string',
		default: '',
		required: true,
		typeOptions: { rows: 4 },
		description: 'The question, e.g. "Approve the refund of order 1234?"',
	},
	{
		displayName: 'Response Type',
		name: 'responseType',
		type: 'options',
		default: 'approval',
		options: [
			{
				name: 'Approval',
				value: 'approval',
				description: 'The recipient approves or declines',
			},
			{
				name: 'Free Text',
				value: 'freeText',
				description: 'The recipient answers in their own words',
			},
		],
	},
	{
		displayName: 'Answer Via',
		name: 'answerVia',
		type: 'options',
		default: 'whatsapp',
		options: [
			{
				name: 'WhatsApp Reply',
				value: 'whatsapp',
				description:
					'The recipient taps a reply button or writes back in WhatsApp. Registers a SendApi webhook for the wait (removed after it).',
			},
			{
				name: 'Link',
				value: 'link',
				description: 'The message carries links that open an answer page in n8n',
			},
		],
	},
	{
		displayName: 'Approval Options',
		name: 'approvalOptions',
		type: 'fixedCollection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show: { responseType: ['approval'] } },
		options: [
			{
				displayName: 'Values',
				name: 'values',
				values: [
					{
						displayName: 'Type of Approval',
						name: 'approvalType',
						type: 'options',
						default: 'double',
						options: [
							{ name: 'Approve Only', value: 'single' },
							{ name: 'Approve and Decline', value: 'double' },
						],
					},
					{
						displayName: 'Approve Button Label',
						name: 'approveLabel',
						type: 'string',
						default: 'Approve',
						description:
							'The reply button’s title: at most 20 characters when answered via WhatsApp Reply',
					},
					{
						displayName: 'Decline Button Label',
						name: 'disapproveLabel',
						type: 'string',
						default: 'Decline',
						description:
							'The reply button’s title: at most 20 characters when answered via WhatsApp Reply',
						displayOptions: { show: { approvalType: ['double'] } },
					},
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Limit Wait Time',
				name: 'limitWaitTime',
				type: 'fixedCollection',
				default: {
					values: { limitType: 'afterTimeInterval', resumeAmount: 45, resumeUnit: 'minutes' },
				},
				description:
					'Whether to stop waiting after a while. Then the workflow goes on with this node’s input items unchanged, without a data field.',
				options: [
					{
						displayName: 'Values',
						name: 'values',
						values: [
							{
								displayName: 'Limit Type',
								name: 'limitType',
								type: 'options',
								default: 'afterTimeInterval',
								options: [
									{ name: 'After Time Interval', value: 'afterTimeInterval' },
									{ name: 'At Specified Time', value: 'atSpecifiedTime' },
								],
							},
							{
								displayName: 'Amount',
								name: 'resumeAmount',
								type: 'number',
								default: 1,
								typeOptions: { minValue: 0, numberPrecision: 2 },
								displayOptions: { show: { limitType: ['afterTimeInterval'] } },
							},
							{
								displayName: 'Unit',
								name: 'resumeUnit',
								type: 'options',
								default: 'hours',
								options: [
									{ name: 'Minutes', value: 'minutes' },
									{ name: 'Hours', value: 'hours' },
									{ name: 'Days', value: 'days' },
								],
								displayOptions: { show: { limitType: ['afterTimeInterval'] } },
							},
							{
								displayName: 'Max Date and Time',
								name: 'maxDateAndTime',
								type: 'dateTime',
								default: '',
								description: 'Stop waiting at this date and time (the workflow’s time zone)',
								displayOptions: { show: { limitType: ['atSpecifiedTime'] } },
							},
						],
					},
				],
			},
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['message'], operation: ['sendAndWait'] } },
	properties,
);

interface Question {
	sessionId: string;
	to: string;
	message: string;
	responseType: ResponseType;
	approveLabel: string;
	declineLabel?: string;
	/** Epoch ms, 0 without a limit. */
	deadline: number;
}

/**
 * Sends one question (from the first input item, as n8n's send-and-wait operations do) and puts
 * the execution to wait. The node's output after the wait is what its webhook() returns.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const now = Date.now();
	const question = readQuestion(this, now);
	const via = this.getNodeParameter('answerVia', 0, 'whatsapp') as string;
	if (via !== 'link') requireButtonLabelsFit(this, question);
	if (via === 'link') await askWithLinks(this, question);
	else await askOverWhatsApp(this, question, now);
	await this.putExecutionToWait(
		question.deadline > 0 ? new Date(question.deadline) : WAIT_INDEFINITELY,
	);
	return items.map((item, index) => ({ ...item, pairedItem: { item: index } }));
}

function readQuestion(context: IExecuteFunctions, now: number): Question {
	const sessionId = requireLocatorId(context, 'session', 0);
	const to = requirePhone(context, context.getNodeParameter('to', 0, ''), 0, 'To');
	const message = requireText(context, context.getNodeParameter('message', 0, ''), 0, 'Message');
	const responseType = context.getNodeParameter('responseType', 0, 'approval') as ResponseType;
	const approval = context.getNodeParameter('approvalOptions.values', 0, {}) as IDataObject;
	const labels = approvalLabels(approval);
	// A reply forwarded as its title only is told apart by the label (sendAndWait/answer.ts).
	if (labels.declineLabel?.toLowerCase() === labels.approveLabel.toLowerCase()) {
		throw inputError(
			context,
			0,
			'Decline Button Label',
			'is the same as Approve Button Label',
			'Give the two buttons different labels.',
		);
	}
	return {
		sessionId,
		to,
		message,
		responseType,
		...labels,
		deadline: readDeadline(context, now),
	};
}

/** Reply-button titles WhatsApp would refuse are refused here, before anything is registered or sent. */
function requireButtonLabelsFit(context: IExecuteFunctions, question: Question): void {
	if (question.responseType !== 'approval') return;
	const labels: Array<[string, string | undefined]> = [
		['Approve Button Label', question.approveLabel],
		['Decline Button Label', question.declineLabel],
	];
	for (const [field, label] of labels) {
		const length = label === undefined ? 0 : visibleLength(label);
		if (length <= MAX_BUTTON_TITLE) continue;
		throw inputError(
			context,
			0,
			field,
			`is ${length} characters long; WhatsApp allows reply-button titles of at most ${MAX_BUTTON_TITLE}`,
			`Shorten "${label}" to ${MAX_BUTTON_TITLE} characters or fewer, or answer via Link.`,
		);
	}
}

function readDeadline(context: IExecuteFunctions, now: number): number {
	const options = context.getNodeParameter('options', 0, {}) as IDataObject;
	const limit = readWaitLimit(options);
	if (!limit) return 0;
	const timeZone = context.getTimezone();
	const result = waitDeadline(limit, now, (value) => toIsoDateTime(value, timeZone));
	if ('problem' in result) {
		throw inputError(
			context,
			0,
			'Limit Wait Time',
			`is not usable: ${result.problem}`,
			'Choose a time limit in the future.',
		);
	}
	return result.deadline;
}

async function askOverWhatsApp(context: IExecuteFunctions, question: Question, now: number) {
	const apiKey = await credentialApiKey(context);
	await removeEndedWaits.call(context, apiKey, now);

	const nonce = randomBytes(8).toString('hex');
	const url = waitUrl(context, apiKey, { createdAt: now, deadline: question.deadline, nonce });
	const fragment = questionFragment(context, question, nonce);
	const webhook = await registerWaitWebhook.call(context, url);
	let questionMessageId: string | undefined;
	let asked = false;
	// What the URL says (its creation, a little earlier) is what the resumed webhook() can read.
	const askedAt = now;
	try {
		questionMessageId = await sendQuestion(context, question, fragment);
		asked = true;
	} finally {
		// No question went out, so nobody can answer: the webhook is ours to remove right away.
		if (!asked) await deleteAccountWebhook.call(context, webhook.id).catch(() => undefined);
	}
	const record: WaitRecord = {
		executionId: context.getExecutionId(),
		webhookId: webhook.id,
		secret: webhook.secret,
		to: question.to,
		sessionId: question.sessionId,
		askedAt,
		nonce,
		responseType: question.responseType,
		approveLabel: question.approveLabel,
		declineLabel: question.declineLabel,
		deadline: question.deadline,
		questionMessageId,
	};
	keepWaitRecord(context, apiKey, record);
}

/** Approval: an interactive message with reply buttons whose ids carry this question's nonce. */
function questionFragment(
	context: IExecuteFunctions,
	question: Question,
	nonce: string,
): MessageFragment {
	try {
		if (question.responseType !== 'approval') {
			return buildMessagePayload({ type: 'text', text: question.message });
		}
		const buttons = [{ id: approveButtonId(nonce), title: question.approveLabel }];
		if (question.declineLabel !== undefined) {
			buttons.push({ id: declineButtonId(nonce), title: question.declineLabel });
		}
		return buildMessagePayload({
			type: 'interactive',
			kind: 'button',
			body: question.message,
			buttons,
		});
	} catch (error) {
		throw asInputError(context, 0, error as Error);
	}
}

/** Link mode: a text message with the links to n8n's answer pages (no link preview asked for). */
async function askWithLinks(context: IExecuteFunctions, question: Question) {
	const lines = [question.message, ''];
	if (question.responseType === 'approval') {
		lines.push(`${question.approveLabel}: ${resumeUrl(context, { [APPROVE_PARAM]: 'true' })}`);
		if (question.declineLabel !== undefined) {
			lines.push(`${question.declineLabel}: ${resumeUrl(context, { [APPROVE_PARAM]: 'false' })}`);
		}
	} else {
		lines.push(`Answer here: ${resumeUrl(context, {})}`);
	}
	const fragment = buildMessagePayload({ type: 'text', text: lines.join('\n'), previewUrl: false });
	await sendQuestion(context, question, fragment);
}

async function sendQuestion(
	context: IExecuteFunctions,
	question: Question,
	fragment: MessageFragment,
): Promise<string | undefined> {
	const answer = await apiRequest.call(context, 'POST', `${WHATSAPP_PREFIX}/send`, {
		body: sendBody(question.sessionId, question.to, fragment),
		itemIndex: 0,
	});
	return readMessageId(answer);
}

/** The waiting URL SendApi delivers to: n8n's, marked as ours (sendAndWait/ownership.ts), signed by n8n. */
function waitUrl(
	context: IExecuteFunctions,
	apiKey: string,
	wait: { createdAt: number; deadline: number; nonce: string },
): string {
	const base = resumeBaseOf(new URL(resumeUrl(context, {})));
	return resumeUrl(context, { ...ownerParams(apiKey, base, wait), [NONCE_PARAM]: wait.nonce });
}

/**
 * This execution's waiting URL for this node. n8n signs it (`getSignedResumeUrl`, in n8n-core
 * since 1.x's send-and-wait) and checks the signature on every request to a send-and-wait node;
 * where a runtime lacks it, the unsigned `$execution.resumeUrl` + node id is what n8n serves.
 */
function resumeUrl(context: IExecuteFunctions, parameters: Record<string, string>): string {
	if (typeof context.getSignedResumeUrl === 'function')
		return context.getSignedResumeUrl(parameters);
	const base = String(context.evaluateExpression('{{ $execution.resumeUrl }}', 0));
	const url = new URL(`${base}/${encodeURIComponent(context.getNode().id)}`);
	for (const [key, value] of Object.entries(parameters)) url.searchParams.set(key, value);
	return url.toString();
}
