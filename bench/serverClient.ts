/** The bench worker's handle on the fake SendApi running in its own process (fakeServerProcess.ts). */
import { type ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';

import type { FakeLimits } from '../test/fake-sendapi';
import type {
	ServerCommand,
	ServerReply,
	ServerSnapshot,
	WireFaultPlan,
} from './fakeServerProcess';

/** ts-node, transpile-only, for child processes of a bench started with ts-node. */
export const TS_NODE_ARGS = ['-r', 'ts-node/register/transpile-only'];

/**
 * Node resolves `SendApi.node` to the codex file `SendApi.node.json` before ts-node's `.ts` unless
 * TypeScript extensions come first (jest orders them so by itself).
 */
export const TS_NODE_ENV = {
	TS_NODE_TRANSPILE_ONLY: 'true',
	TS_NODE_PREFER_TS_EXTS: 'true',
	N8N_LOG_LEVEL: 'silent',
};

/** A script next to this one, as .ts under ts-node or .js once transpiled (bench/transpile.ts). */
export function siblingScript(name: string): string {
	return path.join(__dirname, `${name}${path.extname(__filename)}`);
}

/** Children of a .ts parent need ts-node; transpiled ones run on plain node. */
export function childExecArgv(): string[] {
	return path.extname(__filename) === '.ts' ? TS_NODE_ARGS : [];
}

export class ServerClient {
	private nextId = 1;

	private readonly pending = new Map<number, (reply: ServerReply) => void>();

	private constructor(
		private readonly child: ChildProcess,
		readonly baseUrl: string,
		readonly apiKey: string,
	) {
		child.on('message', (reply: ServerReply) => {
			this.pending.get(reply.id)?.(reply);
			this.pending.delete(reply.id);
		});
	}

	static async start(): Promise<ServerClient> {
		const child = fork(siblingScript('fakeServerProcess'), [], {
			execArgv: childExecArgv(),
			env: { ...process.env, ...TS_NODE_ENV },
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		const ready = await new Promise<ServerReply>((resolve, reject) => {
			child.once('message', resolve);
			child.once('exit', (code) => reject(new Error(`fake server exited with ${String(code)}`)));
		});
		if (!ready.ok || !ready.baseUrl || !ready.apiKey) throw new Error('fake server did not start');
		return new ServerClient(child, ready.baseUrl, ready.apiKey);
	}

	get credentials() {
		return { apiKey: this.apiKey, baseUrl: this.baseUrl };
	}

	async reset(limits: Partial<FakeLimits>): Promise<void> {
		await this.call({ cmd: 'reset', limits });
	}

	async seedSessions(count: number, status?: string): Promise<string[]> {
		if (count === 0) return [];
		return (await this.call({ cmd: 'seedSessions', count, status })).sessions ?? [];
	}

	/** Someone else starts sending from a session's number (fakeServerProcess.ts). */
	async startOtherSender(
		sessionId: string,
		messagesPerWindow: number,
		windowMs: number,
	): Promise<void> {
		await this.call({ cmd: 'otherSender', sessionId, messagesPerWindow, windowMs });
	}

	/** Another client starts using the key's requests (fakeServerProcess.ts). */
	async startOtherClient(requestsPerWindow: number, windowMs: number): Promise<void> {
		await this.call({ cmd: 'otherClient', requestsPerWindow, windowMs });
	}

	async seedMessages(sessionId: string, count: number, startAt: number): Promise<void> {
		await this.call({ cmd: 'seedMessages', sessionId, count, startAt });
	}

	async injectFaults(plan: WireFaultPlan): Promise<void> {
		await this.call({ cmd: 'faultPlan', plan });
	}

	async snapshot(): Promise<ServerSnapshot> {
		const reply = await this.call({ cmd: 'snapshot' });
		if (!reply.snapshot) throw new Error('no snapshot');
		return reply.snapshot;
	}

	async close(): Promise<void> {
		await this.call({ cmd: 'close' }).catch(() => undefined);
		this.child.disconnect();
	}

	private async call(command: ServerCommand): Promise<ServerReply & { ok: true }> {
		const id = this.nextId++;
		const reply = await new Promise<ServerReply>((resolve) => {
			this.pending.set(id, resolve);
			this.child.send({ ...command, id });
		});
		if (!reply.ok) throw new Error(`fake server: ${reply.error}`);
		return reply;
	}
}
