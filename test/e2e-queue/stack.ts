/**
 * n8n 2.40.7 in queue mode: one main process (`n8n start`: editor, REST API, webhooks, trigger
 * activation; it enqueues executions) and two `n8n worker` processes that run them, all on one
 * PostgreSQL and one Redis (services.ts). Each process has a user folder of its own, a copy of the
 * template in which global-setup.ts installed the packed package as the Community Nodes installer
 * does: the package is installed on the main and on every worker, as users must.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ChildProcess } from 'child_process';
import * as runtime from '../../scripts/sandbox/n8n-runtime';
import type { ExecN8nResult } from '../../scripts/sandbox/n8n-runtime';
import { N8nRest, N8nServer, sleep, stopProcess } from '../e2e/helpers/n8nProcess';
import type { Workflow } from '../e2e/helpers/workflows';
import type { Postgres, Redis } from './services';

export const QUEUE_N8N_VERSION = '2.40.7';
export const QUEUE_DIR = path.resolve(__dirname, '..', '..', '.e2e', 'queue');
export const QUEUE_SETUP_FILE = path.join(QUEUE_DIR, 'setup.json');

export interface QueueSetup {
	tarball: string;
	templateHome: string;
	postgresBin: string;
	redisServer: string;
}

export function readQueueSetup(): QueueSetup {
	if (!fs.existsSync(QUEUE_SETUP_FILE))
		throw new Error(`${QUEUE_SETUP_FILE} missing: run through npm run test:e2e:queue`);
	return JSON.parse(fs.readFileSync(QUEUE_SETUP_FILE, 'utf8')) as QueueSetup;
}

/** Every process of the cluster shares these: the database, the queue, the encryption key. */
function clusterEnv(pg: Postgres, redis: Redis): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: pg.host,
		DB_POSTGRESDB_PORT: String(pg.port),
		DB_POSTGRESDB_DATABASE: pg.database,
		DB_POSTGRESDB_USER: pg.user,
		DB_POSTGRESDB_PASSWORD: '',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		// Main and workers must decrypt the same credentials.
		N8N_ENCRYPTION_KEY: 'sendapi-queue-e2e-encryption-key',
		// n8n does not support filesystem binary data in queue mode; 2.40.7 defaults to `database`
		// there (n8n-core binary-data.config.js), said explicitly here as docs/queue-mode.md tells users.
		N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		// Manual (CLI/editor) executions go to the workers too.
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		N8N_LOG_LEVEL: 'info',
	};
}

/** An n8n process of the cluster other than the main: a worker or a webhook process. */
export class Worker {
	private exited: Promise<void>;

	constructor(
		readonly name: string,
		readonly child: ChildProcess,
		readonly logFile: string,
		private readonly readyLine = /n8n worker is now ready/,
		/** Where a webhook process listens. */
		readonly url?: string,
	) {
		this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
	}

	log(): string {
		return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
	}

	/** Execution ids this worker ran, from its "Worker started execution <id>" log lines. */
	executionIds(): string[] {
		return [...this.log().matchAll(/Worker started execution (\S+)/g)].map((m) => m[1]);
	}

	async waitReady(timeoutMs: number): Promise<void> {
		const t0 = Date.now();
		while (!this.readyLine.test(this.log())) {
			if (this.child.exitCode !== null)
				throw new Error(
					`${this.name} exited with ${this.child.exitCode}:\n${this.log().slice(-4000)}`,
				);
			if (Date.now() - t0 > timeoutMs)
				throw new Error(
					`${this.name} not ready after ${timeoutMs} ms:\n${this.log().slice(-4000)}`,
				);
			await sleep(500);
		}
	}

	async stop(timeoutMs = 30_000): Promise<void> {
		await stopProcess(this.child, this.exited, timeoutMs);
	}
}

export class QueueCluster {
	main?: N8nServer;
	rest?: N8nRest;
	readonly workers: Worker[] = [];
	readonly webhookProcesses: Worker[] = [];

	private constructor(
		readonly setup: QueueSetup,
		readonly env: Record<string, string>,
		private readonly homePrefix: string,
	) {}

	/** `homePrefix` keeps the process folders of the clusters of different test files apart. */
	static create(setup: QueueSetup, pg: Postgres, redis: Redis, homePrefix = ''): QueueCluster {
		return new QueueCluster(setup, clusterEnv(pg, redis), homePrefix);
	}

	/** `.e2e/queue/<prefix><name>/`, a copy of the template (the package installed as a community node). */
	home(name: string): string {
		const dir = path.join(QUEUE_DIR, `${this.homePrefix}${name}`);
		if (!fs.existsSync(dir)) {
			fs.cpSync(this.setup.templateHome, dir, { recursive: true });
			fs.mkdirSync(path.join(dir, 'import'), { recursive: true });
		}
		return dir;
	}

	async cli(args: string[]): Promise<ExecN8nResult> {
		const r = await runtime.execN8n(args, {
			n8nVersion: QUEUE_N8N_VERSION,
			userFolder: this.home('main'),
			env: this.env,
			allowFail: true,
			timeoutMs: 4 * 60 * 1000,
		});
		if (
			r.code !== 0 ||
			/An error occurred|Error importing|There was an error/i.test(r.stdout + r.stderr)
		) {
			throw new Error(
				`n8n ${args.join(' ')} failed (${r.code}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`,
			);
		}
		return r;
	}

	async importCredentials(creds: unknown[]): Promise<void> {
		const file = path.join(this.home('main'), 'import', `credentials-${Date.now()}.json`);
		fs.writeFileSync(file, JSON.stringify(creds, null, 2));
		await this.cli(['import:credentials', `--input=${file}`]);
	}

	async importWorkflows(workflows: Workflow[]): Promise<void> {
		const file = path.join(this.home('main'), 'import', `workflows-${Date.now()}.json`);
		fs.writeFileSync(file, JSON.stringify(workflows, null, 2));
		await this.cli(['import:workflow', `--input=${file}`]);
		for (const workflow of workflows) await this.cli(['publish:workflow', `--id=${workflow.id}`]);
	}

	/** The main process, then the workers (in parallel), each ready. */
	async start(workerCount: number): Promise<void> {
		const port = await runtime.freePort();
		const url = `http://127.0.0.1:${port}`;
		const dir = this.home('main');
		const logFile = path.join(dir, 'n8n-main.log');
		const child = this.spawn(['start'], dir, logFile, {
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_WEBHOOK_URL: `${url}/`,
			N8N_EDITOR_BASE_URL: `${url}/`,
		});
		this.main = new N8nServer(await child, url, logFile);
		await this.main.waitReady(180_000);
		this.rest = new N8nRest(url);
		await this.rest.setupOwner();
		const workers = await Promise.all(
			Array.from({ length: workerCount }, async (_, i) => {
				const name = `worker${i + 1}`;
				const home = this.home(name);
				const log = path.join(home, `n8n-${name}.log`);
				const worker = new Worker(
					name,
					await this.spawn(['worker', '--concurrency=2'], home, log, {
						QUEUE_HEALTH_CHECK_PORT: String(await runtime.freePort()),
						N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
					}),
					log,
				);
				this.workers.push(worker);
				return worker;
			}),
		);
		await Promise.all(workers.map((w) => w.waitReady(180_000)));
	}

	/**
	 * An `n8n webhook` process: production webhooks served by a second process, as behind a load
	 * balancer in front of several webhook processes (same public URL as the main's).
	 */
	async startWebhookProcess(): Promise<Worker> {
		const port = await runtime.freePort();
		const name = `webhook${this.webhookProcesses.length + 1}`;
		const home = this.home(name);
		const log = path.join(home, `n8n-${name}.log`);
		const child = await this.spawn(['webhook'], home, log, {
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_WEBHOOK_URL: `${this.main!.url}/`,
		});
		const webhook = new Worker(
			name,
			child,
			log,
			/Webhook listener waiting for requests/,
			`http://127.0.0.1:${port}`,
		);
		this.webhookProcesses.push(webhook);
		await webhook.waitReady(120_000);
		return webhook;
	}

	/** Which worker ran an execution (by the workers' logs), undefined if none did. */
	workerOf(executionId: string): string | undefined {
		return this.workers.find((w) => w.executionIds().includes(String(executionId)))?.name;
	}

	async stop(): Promise<void> {
		await Promise.all([...this.workers, ...this.webhookProcesses].map((w) => w.stop()));
		await this.main?.stop();
	}

	private async spawn(
		args: string[],
		userFolder: string,
		logFile: string,
		extra: Record<string, string>,
	): Promise<ChildProcess> {
		const log = fs.openSync(logFile, 'a');
		const child = runtime.runN8n(args, {
			n8nVersion: QUEUE_N8N_VERSION,
			userFolder,
			stdio: ['ignore', log, log],
			env: { ...this.env, N8N_RUNNERS_BROKER_PORT: String(await runtime.freePort()), ...extra },
		});
		fs.closeSync(log);
		return child;
	}
}
