/**
 * Send Bulk's run-wide settings: sessions, limits and options. They are read once, from the first
 * item (an expression in them sees the first row), because a run has one set of sessions and one
 * pace; only the recipient and the message are read per row (rows.ts).
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { PlanName, ResolvedBulkLimits } from '../../../bulkEngine';
import {
	PLAN_LIMITS,
	resolveBulkLimits,
	SESSION_MESSAGES_PER_DAY,
	SESSION_MESSAGES_PER_WINDOW,
} from '../../../bulkEngine';
import type { MessageType } from '../../../transport/wire/messageBodies';
import { MIN_BULK_DELAY_MS } from '../../../transport/wire/messageBodies';
import { DELAY_LABEL, SESSIONS_LABEL } from './fields';

export interface BulkSettings {
	sessions: string[];
	/** SendApi's limits as configured (no latency margin: see withLatencyMargin). */
	limits: ResolvedBulkLimits;
	messageType: MessageType;
	groupIdentical: boolean;
	splitOutputs: boolean;
	checkTodaysUsage: boolean;
	/** `delay_ms` of bulk calls; undefined leaves SendApi's default. */
	delayMs?: number;
}

const PLANS: readonly PlanName[] = ['starter', 'growth', 'business', 'enterprise'];

export function readBulkSettings(context: IExecuteFunctions): BulkSettings {
	const options = context.getNodeParameter('options', 0, {}) as IDataObject;
	return {
		sessions: readSessions(context),
		limits: readLimits(context, options),
		messageType: context.getNodeParameter('messageType', 0) as MessageType,
		groupIdentical: options.groupIdentical !== false,
		splitOutputs: options.splitOutputs === true,
		checkTodaysUsage: options.checkTodaysUsage !== false,
		delayMs: readDelayMs(context, options.delayMs),
	};
}

/** Every session id from the list, in order, without repeats (a repeat would double its limits). */
export function readSessions(context: IExecuteFunctions): string[] {
	const collection = context.getNodeParameter('sessions', 0, {}) as IDataObject;
	const entries = Array.isArray(collection.session) ? (collection.session as IDataObject[]) : [];
	const ids = entries.flatMap((entry) => splitSessionIds(locatorValue(entry.id)));
	const unique = [...new Set(ids)];
	if (unique.length === 0) {
		throw settingError(
			context,
			`${SESSIONS_LABEL} is empty`,
			'Add at least one session to send from: pick it from the list or enter its ID.',
		);
	}
	return unique;
}

/** A resource-locator value (`{__rl, mode, value}`) or a plain value, as text. */
function locatorValue(value: unknown): string {
	const raw =
		typeof value === 'object' && value !== null ? (value as IDataObject).value : (value as unknown);
	if (typeof raw === 'number') return String(raw);
	return typeof raw === 'string' ? raw : '';
}

function splitSessionIds(text: string): string[] {
	return text
		.split(/[\s,;]+/)
		.map((id) => id.trim())
		.filter((id) => id !== '');
}

function readLimits(context: IExecuteFunctions, options: IDataObject): ResolvedBulkLimits {
	const plan = context.getNodeParameter('plan', 0, 'starter') as string;
	const windowMs = numberSetting(
		context,
		options.rateWindowMs,
		'Rate Window (Ms)',
		60_000,
		POSITIVE,
	);
	const session = {
		sessionMessagesPerWindow: numberSetting(
			context,
			options.sessionMessagesPerMinute,
			'Session Messages per Minute',
			SESSION_MESSAGES_PER_WINDOW,
			COUNT_OR_UNLIMITED,
		),
		sessionMessagesPerDay: numberSetting(
			context,
			options.sessionMessagesPerDay,
			'Session Messages per Day',
			SESSION_MESSAGES_PER_DAY,
			COUNT_OR_UNLIMITED,
		),
	};
	if ((PLANS as string[]).includes(plan)) {
		return resolveBulkLimits({ ...PLAN_LIMITS[plan as PlanName], ...session, windowMs });
	}
	const custom = (name: string, label: string, fallback: number) =>
		numberSetting(
			context,
			context.getNodeParameter(name, 0, fallback),
			label,
			fallback,
			COUNT_OR_UNLIMITED,
		);
	return resolveBulkLimits({
		windowMs,
		planMessagesPerWindow: custom('planMessagesPerMinute', 'Messages per Minute', 10),
		planMessagesPerDay: custom('planMessagesPerDay', 'Messages per Day', 500),
		requestsPerWindow: custom('requestsPerMinute', 'Requests per Minute', 60),
		...session,
	});
}

/** What a number setting accepts, and what its error says when it gets something else. */
interface NumberRule {
	accepts: (number: number) => boolean;
	mustBe: string;
	description?: string;
	/** What 0 stands for, when it stands for something else (0 = no limit). */
	zero?: number;
}

/** A whole number ≥ 1, or Infinity for 0 ("no limit"). */
const COUNT_OR_UNLIMITED: NumberRule = {
	accepts: (count) => Number.isInteger(count) && count >= 0,
	mustBe: 'a whole number',
	description: 'Enter a whole number of messages or requests, or 0 for no limit.',
	zero: Infinity,
};

/** A number above 0, fractions allowed. */
const POSITIVE: NumberRule = {
	accepts: (number) => Number.isFinite(number) && number > 0,
	mustBe: 'above 0',
};

/** A number setting read by `rule`; an empty field takes the default. */
function numberSetting(
	context: IExecuteFunctions,
	value: unknown,
	label: string,
	fallback: number,
	rule: NumberRule,
): number {
	if (value === undefined || value === null || value === '') return fallback;
	const number = Number(value);
	if (number === 0 && rule.zero !== undefined) return rule.zero;
	if (!rule.accepts(number)) {
		throw settingError(
			context,
			`${label} is ${String(value)}; it must be ${rule.mustBe}`,
			rule.description,
		);
	}
	return number;
}

function readDelayMs(context: IExecuteFunctions, value: unknown): number | undefined {
	if (value === undefined || value === '') return undefined;
	const delay = Number(value);
	if (!Number.isInteger(delay) || delay < MIN_BULK_DELAY_MS) {
		throw settingError(
			context,
			`${DELAY_LABEL} is ${String(value)}; it must be a whole number of at least ${MIN_BULK_DELAY_MS}`,
			'SendApi refuses shorter pauses between messages. Remove the option to use its default (1500).',
		);
	}
	return delay;
}

/** A setting of the whole run is wrong: no row can be sent, so the node stops before sending. */
function settingError(context: IExecuteFunctions, message: string, description?: string) {
	return new NodeOperationError(context.getNode(), message, { description });
}
