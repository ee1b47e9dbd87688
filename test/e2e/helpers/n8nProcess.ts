/**
 * Drives a real n8n (cached by scripts/sandbox/n8n-runtime.js; the version of the test file's jest project)
 * through its CLI only: each test file gets a user folder of its own, copied from the template that
 * global-setup.ts prepared for that version (packed package installed as a community node, database
 * migrated). What differs between n8n versions is in ./n8n-differences.ts.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { ChildProcess } from 'child_process';
import * as runtime from '../../../scripts/sandbox/n8n-runtime';
import type { ExecN8nResult, N8nItem, N8nRun } from '../../../scripts/sandbox/n8n-runtime';
import { differencesFor, type N8nDifferences } from './n8n-differences';
import { currentN8nVersion, setupFile, versionDir, type E2eSetup } from './paths';
import type { Workflow } from './workflows';

export type { N8nItem, N8nRun };

/** What global-setup.ts prepared for the n8n version of the running test file. */
export function readSetup(n8nVersion = currentN8nVersion()): E2eSetup {
	const file = setupFile(n8nVersion);
	if (!fs.existsSync(file)) {
		throw new Error(
			`${file} is missing: run the e2e through jest -c test/e2e/jest.e2e.config.js (its globalSetup)`,
		);
	}
	return JSON.parse(fs.readFileSync(file, 'utf8')) as E2eSetup;
}

export interface ExecuteResult {
	run: N8nRun;
	cli: ExecN8nResult;
}

export class N8nHome {
	/** Every CLI call made, for timing reports. */
	readonly calls: Array<{ args: string[]; ms: number; code: number | null }> = [];

	/** How this n8n version does what differs between versions. */
	readonly differences: N8nDifferences;

	private constructor(
		readonly dir: string,
		readonly setup: E2eSetup,
	) {
		this.differences = differencesFor(setup.n8nVersion);
	}

	get n8nVersion(): string {
		return this.setup.n8nVersion;
	}

	/** A fresh user folder `.e2e/<version>/<name>/`, a copy of the version's template. */
	static create(name: string): N8nHome {
		const setup = readSetup();
		const dir = path.join(versionDir(setup.n8nVersion), name);
		fs.rmSync(dir, { recursive: true, force: true });
		fs.cpSync(setup.templateHome, dir, { recursive: true });
		fs.mkdirSync(path.join(dir, 'files'), { recursive: true });
		fs.mkdirSync(path.join(dir, 'import'), { recursive: true });
		return new N8nHome(dir, setup);
	}

	/** Directory the Read/Write File node may use (N8N_RESTRICT_FILE_ACCESS_TO). */
	get filesDir(): string {
		return path.join(this.dir, 'files');
	}

	async cli(
		args: string[],
		opts: { allowFail?: boolean; env?: Record<string, string>; timeoutMs?: number } = {},
	): Promise<ExecN8nResult> {
		const r = await runtime.execN8n(args, {
			n8nVersion: this.n8nVersion,
			userFolder: this.dir,
			allowFail: opts.allowFail,
			env: opts.env,
			timeoutMs: opts.timeoutMs ?? 4 * 60 * 1000,
		});
		this.calls.push({ args, ms: r.ms, code: r.code });
		return r;
	}

	async importCredentials(
		creds: Array<{ id: string; name: string; type: string; data: Record<string, unknown> }>,
	): Promise<void> {
		const file = path.join(this.dir, 'import', `credentials-${Date.now()}.json`);
		fs.writeFileSync(file, JSON.stringify(creds, null, 2));
		const r = await this.cli(['import:credentials', `--input=${file}`]);
		assertNoCliError(r, 'import:credentials');
	}

	/** Imports workflows (one file, an array); they arrive unpublished. */
	async importWorkflows(workflows: Workflow[]): Promise<void> {
		const file = path.join(this.dir, 'import', `workflows-${Date.now()}.json`);
		fs.writeFileSync(file, JSON.stringify(workflows, null, 2));
		const r = await this.cli(['import:workflow', `--input=${file}`]);
		assertNoCliError(r, 'import:workflow');
		if (/Skipped workflow/.test(r.stdout + r.stderr))
			throw new Error(`import:workflow skipped workflows:\n${r.stdout}\n${r.stderr}`);
	}

	/**
	 * `n8n execute --id=<id> --rawOutput`. Resolves with the run when n8n printed one (also for a
	 * failed run, whose JSON n8n prints too), unless `expectSuccess` (default) and it failed.
	 */
	async execute(
		workflowId: string,
		opts: { expectSuccess?: boolean } = {},
	): Promise<ExecuteResult> {
		const cli = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput'], {
			allowFail: true,
		});
		const run = runtime.parseRunOutput(cli.stdout);
		const expectSuccess = opts.expectSuccess ?? true;
		if (!run || (expectSuccess && (cli.code !== 0 || run.status !== 'success'))) {
			const err = run?.data.resultData.error;
			throw new Error(
				`n8n execute --id=${workflowId} ${run ? `ended with status ${run.status}` : 'printed no run'} (exit ${cli.code})` +
					(err
						? `\nworkflow error: ${err.message}${(err as { description?: string }).description ? ` — ${(err as { description?: string }).description}` : ''}`
						: '') +
					(run ? `\nnodes run: ${Object.keys(run.data.resultData.runData).join(', ')}` : '') +
					`\n--- stdout (tail) ---\n${tail(cli.stdout)}\n--- stderr (tail) ---\n${tail(cli.stderr)}`,
			);
		}
		return { run, cli };
	}

	/** Makes the workflow's triggers run at the next `n8n start` (n8n stopped). */
	async publish(workflowId: string): Promise<void> {
		const args = this.differences.workflowActivation.publishArgs(workflowId);
		assertNoCliError(await this.cli(args), args[0]);
	}

	/** The opposite of publish() (n8n stopped). */
	async unpublish(workflowId: string): Promise<void> {
		const args = this.differences.workflowActivation.unpublishArgs(workflowId);
		assertNoCliError(await this.cli(args), args[0]);
	}

	/**
	 * The bytes of a binary property of an output item: inline base64, or (n8n's default
	 * `filesystem` mode) the file `<userFolder>/.n8n/storage/<path>` for an id `filesystem-v2:<path>`.
	 */
	readBinary(bin: { data: string; id?: string }): Buffer {
		if (bin.id) {
			const m = /^filesystem(?:-v2)?:(.+)$/.exec(bin.id);
			if (!m) throw new Error(`unsupported binary data id ${bin.id}`);
			return fs.readFileSync(path.join(this.dir, '.n8n', 'storage', m[1]));
		}
		return Buffer.from(bin.data, 'base64');
	}

	/**
	 * `n8n start` on a free port (or `port`, to restart where registered URLs point), WEBHOOK_URL
	 * pointing at it; resolves once /healthz/readiness answers 200.
	 */
	async startServer(opts: { port?: number } = {}): Promise<N8nServer> {
		const port = opts.port ?? (await runtime.freePort());
		const brokerPort = await runtime.freePort();
		const url = `http://127.0.0.1:${port}`;
		const logFile = path.join(this.dir, `n8n-start-${port}.log`);
		const log = fs.openSync(logFile, 'a');
		const child = runtime.runN8n(['start'], {
			n8nVersion: this.n8nVersion,
			userFolder: this.dir,
			stdio: ['ignore', log, log],
			env: {
				N8N_PORT: String(port),
				N8N_LISTEN_ADDRESS: '127.0.0.1',
				N8N_RUNNERS_BROKER_PORT: String(brokerPort),
				[this.differences.webhookBaseUrlEnv]: `${url}/`,
				N8N_EDITOR_BASE_URL: `${url}/`,
			},
		});
		fs.closeSync(log);
		const server = new N8nServer(child, url, logFile);
		try {
			await server.waitReady(180_000);
		} catch (e) {
			await server.stop();
			throw e;
		}
		return server;
	}
}

export class N8nServer {
	private exited: Promise<void>;

	constructor(
		readonly child: ChildProcess,
		readonly url: string,
		readonly logFile: string,
	) {
		this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
	}

	log(): string {
		try {
			return fs.readFileSync(this.logFile, 'utf8');
		} catch {
			return '';
		}
	}

	/**
	 * Until the editor's REST API answers. /healthz/readiness alone is not enough: n8n opens the port
	 * and answers it before registering the REST routes (n8n 1.123 was seen answering
	 * `POST /rest/owner/setup` with 404 right after), so the public `GET /rest/settings` must answer too.
	 */
	async waitReady(timeoutMs: number): Promise<void> {
		const t0 = Date.now();
		for (;;) {
			if (this.child.exitCode !== null)
				throw new Error(`n8n start exited with ${this.child.exitCode}:\n${tail(this.log())}`);
			if (
				(await this.answers200('/healthz/readiness')) &&
				(await this.answers200('/rest/settings'))
			)
				return;
			if (Date.now() - t0 > timeoutMs)
				throw new Error(`n8n start not ready after ${timeoutMs} ms:\n${tail(this.log())}`);
			await sleep(500);
		}
	}

	private async answers200(urlPath: string): Promise<boolean> {
		const r = await httpGet(`${this.url}${urlPath}`).catch(() => undefined);
		return r?.status === 200;
	}

	/** SIGTERM (n8n shuts down gracefully, deactivating its triggers), SIGKILL after timeoutMs. */
	async stop(timeoutMs = 30_000): Promise<void> {
		await stopProcess(this.child, this.exited, timeoutMs);
	}
}

/** SIGTERM, then SIGKILL if the process has not exited after timeoutMs; resolves once it has exited. */
export async function stopProcess(
	child: ChildProcess,
	exited: Promise<void>,
	timeoutMs: number,
): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	child.kill('SIGTERM');
	const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
	await exited;
	clearTimeout(t);
}

export function httpGet(url: string): Promise<{ status: number; body: string }> {
	return new Promise((resolve, reject) => {
		const req = http.get(url, { timeout: 5000 }, (res) => {
			let body = '';
			res.on('data', (d) => (body += d));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
		});
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', reject);
	});
}

export function sleep(ms: number): Promise<void> {
	return new Promise((r) => setTimeout(r, ms));
}

export async function waitUntil<T>(
	what: string,
	fn: () => T | undefined | false | Promise<T | undefined | false>,
	timeoutMs = 60_000,
	stepMs = 250,
): Promise<T> {
	const t0 = Date.now();
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() - t0 > timeoutMs)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(stepMs);
	}
}

function tail(s: string, n = 6000): string {
	return s.length > n ? `…${s.slice(-n)}` : s;
}

function assertNoCliError(r: ExecN8nResult, what: string): void {
	// n8n CLI commands log some failures and still exit 0 (e.g. import with a bad file)
	if (
		/An error occurred|Error importing|Error updating database|Error unpublishing|There was an error/i.test(
			r.stdout + r.stderr,
		)
	) {
		throw new Error(`n8n ${what} reported an error:\n${tail(r.stdout)}\n${tail(r.stderr)}`);
	}
}

/** Items of a node's first run, output `output` (default 0). */
export function nodeItems(run: N8nRun, nodeName: string, output = 0, runIndex = 0): N8nItem[] {
	const runs = run.data.resultData.runData[nodeName];
	if (!runs)
		throw new Error(
			`node "${nodeName}" did not run; ran: ${Object.keys(run.data.resultData.runData).join(', ')}`,
		);
	const task = runs[runIndex];
	if (task.error) throw new Error(`node "${nodeName}" failed: ${task.error.message}`);
	return (task.data?.main[output] ?? []) as N8nItem[];
}

export function nodeError(
	run: N8nRun,
	nodeName: string,
): { message: string; description?: string } | undefined {
	return run.data.resultData.runData[nodeName]?.[0]?.error as
		{ message: string; description?: string } | undefined;
}

/**
 * n8n's internal REST API (`/rest/…`, what the editor uses), signed in as an owner created through
 * `POST /rest/owner/setup`. n8n binds the auth cookie to a `browser-id` header, sent on every call.
 */
export class N8nRest {
	private cookie = '';
	private readonly browserId = 'e2e-browser-id';

	constructor(readonly baseUrl: string) {}

	async setupOwner(email = 'owner@example.com', password = 'E2e-Passw0rd'): Promise<void> {
		const r = await fetch(`${this.baseUrl}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'browser-id': this.browserId },
			body: JSON.stringify({ email, firstName: 'E2E', lastName: 'Owner', password }),
		});
		if (r.status !== 200) throw new Error(`owner setup: ${r.status} ${await r.text()}`);
		const setCookie = r.headers.getSetCookie().find((c) => c.startsWith('n8n-auth='));
		if (!setCookie) throw new Error('owner setup: no n8n-auth cookie');
		this.cookie = setCookie.split(';')[0];
	}

	/** Signs in again (e.g. after a restart) as the owner setupOwner() created. */
	async login(email = 'owner@example.com', password = 'E2e-Passw0rd'): Promise<void> {
		// n8n 2.x names the field emailOrLdapLoginId, n8n 1.x email: both are sent.
		const r = await fetch(`${this.baseUrl}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'browser-id': this.browserId },
			body: JSON.stringify({ email, emailOrLdapLoginId: email, password }),
		});
		if (r.status !== 200) throw new Error(`login: ${r.status} ${await r.text()}`);
		const setCookie = r.headers.getSetCookie().find((c) => c.startsWith('n8n-auth='));
		if (!setCookie) throw new Error('login: no n8n-auth cookie');
		this.cookie = setCookie.split(';')[0];
	}

	async request<T = any>(
		method: string,
		path: string,
		body?: unknown,
	): Promise<{ status: number; body: T }> {
		const r = await fetch(`${this.baseUrl}/rest${path}`, {
			method,
			headers: {
				cookie: this.cookie,
				'browser-id': this.browserId,
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await r.text();
		let parsed: unknown = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			/* not JSON */
		}
		return { status: r.status, body: parsed as T };
	}

	/** Executions of a workflow (newest first), as the editor's execution list shows them. */
	async executions(
		workflowId: string,
	): Promise<Array<{ id: string; status: string; mode: string; workflowId: string }>> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const r = await this.request('GET', `/executions?filter=${filter}&limit=100`);
		if (r.status !== 200)
			throw new Error(`GET /rest/executions: ${r.status} ${JSON.stringify(r.body)}`);
		return r.body.data.results;
	}

	async execution(id: string): Promise<any> {
		const r = await this.request('GET', `/executions/${id}`);
		if (r.status !== 200)
			throw new Error(`GET /rest/executions/${id}: ${r.status} ${JSON.stringify(r.body)}`);
		return r.body.data;
	}
}
