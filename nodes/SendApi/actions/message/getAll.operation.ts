import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { apiRequestAllItems } from '../../transport';
import { WHATSAPP_PREFIX } from '../../transport/wire/envelope';
import type { MessageFilters } from '../../transport/wire/messageBodies';
import { messagesQuery } from '../../transport/wire/messageBodies';
import { toIsoDateTime } from '../../helpers/dates';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { forEachItem } from '../../helpers/items';
import { getListOptions } from '../../helpers/params';
import { inputError } from '../../helpers/validation';
import { sessionLocator } from '../../methods/resourceLocators';
import { returnAllOrLimit } from '../common.descriptions';

const properties: INodeProperties[] = [
	sessionLocator({
		required: false,
		description:
			'Only messages of this WhatsApp number (SendApi session). Leave empty for all sessions.',
	}),
	...returnAllOrLimit,
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'Direction',
				name: 'direction',
				type: 'options',
				options: [
					{ name: 'Incoming', value: 'in' },
					{ name: 'Outgoing', value: 'out' },
				],
				default: 'in',
			},
			{
				displayName: 'From Date',
				name: 'fromDate',
				type: 'dateTime',
				default: '',
				description: 'Only messages from this moment on',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: [
					{ name: 'Accepted', value: 'accepted' },
					{ name: 'Delivered', value: 'delivered' },
					{ name: 'Failed', value: 'failed' },
					{ name: 'Read', value: 'read' },
				],
				default: 'delivered',
			},
			{
				displayName: 'To Date',
				name: 'toDate',
				type: 'dateTime',
				default: '',
				description: 'Only messages up to this moment',
			},
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['message'], operation: ['getAll'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await forEachItem(this, items, async (i) => {
		return await apiRequestAllItems.call(
			this,
			`${WHATSAPP_PREFIX}/messages`,
			messagesQuery(readFilters(this, i)),
			{
				itemIndex: i,
				...getListOptions(this, i),
			},
		);
	});
}

function readFilters(context: IExecuteFunctions, itemIndex: number): MessageFilters {
	const session = context.getNodeParameter('session', itemIndex, '', {
		extractValue: true,
	}) as unknown;
	const filters = context.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const fromDate = readDate(context, itemIndex, filters.fromDate, 'From Date');
	const toDate = readDate(context, itemIndex, filters.toDate, 'To Date');
	if (fromDate && toDate && fromDate > toDate) {
		throw inputError(
			context,
			itemIndex,
			'From Date',
			`(${fromDate}) is after To Date (${toDate})`,
			'Swap the two dates.',
		);
	}
	const sessionId =
		typeof session === 'number'
			? String(session)
			: typeof session === 'string'
				? session.trim()
				: '';
	return {
		sessionId: sessionId === '' ? undefined : sessionId,
		direction: filters.direction as MessageFilters['direction'],
		status: filters.status as string | undefined,
		fromDate,
		toDate,
	};
}

/** n8n dateTime values are wall-clock times in the workflow's time zone; SendApi gets UTC ISO. */
function readDate(context: IExecuteFunctions, itemIndex: number, value: unknown, field: string) {
	if (value === undefined || value === null || value === '') return undefined;
	const iso = toIsoDateTime(value, context.getTimezone());
	if (iso === undefined) {
		throw inputError(
			context,
			itemIndex,
			field,
			`"${String(value)}" is not a date`,
			'Pick a date, or use an ISO 8601 date such as 2024-05-01T09:00:00Z.',
		);
	}
	return iso;
}
