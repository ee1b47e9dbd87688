/**
 * What a run may be given: the defaults of its tuning options, and the checks that reject bad
 * options up front with a TypeError (a caller's bug, never a row's outcome).
 */
import { MAX_RECIPIENTS_PER_BULK } from './limits';
import type { BulkRow, EngineOpts } from './types';

export const ENGINE_DEFAULTS = {
	maxRecipientsPerBulk: MAX_RECIPIENTS_PER_BULK,
	minGroupSize: 2,
	maxAttempts: 5,
	concurrency: 4,
	backoffBaseMs: 1_000,
	backoffCapMs: 60_000,
	pollMs: 1_000,
} as const;

export type EngineSettings = Required<
	Pick<
		EngineOpts,
		| 'maxRecipientsPerBulk'
		| 'minGroupSize'
		| 'maxAttempts'
		| 'concurrency'
		| 'backoffBaseMs'
		| 'backoffCapMs'
		| 'pollMs'
		| 'now'
		| 'random'
	>
>;

/** The tuning options with their defaults filled in, checked. */
export function engineSettings<P>(opts: EngineOpts<P>): EngineSettings {
	const settings: EngineSettings = {
		maxRecipientsPerBulk: opts.maxRecipientsPerBulk ?? ENGINE_DEFAULTS.maxRecipientsPerBulk,
		minGroupSize: opts.minGroupSize ?? ENGINE_DEFAULTS.minGroupSize,
		maxAttempts: opts.maxAttempts ?? ENGINE_DEFAULTS.maxAttempts,
		concurrency: opts.concurrency ?? ENGINE_DEFAULTS.concurrency,
		backoffBaseMs: opts.backoffBaseMs ?? ENGINE_DEFAULTS.backoffBaseMs,
		backoffCapMs: opts.backoffCapMs ?? ENGINE_DEFAULTS.backoffCapMs,
		pollMs: opts.pollMs ?? ENGINE_DEFAULTS.pollMs,
		now: opts.now ?? Date.now,
		random: opts.random ?? Math.random,
	};
	assertSettings(settings);
	return settings;
}

export function isNonNegativeNumber(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** The run's input: rows, sessions, callbacks and today's usage. */
export function assertEngineOpts<P>(opts: EngineOpts<P>): void {
	if (typeof opts !== 'object' || opts === null) {
		throw new TypeError('runBulkSend: an options object is required');
	}
	if (!Array.isArray(opts.rows)) throw new TypeError('runBulkSend: rows must be an array');
	opts.rows.forEach(assertRow);
	assertSessions(opts.sessions);
	for (const name of ['sendOne', 'sendBulk', 'sleep'] as const) {
		if (typeof opts[name] !== 'function') {
			throw new TypeError(`runBulkSend: ${name} must be a function`);
		}
	}
	for (const name of ['now', 'random', 'onProgress'] as const) {
		if (opts[name] !== undefined && typeof opts[name] !== 'function') {
			throw new TypeError(`runBulkSend: ${name} must be a function when given`);
		}
	}
	if (typeof opts.groupIdentical !== 'boolean') {
		throw new TypeError('runBulkSend: groupIdentical must be true or false');
	}
	assertSentToday(opts.sentToday);
}

function assertRow(row: BulkRow<unknown>, position: number): void {
	const where = `runBulkSend: rows[${position}]`;
	if (typeof row !== 'object' || row === null || typeof row.index !== 'number') {
		throw new TypeError(`${where} must be an object with a numeric index`);
	}
	if (row.invalidReason !== undefined) {
		if (typeof row.invalidReason !== 'string') {
			throw new TypeError(`${where}.invalidReason must be a string`);
		}
		return;
	}
	if (typeof row.to !== 'string' || typeof row.messageKey !== 'string') {
		throw new TypeError(`${where} needs either invalidReason or both to and messageKey strings`);
	}
}

function assertSessions(sessions: readonly string[]): void {
	if (!Array.isArray(sessions) || sessions.length === 0) {
		throw new TypeError('runBulkSend: at least one session id is required');
	}
	if (sessions.some((id) => typeof id !== 'string' || id === '')) {
		throw new TypeError('runBulkSend: session ids must be non-empty strings');
	}
	if (new Set(sessions).size !== sessions.length) {
		// A session listed twice would get twice its anti-ban allowance.
		throw new TypeError('runBulkSend: session ids must be unique');
	}
}

function assertSentToday(sentToday: EngineOpts['sentToday']): void {
	if (sentToday === undefined) return;
	if (!isNonNegativeNumber(sentToday?.plan)) {
		throw new TypeError('runBulkSend: sentToday.plan must be a number ≥ 0');
	}
	for (const [id, sent] of Object.entries(sentToday.perSession ?? {})) {
		if (!isNonNegativeNumber(sent)) {
			throw new TypeError(`runBulkSend: sentToday.perSession[${id}] must be a number ≥ 0`);
		}
	}
}

function assertSettings(settings: EngineSettings): void {
	assertInteger('maxRecipientsPerBulk', settings.maxRecipientsPerBulk, 1, MAX_RECIPIENTS_PER_BULK);
	assertInteger('minGroupSize', settings.minGroupSize, 1, Infinity);
	assertInteger('maxAttempts', settings.maxAttempts, 1, Infinity);
	assertInteger('concurrency', settings.concurrency, 1, Infinity);
	for (const name of ['backoffBaseMs', 'backoffCapMs', 'pollMs'] as const) {
		const value = settings[name];
		if (!Number.isFinite(value) || value <= 0) {
			throw new TypeError(`runBulkSend: ${name} must be a positive number, got ${String(value)}`);
		}
	}
	if (settings.backoffCapMs < settings.backoffBaseMs) {
		throw new TypeError('runBulkSend: backoffCapMs must not be below backoffBaseMs');
	}
}

function assertInteger(name: string, value: number, min: number, max: number): void {
	if (!Number.isInteger(value) || value < min || value > max) {
		const range = max === Infinity ? `≥ ${min}` : `${min}..${max}`;
		throw new TypeError(`runBulkSend: ${name} must be an integer ${range}, got ${String(value)}`);
	}
}
