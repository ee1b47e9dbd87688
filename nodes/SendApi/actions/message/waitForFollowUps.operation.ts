import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { updateDisplayOptions } from '../../helpers/displayOptions';
import { forEachItem } from '../../helpers/items';
import { requireLocatorId } from '../../helpers/params';
import { inputError, requirePhone } from '../../helpers/validation';
import { mediaProperties, mediaSettings } from '../../inbound/mediaOptions';
import { awaitBurst } from '../../followUps/awaitBurst';
import { burstItem } from '../../followUps/burstItem';
import { ownMessageItem, readOwnMessage } from '../../followUps/ownMessage';
import type { FollowUpRequest } from '../../followUps/senderHistory';
import { MAX_MAX_WAIT_S, MAX_QUIET_PERIOD_S } from '../../followUps/timing';
import { replyToSenderFields } from '../common.descriptions';

const properties: INodeProperties[] = [
	...replyToSenderFields({
		session:
			'The connected WhatsApp number (SendApi session) the messages arrive on. Defaults to the session of the message that triggered the workflow.',
		to: 'The phone number whose messages to collect. Defaults to the sender of the message that triggered the workflow.',
		toLabel: { displayName: 'Sender', name: 'sender' },
	}),
	{
		displayName: 'Quiet Period (Seconds)',
		name: 'quietPeriod',
		type: 'number',
		default: 5,
		typeOptions: { minValue: 1, maxValue: MAX_QUIET_PERIOD_S },
		description:
			'The workflow goes on once the sender has sent nothing more for this long; every new message starts the period again',
	},
	{
		displayName: 'Max Wait (Seconds)',
		name: 'maxWait',
		type: 'number',
		default: 30,
		typeOptions: { minValue: 1, maxValue: MAX_MAX_WAIT_S },
		description:
			'A burst ends this long after its first message even if the sender keeps typing, so a chatty sender still gets an answer',
	},
	...mediaProperties,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['message'], operation: ['waitForFollowUps'] } },
	properties,
);

/**
 * Put right after SendApi Trigger (Message Received). Each execution waits a Quiet Period, reads
 * the sender's history, and only the execution of the burst's last message outputs an item (the
 * whole burst); every other one outputs nothing, so nothing after this node runs for it.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await forEachItem(this, items, async (i) => {
		const request = readRequest(this, items[i], i);
		const outcome = await awaitBurst.call(this, request, i);
		if (outcome.kind === 'stop') return [];
		const target = { sessionId: request.sessionId, sender: request.sender };
		if (outcome.kind === 'unavailable') {
			return ownMessageItem(items[i], target, readOwnMessage(items[i].json), outcome.reason);
		}
		return await burstItem.call(this, request, outcome.burst, () =>
			mediaSettings((name, fallback) => this.getNodeParameter(name, i, fallback)),
		);
	});
}

function readRequest(
	context: IExecuteFunctions,
	item: INodeExecutionData,
	i: number,
): FollowUpRequest {
	const sessionId = requireLocatorId(context, 'session', i);
	const sender = requirePhone(context, context.getNodeParameter('sender', i, ''), i, 'Sender');
	const quiet = readSeconds(context, i, 'quietPeriod', 'Quiet Period', MAX_QUIET_PERIOD_S);
	const maxWait = readSeconds(context, i, 'maxWait', 'Max Wait', MAX_MAX_WAIT_S);
	const own = readOwnMessage(item.json);
	if (own.id === undefined) {
		throw inputError(
			context,
			i,
			'Input',
			'has no message_id',
			'Put Wait for Follow-up Messages right after SendApi Trigger (Message Received): it needs the message_id of the message that started the workflow.',
		);
	}
	return {
		sessionId,
		sender,
		messageId: own.id,
		messageTime: own.time,
		quietMs: quiet * 1000,
		maxWaitMs: maxWait * 1000,
	};
}

function readSeconds(
	context: IExecuteFunctions,
	i: number,
	name: string,
	label: string,
	max: number,
): number {
	const value = Number(context.getNodeParameter(name, i));
	if (!Number.isFinite(value) || value <= 0 || value > max) {
		throw inputError(
			context,
			i,
			label,
			`must be more than 0 and at most ${max} seconds (it is ${String(context.getNodeParameter(name, i))})`,
			label === 'Quiet Period'
				? `The wait runs inside the execution, as n8n's Wait node does for waits under a minute. Choose at most ${max} seconds.`
				: `Choose at most ${max} seconds.`,
		);
	}
	return value;
}
