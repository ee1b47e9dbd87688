import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { apiRequest } from '../../transport';
import type { BulkMessageType, MessageFragment } from '../../transport/dialect';
import {
	BULK_MESSAGE_TYPES,
	MAX_BULK_RECIPIENTS,
	MIN_BULK_DELAY_MS,
	sendBulkBody,
	WHATSAPP_PREFIX,
} from '../../transport/dialect';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { forEachItem } from '../../helpers/items';
import { requireLocatorId } from '../../helpers/params';
import { inputError, requirePhoneList } from '../../helpers/validation';
import { sessionLocator } from '../common.descriptions';
import { messageContentFields, messagePayloadForItem, messageTypeField } from './messageContent';

const DELAY_LABEL = 'Delay Between Messages (Ms)';

const properties: INodeProperties[] = [
	sessionLocator(),
	{
		displayName: 'Recipients',
		name: 'recipients',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		placeholder: '+447700900000, +447700900001',
		description:
			'Phone numbers with country code, separated by commas or new lines, or an expression that returns a list. More than 500 are sent in several batches.',
	},
	messageTypeField(BULK_MESSAGE_TYPES),
	...messageContentFields(BULK_MESSAGE_TYPES),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: DELAY_LABEL,
				name: 'delayMs',
				type: 'number',
				typeOptions: { minValue: MIN_BULK_DELAY_MS },
				default: 1500,
				description: 'How long SendApi waits between two messages of a batch. At least 500.',
			},
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['message'], operation: ['sendBulk'] } },
	properties,
);

/** Each input item sends one message to its recipients: one `/send-bulk` call per 500 of them. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await forEachItem(this, items, async (i) => {
		const sessionId = requireLocatorId(this, 'session', i);
		const recipients = requirePhoneList(
			this,
			this.getNodeParameter('recipients', i, ''),
			i,
			'Recipients',
		);
		const type = this.getNodeParameter('messageType', i) as BulkMessageType;
		const message = await messagePayloadForItem(this, i, type);
		const delayMs = readDelayMs(this, i);
		return await sendInBatches(this, i, { sessionId, recipients, message, delayMs });
	});
}

async function sendInBatches(
	context: IExecuteFunctions,
	itemIndex: number,
	send: { sessionId: string; recipients: string[]; message: MessageFragment; delayMs?: number },
): Promise<IDataObject[]> {
	const batches: IDataObject[] = [];
	for (const recipients of inChunks(send.recipients, MAX_BULK_RECIPIENTS)) {
		try {
			const answer = await apiRequest.call(context, 'POST', `${WHATSAPP_PREFIX}/send-bulk`, {
				body: sendBulkBody(send.sessionId, recipients, send.message, send.delayMs),
				itemIndex,
			});
			batches.push({ ...answer, recipients });
		} catch (error) {
			throw withQueuedBatches(error, batches);
		}
	}
	return batches;
}

/**
 * A later batch failed after earlier ones were queued: say so, because running the item again
 * would message those recipients a second time.
 */
function withQueuedBatches(error: Error & { description?: string | null }, queued: IDataObject[]) {
	if (queued.length === 0) return error;
	const ids = queued.map(
		(batch) =>
			`${String(batch.batch_id ?? '?')} (${(batch.recipients as string[]).length} recipients)`,
	);
	const note = `Already queued before this failure: ${ids.join(', ')}. Running this item again sends to them again.`;
	error.description = [error.description, note].filter(Boolean).join(' ');
	return error;
}

function readDelayMs(context: IExecuteFunctions, itemIndex: number): number | undefined {
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	if (options.delayMs === undefined || options.delayMs === '') return undefined;
	const delay = Number(options.delayMs);
	if (!Number.isInteger(delay) || delay < MIN_BULK_DELAY_MS) {
		throw inputError(
			context,
			itemIndex,
			DELAY_LABEL,
			`is ${String(options.delayMs)}; it must be a whole number of at least ${MIN_BULK_DELAY_MS}`,
			'SendApi refuses shorter pauses between messages. Remove the option to use its default (1500).',
		);
	}
	return delay;
}

function inChunks<T>(list: T[], size: number): T[][] {
	const chunks: T[][] = [];
	for (let start = 0; start < list.length; start += size)
		chunks.push(list.slice(start, start + size));
	return chunks;
}
