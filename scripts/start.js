#!/usr/bin/env node
'use strict';
/**
 * `npm start`: a local sandbox to try the package in a real n8n.
 *
 *  1. builds the package and `npm pack`s it into .cache/
 *  2. makes sure n8n 2.40.7 (+ Node 24) is installed in .cache/n8n-2.40.7/ (first time: minutes)
 *  3. installs the tarball as a community node into the user folder .cache/sandbox-home/
 *  4. starts the fake SendApi server on 127.0.0.1 (unless SENDAPI_API_KEY is set: then the real API)
 *  5. imports a "SendApi sandbox" credential and the example workflows of test/e2e/workflows/examples/
 *  6. runs `n8n start` on http://localhost:5678 until Ctrl-C
 *
 * Env: N8N_PORT (5678), SANDBOX_PORT (3333, the fake server), SENDAPI_API_KEY / SENDAPI_BASE_URL
 * (real API, default base URL https://sendapi.co/v1), SANDBOX_SKIP_BUILD=1 (pack dist/ as it is),
 * SANDBOX_RESET=1 (wipe .cache/sandbox-home first: new owner account, examples imported afresh).
 * Other N8N_* variables are passed to `n8n start` (e.g. N8N_LOG_LEVEL=debug).
 */
const fs = require('fs');
const path = require('path');
const http = require('http');
const { spawn } = require('child_process');
const runtime = require('./n8n-runtime');

const ROOT = runtime.ROOT;
const HOME = path.join(runtime.CACHE_ROOT, 'sandbox-home');
const IMPORT_DIR = path.join(HOME, 'import');
const EXAMPLES_DIR = path.join(ROOT, 'test', 'e2e', 'workflows', 'examples');
const N8N_PORT = Number(process.env.N8N_PORT || 5678);
const SANDBOX_PORT = Number(process.env.SANDBOX_PORT || 3333);
const FAKE_API_KEY = 'sk_test_sandbox';
const CREDENTIAL_ID = 'sendApiSandbox01';
const CREDENTIAL_NAME = 'SendApi sandbox';
/** Placeholders the example workflows use, replaced at import time. */
const SESSION_PLACEHOLDER = '__SENDAPI_SESSION_ID__';
const CREDENTIAL_ID_PLACEHOLDER = '__SENDAPI_CREDENTIAL_ID__';

const children = new Set();
let stopping = false;

function say(msg) {
	process.stdout.write(`[sandbox] ${msg}\n`);
}

function getJson(url) {
	return new Promise((resolve, reject) => {
		const req = http.get(url, { timeout: 3000 }, (res) => {
			let body = '';
			res.on('data', (d) => (body += d));
			res.on('end', () => {
				try {
					resolve({ status: res.statusCode, body: body ? JSON.parse(body) : undefined });
				} catch (e) {
					resolve({ status: res.statusCode, body });
				}
			});
		});
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', reject);
	});
}

async function waitFor(what, fn, timeoutMs, child) {
	const t0 = Date.now();
	for (;;) {
		if (child && child.exitCode !== null) throw new Error(`${what}: the process exited (code ${child.exitCode})`);
		try {
			const v = await fn();
			if (v) return v;
		} catch {
			/* not yet */
		}
		if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not ready after ${Math.round(timeoutMs / 1000)}s`);
		await new Promise((r) => setTimeout(r, 500));
	}
}

/** N8N_* variables of the caller's environment, for `n8n start` (the runtime drops them otherwise). */
function ownN8nSettings() {
	const fixed = new Set(['N8N_USER_FOLDER', 'N8N_PORT', 'N8N_WEBHOOK_URL', 'N8N_RUNNERS_BROKER_PORT']);
	return Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('N8N_') && !fixed.has(k)));
}

function track(child, name) {
	children.add(child);
	child.on('exit', (code, signal) => {
		children.delete(child);
		if (!stopping) {
			say(`${name} exited (${signal || code}); stopping the sandbox`);
			stop(typeof code === 'number' && code !== 0 ? code : 1);
		}
	});
	return child;
}

function stop(exitCode) {
	if (stopping) return;
	stopping = true;
	say('stopping n8n and the fake SendApi server…');
	const pending = [...children];
	for (const c of pending) {
		try {
			c.kill('SIGTERM');
		} catch {
			/* gone */
		}
	}
	const hard = setTimeout(() => {
		for (const c of children) {
			try {
				c.kill('SIGKILL');
			} catch {
				/* gone */
			}
		}
		process.exit(exitCode);
	}, 15000);
	hard.unref();
	const check = setInterval(() => {
		if (children.size === 0) {
			clearInterval(check);
			process.exit(exitCode);
		}
	}, 200);
}

async function startFakeServer() {
	const tsNode = path.join(ROOT, 'node_modules', '.bin', 'ts-node');
	const child = spawn(tsNode, ['--transpile-only', 'test/fake-sendapi/cli.ts', '--emit-events', `--api-key=${FAKE_API_KEY}`], {
		cwd: ROOT,
		env: { ...runtime.cleanNpmEnv(), PORT: String(SANDBOX_PORT) },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	track(child, 'the fake SendApi server');
	let out = '';
	child.stdout.on('data', (d) => (out += d));
	child.stderr.on('data', (d) => process.stderr.write(`[fake-sendapi] ${d}`));
	const url = `http://127.0.0.1:${SANDBOX_PORT}`;
	const state = await waitFor(
		'fake SendApi server',
		async () => {
			const r = await getJson(`${url}/__sandbox/state`);
			return r.status === 200 && r.body && r.body.data;
		},
		60000,
		child,
	);
	const session = state.sessions[0];
	return { url, baseUrl: `${url}/v1`, apiKey: FAKE_API_KEY, sessionId: session ? String(session.id) : '', session, output: () => out };
}

/** Ids of the workflows already in the sandbox's database (`n8n list:workflow` prints `id|name`). */
async function existingWorkflowIds(userFolder, env) {
	const r = await runtime.execN8n(['list:workflow'], { userFolder, env });
	return new Set(
		r.stdout
			.split(/\r?\n/)
			.map((l) => /^([A-Za-z0-9]{16})\|/.exec(l))
			.filter(Boolean)
			.map((m) => m[1]),
	);
}

function isTriggerWorkflow(wf) {
	return wf.nodes.some((n) => /sendApiTrigger$/.test(n.type));
}

/**
 * What to import. The credential is written every time (key and URL may change). An example
 * workflow is imported when it is not in the database yet, or, when it uses the fake server's
 * session (the placeholder), again on every start because that session's id is new each time.
 * Trigger examples carry no session and are imported once: re-importing a published workflow makes
 * n8n 2.40 re-register its webhook ~10 s after start (its publication reconciler sees a new version),
 * and the user's own changes to it are kept.
 */
function writeImports(api, existing) {
	fs.rmSync(IMPORT_DIR, { recursive: true, force: true });
	fs.mkdirSync(path.join(IMPORT_DIR, 'workflows'), { recursive: true });
	const credFile = path.join(IMPORT_DIR, 'credentials.json');
	fs.writeFileSync(
		credFile,
		JSON.stringify(
			[{ id: CREDENTIAL_ID, name: CREDENTIAL_NAME, type: 'sendApiApi', data: { apiKey: api.apiKey, baseUrl: api.baseUrl } }],
			null,
			2,
		),
	);
	fs.chmodSync(credFile, 0o600);
	const files = fs.existsSync(EXAMPLES_DIR) ? fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort() : [];
	const all = [];
	const toImport = [];
	for (const f of files) {
		const original = fs.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8');
		const wf = JSON.parse(original.split(SESSION_PLACEHOLDER).join(api.sessionId || ''));
		all.push(wf);
		const usesSession = original.includes(SESSION_PLACEHOLDER);
		if (!existing.has(wf.id) || (usesSession && !isTriggerWorkflow(wf))) {
			fs.writeFileSync(path.join(IMPORT_DIR, 'workflows', f), JSON.stringify(wf, null, 2));
			toImport.push(wf);
		}
	}
	return { credFile, workflowsDir: path.join(IMPORT_DIR, 'workflows'), all, toImport, existing };
}

async function main() {
	const t0 = Date.now();
	const realApi = !!process.env.SENDAPI_API_KEY;
	if (process.env.SANDBOX_RESET === '1') fs.rmSync(HOME, { recursive: true, force: true });

	if (process.env.SANDBOX_SKIP_BUILD === '1') say('SANDBOX_SKIP_BUILD=1: packing dist/ as it is');
	else {
		say('building the package (npm run build)…');
		runtime.buildPackage();
	}
	const tarball = runtime.packPackage(runtime.CACHE_ROOT);
	say(`packed ${path.relative(ROOT, tarball)}`);

	const info = await runtime.ensureN8n();
	say(`n8n ${info.n8nVersion} on Node ${info.nodeVersion}`);

	const installed = runtime.installPackageLikeCommunityNodes(HOME, tarball);
	say(`installed ${runtime.PACKAGE_NAME}@${installed.version} as a community node in ${path.relative(ROOT, installed.dir)}`);

	process.on('SIGINT', () => stop(0));
	process.on('SIGTERM', () => stop(0));

	let api;
	if (realApi) {
		api = {
			apiKey: process.env.SENDAPI_API_KEY,
			baseUrl: (process.env.SENDAPI_BASE_URL || 'https://sendapi.co/v1').replace(/\/+$/, ''),
			sessionId: '',
		};
		say(`SENDAPI_API_KEY is set: using the real SendApi at ${api.baseUrl} (no fake server)`);
	} else {
		say(`starting the fake SendApi server on 127.0.0.1:${SANDBOX_PORT}…`);
		api = await startFakeServer();
	}

	const userFolder = HOME;
	const brokerPort = await runtime.freePort();
	const env = { N8N_RUNNERS_BROKER_PORT: String(brokerPort) };
	const imports = writeImports(api, await existingWorkflowIds(userFolder, env));
	await runtime.execN8n(['import:credentials', `--input=${imports.credFile}`], { userFolder, env });
	say(`imported credential "${CREDENTIAL_NAME}" (id ${CREDENTIAL_ID}) → ${api.baseUrl}`);
	if (imports.toImport.length) {
		await runtime.execN8n(['import:workflow', '--separate', `--input=${imports.workflowsDir}`], { userFolder, env });
		say(`imported ${imports.toImport.length} example workflow(s): ${imports.toImport.map((w) => `"${w.name}"`).join(', ')}`);
		if (!realApi) {
			// A new trigger example is published so the fake server's deliveries reach it. Against the
			// real API a local trigger is unreachable (webhooks need a public URL): nothing is published.
			for (const wf of imports.toImport.filter(isTriggerWorkflow)) {
				await runtime.execN8n(['publish:workflow', `--id=${wf.id}`], { userFolder, env });
				say(`published "${wf.name}" (its SendApi Trigger registers a webhook when n8n starts)`);
			}
		}
	}
	const kept = imports.all.filter((w) => !imports.toImport.includes(w));
	if (kept.length) say(`kept as they are (SANDBOX_RESET=1 starts over): ${kept.map((w) => `"${w.name}"`).join(', ')}`);

	// n8n 2.40 keeps webhook registrations across restarts and never re-checks them at the service;
	// the fake server forgot its webhooks when it stopped, so make n8n register them again.
	if (!realApi) {
		const cleared = runtime.clearWebhookRegistrations(userFolder);
		if (cleared) say(`reset ${cleared} webhook registration(s): published triggers register again with the new fake server`);
	}

	const baseUrl = `http://localhost:${N8N_PORT}`;
	say(`starting n8n on ${baseUrl} …`);
	const n8n = runtime.runN8n(['start'], {
		userFolder,
		stdio: ['ignore', 'inherit', 'inherit'],
		env: {
			...env,
			N8N_PORT: String(N8N_PORT),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: 'localhost',
			N8N_PROTOCOL: 'http',
			N8N_WEBHOOK_URL: `${baseUrl}/`,
			N8N_EDITOR_BASE_URL: `${baseUrl}/`,
			// your own N8N_* settings (e.g. N8N_LOG_LEVEL=debug) win over the sandbox defaults
			...ownN8nSettings(),
		},
	});
	track(n8n, 'n8n');
	await waitFor('n8n', async () => (await getJson(`http://127.0.0.1:${N8N_PORT}/healthz/readiness`)).status === 200, 180000, n8n);

	const lines = [
		'',
		'──────────────────────────────────────────────────────────────────────────────',
		` n8n sandbox ready after ${Math.round((Date.now() - t0) / 1000)}s`,
		`   n8n editor:        ${baseUrl}/   (first visit: create the owner account; it stays in .cache/sandbox-home)`,
		`   credential:        "${CREDENTIAL_NAME}" → ${api.baseUrl}`,
		`   example workflows: ${imports.all.map((w) => w.name).join(' | ') || '(none)'}`,
	];
	if (!realApi) {
		lines.push(
			`   fake SendApi:      ${api.baseUrl}   (API key ${api.apiKey}, session ${api.sessionId}${api.session && api.session.phone_number ? `, ${api.session.phone_number}` : ''})`,
			`   requests it saw:   curl -s ${api.url}/__sandbox/requests`,
			`   its state:         curl -s ${api.url}/__sandbox/state`,
			'   simulate an incoming WhatsApp message (reaches published SendApi Trigger workflows):',
			`     curl -s -X POST ${api.url}/__sandbox/incoming -H 'Content-Type: application/json' \\`,
			`       -d '{"session_id":"${api.sessionId}","from":"+447700900123","text":"hello"}'`,
		);
	}
	lines.push(` Ctrl-C stops n8n${realApi ? '' : ' and the fake server'}.`, '──────────────────────────────────────────────────────────────────────────────', '');
	process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err) => {
	process.stderr.write(`[sandbox] ${err.stack || err}\n`);
	stop(1);
	if (children.size === 0) process.exit(1);
});
