/**
 * Test harness for the bulk engine: a virtual clock, a fake SendApi that logs every call, and a
 * checker that scans the log for any window that holds more than a limit allows.
 */
import type {
	BulkLimits,
	BulkRow,
	EngineOpts,
	SendBulkRequest,
	SendOneRequest,
	SendResult,
	ValidBulkRow,
} from '../../nodes/SendApi/bulkEngine';
import { resolveBulkLimits, runBulkSend } from '../../nodes/SendApi/bulkEngine';

interface Timer {
	at: number;
	seq: number;
	resolve: () => void;
}

/**
 * Virtual time: `sleep` registers a timer; `run` drives a promise to completion by letting every
 * microtask settle, then jumping to the earliest timer. No real waiting happens.
 */
export class VirtualClock {
	private t: number;

	private seq = 0;

	private timers: Timer[] = [];

	sleeps = 0;

	constructor(start = 0) {
		this.t = start;
	}

	readonly now = (): number => this.t;

	readonly sleep = (ms: number): Promise<void> => {
		this.sleeps++;
		return this.after(ms);
	};

	/** Resolves `ms` of virtual time from now (also for fake senders with latency). */
	after(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, resolve };
			const at = this.timers.findIndex(
				(other) => other.at > timer.at || (other.at === timer.at && other.seq > timer.seq),
			);
			if (at === -1) this.timers.push(timer);
			else this.timers.splice(at, 0, timer);
		});
	}

	async run<T>(work: Promise<T>): Promise<T> {
		let settled = false;
		const done = work.finally(() => {
			settled = true;
		});
		done.catch(() => undefined);
		while (!settled) {
			await new Promise<void>((resolve) => setImmediate(resolve));
			if (settled) break;
			const timer = this.timers.shift();
			if (!timer) throw new Error('virtual clock: the work is stuck (no timer pending)');
			this.t = Math.max(this.t, timer.at);
			timer.resolve();
		}
		return done;
	}
}

export interface SendCall {
	t: number;
	kind: 'one' | 'bulk';
	sessionId: string;
	attempt: number;
	/** The engine's key round: with the rows and session, it names the Idempotency-Key. */
	keyRound: number;
	/** Row indexes in the call. */
	indexes: number[];
	/** Messages the call asks for (recipients). */
	weight: number;
	result?: SendResult;
}

export type Responder = (call: SendCall, callNumber: number) => SendResult | Promise<SendResult>;

/** A fake SendApi: logs every call and answers with `respond` (default: success). */
export class FakeApi<P = unknown> {
	readonly calls: SendCall[] = [];

	inFlight = 0;

	maxInFlight = 0;

	constructor(
		private readonly clock: VirtualClock,
		private readonly respond: Responder = okResponder,
		private readonly latencyMs: (call: SendCall) => number = () => 0,
	) {}

	readonly sendOne = (req: SendOneRequest<P>): Promise<SendResult> =>
		this.handle({
			t: this.clock.now(),
			kind: 'one',
			sessionId: req.sessionId,
			attempt: req.attempt,
			keyRound: req.keyRound,
			indexes: [req.row.index],
			weight: 1,
		});

	readonly sendBulk = (req: SendBulkRequest<P>): Promise<SendResult> =>
		this.handle({
			t: this.clock.now(),
			kind: 'bulk',
			sessionId: req.sessionId,
			attempt: req.attempt,
			keyRound: req.keyRound,
			indexes: req.rows.map((row) => row.index),
			weight: req.rows.length,
		});

	private async handle(call: SendCall): Promise<SendResult> {
		const callNumber = this.calls.push(call) - 1;
		this.inFlight++;
		this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
		try {
			const latency = this.latencyMs(call);
			if (latency > 0) await this.clock.after(latency);
			const result = await this.respond(call, callNumber);
			call.result = result;
			return result;
		} finally {
			this.inFlight--;
		}
	}

	/** Row indexes the API accepted, with how often each was accepted. */
	acceptedCounts(): Map<number, number> {
		const counts = new Map<number, number>();
		for (const call of this.calls) {
			if (!call.result?.ok) continue;
			for (const index of call.indexes) counts.set(index, (counts.get(index) ?? 0) + 1);
		}
		return counts;
	}
}

/** The Idempotency-Key a call carries, as the sender derives it (rows, session, key round). */
export function keyOf(call: SendCall): string {
	return `${call.kind}:${call.indexes.join(',')}:${call.sessionId}#${call.keyRound}`;
}

export const okResponder: Responder = (call, n) => ({
	ok: true,
	id: `${call.kind === 'bulk' ? 'batch' : 'msg'}_${n}`,
});

/** Engine options wired to a clock and a fake API; override anything. */
export function engineOpts<P>(
	clock: VirtualClock,
	api: FakeApi<P>,
	rows: BulkRow<P>[],
	limits: BulkLimits,
	sessions: string[],
	extra: Partial<EngineOpts<P>> = {},
): EngineOpts<P> {
	return {
		rows,
		sessions,
		limits,
		groupIdentical: false,
		sendOne: api.sendOne,
		sendBulk: api.sendBulk,
		now: clock.now,
		sleep: clock.sleep,
		random: () => 0.5,
		...extra,
	};
}

/** Valid rows; `keyOf` decides the message content (default: all different). */
export function makeRows(
	count: number,
	keyOf: (i: number) => string = (i) => `m${i}`,
): ValidBulkRow<{ text: string }>[] {
	return Array.from({ length: count }, (_, i) => ({
		index: i,
		to: `+4477009${String(i).padStart(5, '0')}`,
		messageKey: keyOf(i),
		payload: { text: keyOf(i) },
	}));
}

export function sessionIds(count: number): string[] {
	return Array.from({ length: count }, (_, i) => `sess_${i + 1}`);
}

export interface WindowViolation {
	limit: string;
	allowed: number;
	found: number;
	windowStart: number;
}

/**
 * Scans every window [a, a + windowMs) that starts at a call (those are the only windows that
 * can hold a maximum) and reports the first one over each limit. Every attempt counts against the
 * request limit, refused ones included: SendApi does not say whether it counts them, and the fake
 * counts them by default (its `refusedRequestsCount`, docs/wire-format.md); only a send SendApi refused (429, or
 * its session cannot send) carries no messages (the engine's documented choice), though its
 * request counts.
 */
export function findWindowViolations(
	calls: readonly SendCall[],
	limits: BulkLimits,
): WindowViolation[] {
	const resolved = resolveBulkLimits(limits);
	const violations: WindowViolation[] = [];
	const check = (limit: string, allowed: number, events: Array<{ t: number; w: number }>) => {
		const worst = maxWindowSum(events, resolved.windowMs);
		if (worst.sum > allowed) {
			violations.push({ limit, allowed, found: worst.sum, windowStart: worst.start });
		}
	};
	const messages = (c: SendCall) =>
		c.result && !c.result.ok && (c.result.refused || c.result.sessionUnavailable) ? 0 : c.weight;
	check(
		'plan messages',
		resolved.planMessagesPerWindow,
		calls.map((c) => ({ t: c.t, w: messages(c) })),
	);
	check(
		'requests',
		resolved.requestsPerWindow,
		calls.map((c) => ({ t: c.t, w: 1 })),
	);
	for (const sessionId of new Set(calls.map((c) => c.sessionId))) {
		check(
			`session ${sessionId} messages`,
			resolved.sessionMessagesPerWindow,
			calls.filter((c) => c.sessionId === sessionId).map((c) => ({ t: c.t, w: messages(c) })),
		);
	}
	return violations;
}

/** Largest total weight in any half-open window of `windowMs`, by a two-pointer scan. */
export function maxWindowSum(
	events: ReadonlyArray<{ t: number; w: number }>,
	windowMs: number,
): { sum: number; start: number } {
	const sorted = [...events].sort((a, b) => a.t - b.t);
	let best = { sum: 0, start: 0 };
	let sum = 0;
	let end = 0;
	for (let start = 0; start < sorted.length; start++) {
		while (end < sorted.length && sorted[end].t < sorted[start].t + windowMs)
			sum += sorted[end++].w;
		if (sum > best.sum) best = { sum, start: sorted[start].t };
		sum -= sorted[start].w;
	}
	return best;
}

/** Deterministic PRNG (mulberry32) for randomised schedules that replay identically. */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Start of the last accepted message, relative to the first call. */
export function lastStartMs(calls: readonly SendCall[]): number {
	if (calls.length === 0) return 0;
	return calls.reduce((last, call) => Math.max(last, call.t), -Infinity) - calls[0].t;
}

/** SendApi's minute. */
export const MINUTE = 60_000;

/** Messages and requests are plentiful; only each session's 30 a minute can bind. */
export const SESSION_BOUND: BulkLimits = {
	windowMs: MINUTE,
	planMessagesPerWindow: 10_000,
	planMessagesPerDay: 1_000_000,
	requestsPerWindow: 10_000,
	sessionMessagesPerWindow: 30,
	sessionMessagesPerDay: 100_000,
};

/**
 * A session's 429 (`sending_limited`) as the sender reports it: fresh with Retry-After, or
 * `replayed` from the key's store (Idempotent-Replayed, no Retry-After).
 */
export function sessionLimited(retryAfterMs?: number, replayed = false): SendResult {
	return {
		ok: false,
		retryable: true,
		refused: true,
		sessionLimited: true,
		retryAfterMs,
		reason: 'HTTP 429 sending_limited',
		...(replayed ? { replayed: true } : {}),
	};
}

/** A virtual clock, a fake API answering with `respond`, and `run` to start the engine on them. */
export function setupRun<P>(
	rows: BulkRow<P>[],
	limits: BulkLimits,
	sessions: string[],
	respond?: Responder,
	latencyMs?: (call: SendCall) => number,
) {
	const clock = new VirtualClock();
	const api = new FakeApi<P>(clock, respond, latencyMs);
	const run = (extra: Partial<EngineOpts<P>> = {}) =>
		clock.run(runBulkSend(engineOpts(clock, api, rows, limits, sessions, extra)));
	return { clock, api, run };
}
