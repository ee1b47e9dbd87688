/**
 * The Send Bulk fields that are not message content: the sessions to send from, the plan limits
 * to pace to, and the options. Content fields are shared with Send (actions/message/content/).
 */
import type { INodeProperties } from 'n8n-workflow';

import { MIN_BULK_DELAY_MS } from '../../../transport/wire/messageBodies';
import { sessionLocatorModes } from '../../../methods/resourceLocators';

export const SESSIONS_LABEL = 'Sessions';
export const DELAY_LABEL = 'Delay Between Bulk Messages (Ms)';

/** One session picker inside the Sessions list; By ID also takes several IDs, comma-separated. */
const sessionEntry: INodeProperties = {
	displayName: 'Session',
	name: 'id',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	description: 'A connected WhatsApp number (SendApi session) to send from',
	...sessionLocatorModes('sess_abc123, sess_def456', false),
};

export const sessionsField: INodeProperties = {
	displayName: SESSIONS_LABEL,
	name: 'sessions',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	placeholder: 'Add Session',
	default: {},
	required: true,
	description:
		'The WhatsApp numbers to send from. Rows are spread over them, and each has its own anti-ban limits, so more sessions send faster. By ID also takes a comma-separated list.',
	options: [{ displayName: 'Session', name: 'session', values: [sessionEntry] }],
};

export const recipientField: INodeProperties = {
	displayName: 'To',
	name: 'to',
	type: 'string',
	default: '={{ $json.phone }}',
	required: true,
	placeholder: '+447700900000',
	description:
		"Each row's recipient, with country code. Defaults to the row's phone column; map another column with an expression.",
};

/**
 * What the Custom plan's limit fields share: no negative numbers (0 is no limit), Custom plan only.
 * Declared before planFields, whose initialiser calls customLimitFields().
 */
const customLimit = {
	typeOptions: { minValue: 0 },
	displayOptions: { show: { plan: ['custom'] } },
} satisfies Partial<INodeProperties>;

export const planFields: INodeProperties[] = [
	{
		displayName: 'Plan',
		name: 'plan',
		type: 'options',
		options: [
			{
				name: 'Business',
				value: 'business',
				description: '200 messages/min, 50,000/day, 1,000 requests/min',
			},
			{
				name: 'Custom',
				value: 'custom',
				description: 'Enter the limits of your account',
			},
			{
				name: 'Enterprise',
				value: 'enterprise',
				description:
					'2,000 requests/min; message limits are not published, 1,000/min and 500,000/day are assumed',
			},
			{
				name: 'Growth',
				value: 'growth',
				description: '60 messages/min, 5,000/day, 300 requests/min',
			},
			{
				name: 'Starter',
				value: 'starter',
				description: '10 messages/min, 500/day, 60 requests/min',
			},
		],
		default: 'starter',
		// A whole literal, not a template: n8n's node lint (run by its verification gate) cannot see
		// what a `${…}` puts in, so it would misjudge the final period.
		description:
			'Your SendApi plan: the node sends as fast as its limits allow and never faster. Limits are counted per minute (or per Rate Window, see Options).',
	},
	...customLimitFields(),
];

/**
 * Written out field by field, each with its whole description, so n8n's node lint (which sees
 * object literals, not what a helper would assemble) checks every one of them.
 */
function customLimitFields(): INodeProperties[] {
	return [
		{
			displayName: 'Messages per Minute',
			name: 'planMessagesPerMinute',
			type: 'number',
			default: 10,
			description: 'Messages the plan allows per minute, all sessions together. 0 means no limit.',
			...customLimit,
		},
		{
			displayName: 'Messages per Day',
			name: 'planMessagesPerDay',
			type: 'number',
			default: 500,
			description: 'Messages the plan allows per day, all sessions together. 0 means no limit.',
			...customLimit,
		},
		{
			displayName: 'Requests per Minute',
			name: 'requestsPerMinute',
			type: 'number',
			default: 60,
			description:
				'API requests the key allows per minute (a bulk call is one request). 0 means no limit.',
			...customLimit,
		},
	];
}

export const optionsField: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Check Today’s Usage First',
			name: 'checkTodaysUsage',
			type: 'boolean',
			default: true,
			description:
				'Whether to ask SendApi how many messages went out today (UTC) before sending, so rows the daily limits cannot carry are reported as not sent instead of being refused one by one. If the count cannot be read, 0 is assumed and a hint says so.',
		},
		{
			displayName: DELAY_LABEL,
			name: 'delayMs',
			type: 'number',
			typeOptions: { minValue: MIN_BULK_DELAY_MS },
			default: 1500,
			description:
				'How long SendApi waits between two messages of one bulk call (grouped rows). At least 500.',
		},
		{
			displayName: 'Group Identical Messages',
			name: 'groupIdentical',
			type: 'boolean',
			default: true,
			description:
				'Whether rows with exactly the same message go out together through one bulk call (up to 500 recipients). Only text, image, document and template messages with URL media can; other rows are sent one by one.',
		},
		{
			displayName: 'Not-Sent Rows to Second Output',
			name: 'splitOutputs',
			type: 'boolean',
			default: false,
			description:
				'Whether rows that were not sent go to a second output (Not Sent) instead of the same output as the rest',
		},
		{
			displayName: 'Rate Window (Ms)',
			name: 'rateWindowMs',
			type: 'number',
			typeOptions: { minValue: 100 },
			default: 60000,
			description:
				'The length of the window the per-minute limits are counted in. SendApi counts per minute: change it only for a sandbox or test server with shorter windows.',
		},
		{
			displayName: 'Session Messages per Day',
			name: 'sessionMessagesPerDay',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 1000,
			description:
				'Anti-ban limit: messages one WhatsApp number may send per day. SendApi allows 1,000. 0 means no limit.',
		},
		{
			displayName: 'Session Messages per Minute',
			name: 'sessionMessagesPerMinute',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 30,
			description:
				'Anti-ban limit: messages one WhatsApp number may send per minute. SendApi allows 30. 0 means no limit.',
		},
	],
};
