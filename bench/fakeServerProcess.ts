/**
 * The fake SendApi in a process of its own, driven over IPC by a bench worker. Keeping it out of
 * the worker's process means the worker's CPU time and memory are the node's alone, and the
 * server's work does not sit on the node's event loop (which would inflate its latency).
 */
import type { ArmedFault } from '../test/fake-sendapi/faults';
import type { Fault, FakeLimits, FakeSendApi } from '../test/fake-sendapi';
import { keepRefusalsFromEnv, startFakeSendApi } from '../test/fake-sendapi';

/** A fault as it crosses IPC: a RegExp path travels as its source. */
export type WireFault = Omit<Fault, 'path'> & { path?: string; pathPattern?: string };

export type ServerCommand =
	| { cmd: 'reset'; limits: Partial<FakeLimits> }
	| { cmd: 'seedSessions'; count: number; status?: string }
	| { cmd: 'otherClient'; requestsPerWindow: number; windowMs: number }
	| { cmd: 'otherSender'; sessionId: string; messagesPerWindow: number; windowMs: number }
	| { cmd: 'seedMessages'; sessionId: string; count: number; startAt: number }
	| { cmd: 'faultPlan'; plan: WireFaultPlan }
	| { cmd: 'snapshot' }
	| { cmd: 'close' };

/** What the bench needs from the server's records, in a compact form. */
export interface ServerSnapshot {
	refused429: number;
	/** Sends refused with 402 quota_exceeded (a daily quota spent). */
	refused402: number;
	faultsFired: number;
	/** POST /send and /send-bulk requests, in arrival order. */
	sends: Array<{
		path: string;
		status: number;
		at: number;
		sessionId: string;
		recipients: number;
		idempotencyKey?: string;
		replayed: boolean;
	}>;
	/** Outgoing messages stored (seeded ones excluded). */
	messages: Array<{ to: string; sessionId: string; at: number }>;
}

export type ServerReply =
	| {
			ok: true;
			id: number;
			url?: string;
			baseUrl?: string;
			apiKey?: string;
			sessions?: string[];
			snapshot?: ServerSnapshot;
	  }
	| { ok: false; id: number; error: string };

let api: FakeSendApi | undefined;

async function handle(
	command: ServerCommand,
): Promise<Omit<ServerReply & { ok: true }, 'id' | 'ok'>> {
	if (!api) throw new Error('server not started');
	switch (command.cmd) {
		case 'reset':
			stopOther();
			restoreTake?.();
			faultsFired = 0;
			api.reset();
			api.setLimits(command.limits);
			return {};
		case 'seedSessions':
			return {
				sessions: Array.from({ length: command.count }, () =>
					String(api?.seedSession({ status: command.status }).id),
				),
			};
		case 'otherClient':
			startOtherClient(api, command.requestsPerWindow, command.windowMs);
			return {};
		case 'otherSender': {
			const { sessionId, messagesPerWindow, windowMs } = command;
			const server = api;
			startOther(messagesPerWindow, windowMs, () => server.useSessionMessages(sessionId, 1));
			return {};
		}
		case 'seedMessages':
			api.seedMessages(command.sessionId, command.count, { startAt: command.startAt, stepMs: 1 });
			return {};
		case 'faultPlan':
			injectFaults(api, command.plan);
			return {};
		case 'snapshot':
			return { snapshot: snapshot(api) };
		case 'close':
			stopOther();
			await api.close();
			setImmediate(() => process.exit(0));
			return {};
	}
}

/**
 * Faults hit requests at random, each matching request with the plan's probability, the kinds
 * taking turns; from `storm.atMs` on, the next `storm.count` matching requests all fail. Random
 * per request, unlike faults armed on a timer: those pile up while the node waits for its window
 * and then all hit the first request after the wait, typically one row's retry, again and again.
 */
export interface WireFaultPlan {
	pathPattern: string;
	probability: number;
	cycle: WireFault[];
	storm?: { atMs: number; count: number; fault: WireFault };
}

let faultsFired = 0;

let other: NodeJS.Timeout | undefined;

/**
 * Someone else using what the node uses: `n` times at once, then from one window later once every
 * window / n, so any window holds n of them. Refused uses are simply not counted.
 */
function startOther(perWindow: number, windowMs: number, use: () => unknown): void {
	stopOther();
	for (let i = 0; i < perWindow; i++) use();
	other = setTimeout(() => {
		use();
		other = setInterval(use, windowMs / perWindow);
	}, windowMs);
}

/** Another client of the key, making requests. */
function startOtherClient(server: FakeSendApi, requestsPerWindow: number, windowMs: number): void {
	startOther(requestsPerWindow, windowMs, () => server.useRequests(1));
}

function stopOther(): void {
	// Node's clearTimeout clears an interval too.
	if (other) clearTimeout(other);
	other = undefined;
}

let restoreTake: (() => void) | undefined;

function injectFaults(server: FakeSendApi, plan: WireFaultPlan): void {
	const pattern = new RegExp(plan.pathPattern);
	const start = Date.now();
	let next = 0;
	let stormLeft = plan.storm?.count ?? 0;
	const armed = (fault: WireFault): ArmedFault => ({ ...toFault(fault), remaining: 0 });
	const queue = server.faults;
	restoreTake?.();
	const take = queue.take.bind(queue);
	restoreTake = () => {
		queue.take = take;
		restoreTake = undefined;
	};
	queue.take = (method: string, path: string) => {
		const scripted = take(method, path);
		if (scripted || method !== 'POST' || !pattern.test(path)) return scripted;
		if (plan.storm && stormLeft > 0 && Date.now() - start >= plan.storm.atMs) {
			stormLeft--;
			faultsFired++;
			return armed(plan.storm.fault);
		}
		if (Math.random() >= plan.probability) return undefined;
		faultsFired++;
		return armed(plan.cycle[next++ % plan.cycle.length]);
	};
}

function toFault(fault: WireFault): Fault {
	const { pathPattern, ...rest } = fault;
	return pathPattern === undefined ? rest : { ...rest, path: new RegExp(pathPattern) };
}

function snapshot(server: FakeSendApi): ServerSnapshot {
	const sends = server.requests
		.filter((request) => request.method === 'POST' && /\/send(-bulk)?$/.test(request.path))
		.map((request) => {
			const body = (request.body ?? {}) as { session_id?: unknown; recipients?: unknown[] };
			const key = request.headers['idempotency-key'];
			return {
				path: request.path.endsWith('bulk') ? 'send-bulk' : 'send',
				status: request.status,
				// When the fake's limits counted it (its window instant), not when it arrived.
				at: request.countedAt ?? request.at,
				sessionId: String(body.session_id),
				recipients: Array.isArray(body.recipients) ? body.recipients.length : 1,
				idempotencyKey: typeof key === 'string' ? key : undefined,
				replayed: request.replayed === true,
			};
		});
	const messages = server.state.messages
		.filter((message) => message.direction === 'out' && message.dialect !== 'seed')
		.map((message) => ({
			to: String(message.to),
			sessionId: String(message.session_id),
			at: Date.parse(message.created_at),
		}));
	return {
		refused429: server.refused429,
		refused402: server.refused402,
		faultsFired: server.faults.fired + faultsFired,
		sends,
		messages,
	};
}

async function main(): Promise<void> {
	api = await startFakeSendApi({
		autoConnectSessions: true,
		idempotencyKeepsRefusals: keepRefusalsFromEnv(),
	});
	process.on('message', (message: ServerCommand & { id: number }) => {
		handle(message).then(
			(reply) => process.send?.({ ok: true, id: message.id, ...reply }),
			(error: Error) => process.send?.({ ok: false, id: message.id, error: error.message }),
		);
	});
	// A worker that dies (or is killed on timeout) must not leave its server behind.
	process.on('disconnect', () => process.exit(0));
	process.send?.({ ok: true, id: 0, url: api.url, baseUrl: api.baseUrl, apiKey: api.apiKey });
}

if (require.main === module) {
	main().catch((error) => {
		console.error(error);
		process.exit(1);
	});
}
