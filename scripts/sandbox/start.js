#!/usr/bin/env node
'use strict';
/**
 * `npm start`: a local sandbox to try the package in a real n8n.
 *
 *  1. builds the package (skipped when nothing it is built from changed since the last build)
 *  2. makes sure n8n 2.41.1 (+ Node 24) is installed in .cache/n8n-2.41.1/ (first time: minutes)
 *  3. packs it and installs the tarball as a community node into the user folder .cache/sandbox-home/
 *     (skipped when what would be packed is what is installed there already)
 *  4. starts the fake SendApi server on 127.0.0.1, in this process (unless SENDAPI_API_KEY is set:
 *     then the real API), with one connected session whose id is always the same
 *  5. imports a "SendApi sandbox" credential and the example workflows of test/e2e/workflows/examples/
 *     (only what the database lacks or what changed since it was imported)
 *  6. runs `n8n start` on http://localhost:5678 until Ctrl-C
 *
 * What steps 1, 3 and 5 compare is recorded in .cache/sandbox-build.json and
 * .cache/sandbox-home/.sandbox-state.json (see scripts/sandbox/sandbox-cache.js).
 *
 * Env: N8N_PORT (5678), SANDBOX_PORT (3333, the fake server), SENDAPI_API_KEY / SENDAPI_BASE_URL
 * (real API, default base URL https://sendapi.co/v1), SANDBOX_SKIP_BUILD=1 (pack dist/ as it is),
 * SANDBOX_REBUILD=1 (build, pack and install even when nothing changed),
 * SANDBOX_RESET=1 (wipe .cache/sandbox-home first: new owner account, examples imported afresh).
 * Other N8N_* variables are passed to `n8n start` (e.g. N8N_LOG_LEVEL=debug).
 *
 * Plain JavaScript: it runs before anything is compiled (npm start, the e2e jest configs).
 */
const fs = require('fs');
const path = require('path');
const http = require('http');
const runtime = require('./n8n-runtime');
const cache = require('./sandbox-cache');

const ROOT = runtime.ROOT;
const HOME = path.join(runtime.CACHE_ROOT, 'sandbox-home');
const IMPORT_DIR = path.join(HOME, 'import');
/** What the last build was made from and what it wrote (repository-wide: dist/ is shared). */
const BUILD_RECORD = path.join(runtime.CACHE_ROOT, 'sandbox-build.json');
/** What is installed and imported in this sandbox home (wiped with it by SANDBOX_RESET=1). */
const HOME_RECORD = path.join(HOME, '.sandbox-state.json');
const EXAMPLES_DIR = path.join(ROOT, 'test', 'e2e', 'workflows', 'examples');
const N8N_PORT = Number(process.env.N8N_PORT || 5678);
const SANDBOX_PORT = Number(process.env.SANDBOX_PORT || 3333);
const FAKE_API_KEY = 'sk_test_sandbox';
/**
 * The fake server's session. Fixed, so that the example workflows that name it stay valid from one
 * start to the next and need no re-import (each `n8n import:workflow` takes several seconds).
 */
const FAKE_SESSION_ID = 'sess_sandbox';
const CREDENTIAL_ID = 'sendApiSandbox01';
const CREDENTIAL_NAME = 'SendApi sandbox';
/** Placeholders the example workflows use, replaced at import time. */
const SESSION_PLACEHOLDER = '__SENDAPI_SESSION_ID__';

const children = new Set();
let fakeServer = null;
let stopping = false;

function say(msg) {
	process.stdout.write(`[sandbox] ${msg}\n`);
}

function secs(ms) {
	return `${(ms / 1000).toFixed(1)}s`;
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
		if (child && child.exitCode !== null)
			throw new Error(`${what}: the process exited (code ${child.exitCode})`);
		try {
			const v = await fn();
			if (v) return v;
		} catch {
			/* not yet */
		}
		if (Date.now() - t0 > timeoutMs)
			throw new Error(`${what}: not ready after ${Math.round(timeoutMs / 1000)}s`);
		// short: the readiness check is what the banner's start time is measured by
		await new Promise((r) => setTimeout(r, 250));
	}
}

/** N8N_* variables of the caller's environment, for `n8n start` (the runtime drops them otherwise). */
function ownN8nSettings() {
	const fixed = new Set([
		'N8N_USER_FOLDER',
		'N8N_PORT',
		'N8N_WEBHOOK_URL',
		'N8N_RUNNERS_BROKER_PORT',
	]);
	return Object.fromEntries(
		Object.entries(process.env).filter(([k]) => k.startsWith('N8N_') && !fixed.has(k)),
	);
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
	say(`stopping n8n${fakeServer ? ' and the fake SendApi server' : ''}…`);
	if (fakeServer) fakeServer.close().catch(() => undefined);
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

/**
 * Runs `npm run build` unless the sources it reads hash to what the last build was made from and
 * dist/ is still what that build wrote. The inputs are hashed before building: a file edited while
 * tsc runs makes the next start build again.
 */
function buildIfChanged(force) {
	const inputs = cache.buildInputsHash(ROOT);
	const last = cache.readRecord(BUILD_RECORD);
	if (!cache.needsBuild(last, { inputs, dist: cache.distHash(ROOT) }, force)) {
		say('build: sources unchanged since the last build, dist/ as it left it: skipped');
		return;
	}
	say('building the package (npm run build)…');
	const { ms } = runtime.buildPackage();
	cache.writeRecord(BUILD_RECORD, {
		inputs,
		dist: cache.distHash(ROOT),
		builtAt: new Date().toISOString(),
	});
	say(`built in ${secs(ms)}`);
}

/** Whether the community-node copy in the sandbox home is there at all (it may have been deleted by hand). */
function packageInstalled() {
	return fs.existsSync(
		path.join(HOME, '.n8n', 'nodes', 'node_modules', runtime.PACKAGE_NAME, 'package.json'),
	);
}

/**
 * Packs the package and installs the tarball as a community node, unless what would be packed
 * (cache.packedFiles: dist/, package.json, README, LICENSE, …) hashes to what was installed last
 * time and is still there.
 */
function installIfChanged(record, force) {
	const hash = cache.packageHash(ROOT);
	if (
		!cache.needsInstall({
			recorded: record.package,
			current: hash,
			installed: packageInstalled(),
			force,
		})
	) {
		say(
			`package: dist/ and package.json unchanged since it was installed: ${runtime.PACKAGE_NAME} kept as it is`,
		);
		return;
	}
	const t0 = Date.now();
	const tarball = runtime.packPackage(runtime.CACHE_ROOT);
	const installed = runtime.installPackageLikeCommunityNodes(HOME, tarball);
	record.package = hash;
	cache.writeRecord(HOME_RECORD, record);
	say(
		`packed ${path.relative(ROOT, tarball)} and installed ${runtime.PACKAGE_NAME}@${installed.version} as a community node in ` +
			`${path.relative(ROOT, installed.dir)} (${secs(Date.now() - t0)})`,
	);
}

/**
 * The fake SendApi, in this process. It is TypeScript (test/fake-sendapi/): compiled on the fly
 * as `npm run fake-sendapi` does, without type checks.
 */
async function startFakeServer() {
	require('ts-node').register({ transpileOnly: true, project: path.join(ROOT, 'tsconfig.json') });
	const { startFakeSendApi } = require(path.join(ROOT, 'test', 'fake-sendapi'));
	fakeServer = await startFakeSendApi({
		port: SANDBOX_PORT,
		emitEvents: true,
		apiKeys: [FAKE_API_KEY],
	});
	const session = fakeServer.seedSession({ id: FAKE_SESSION_ID, name: 'Sandbox session' });
	return {
		url: fakeServer.url,
		baseUrl: fakeServer.baseUrl,
		apiKey: FAKE_API_KEY,
		sessionId: String(session.id),
		session,
	};
}

function isTriggerWorkflow(wf) {
	return wf.nodes.some((n) => /sendApiTrigger$/.test(n.type));
}

/**
 * A credential the sandbox does not provide (the voice-note example's OpenAI): such an example is
 * imported but not published, or every simulated message would run it into a missing credential.
 */
function needsOtherCredentials(wf) {
	return wf.nodes.some((n) =>
		Object.keys(n.credentials || {}).some((type) => type !== 'sendApiApi'),
	);
}

function credentialFor(api) {
	return {
		id: CREDENTIAL_ID,
		name: CREDENTIAL_NAME,
		type: 'sendApiApi',
		data: { apiKey: api.apiKey, baseUrl: api.baseUrl },
	};
}

/** The example workflows with the session filled in, each with whether it names the session. */
function loadExamples(sessionId) {
	const files = fs.existsSync(EXAMPLES_DIR)
		? fs
				.readdirSync(EXAMPLES_DIR)
				.filter((f) => f.endsWith('.json'))
				.sort()
		: [];
	return files.map((file) => {
		const original = fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8');
		const wf = JSON.parse(original.split(SESSION_PLACEHOLDER).join(sessionId || ''));
		return {
			file,
			wf,
			usesSession: original.includes(SESSION_PLACEHOLDER),
			hash: cache.hashJson(wf),
		};
	});
}

/**
 * What to import. The credential: when the database lacks it, when its content (key, URL) changed,
 * or when something else wrote it since this script imported it. An example workflow: when the
 * database lacks it, or, when it names the session and is not a trigger, when its content (that
 * session's id, the example itself) changed or something else wrote it since (an older start.js with
 * another session id, a save in the editor); that overwrites its copy in n8n. Trigger examples carry
 * no session and are imported once: re-importing a published workflow makes n8n 2.40 re-register
 * its webhook ~10 s after start (its publication reconciler sees a new version), and the user's own
 * changes to it are kept.
 */
function planImports(api, record, db) {
	const credential = credentialFor(api);
	const credentialHash = cache.hashJson(credential);
	const lastCredential = record.credential || {};
	const importCredential = cache.needsImport({
		stamp: db.credentials.get(CREDENTIAL_ID),
		hash: credentialHash,
		last: { hash: lastCredential.hash, stamp: lastCredential.updatedAt },
	});
	const examples = loadExamples(api.sessionId);
	const workflows = examples.filter((e) => {
		const last = (record.workflows || {})[e.wf.id] || {};
		return cache.needsImport({
			stamp: db.workflows.get(e.wf.id),
			hash: e.hash,
			last: { hash: last.hash, stamp: last.versionId },
			once: !e.usesSession || isTriggerWorkflow(e.wf),
		});
	});
	return { credential, credentialHash, importCredential, examples, workflows };
}

/** Imports the credential; records what it imported and the updatedAt n8n gave it. */
async function importCredential(plan, record, readDb, env) {
	fs.mkdirSync(IMPORT_DIR, { recursive: true });
	const credFile = path.join(IMPORT_DIR, 'credentials.json');
	fs.writeFileSync(credFile, JSON.stringify([plan.credential], null, 2), { mode: 0o600 });
	try {
		await runtime.execN8n(['import:credentials', `--input=${credFile}`], { userFolder: HOME, env });
	} finally {
		// it holds the API key in plain text; n8n keeps its own copy encrypted
		fs.rmSync(credFile, { force: true });
	}
	record.credential = {
		hash: plan.credentialHash,
		updatedAt: readDb().credentials.get(CREDENTIAL_ID),
	};
	cache.writeRecord(HOME_RECORD, record);
	say(
		`imported credential "${CREDENTIAL_NAME}" (id ${CREDENTIAL_ID}) → ${plan.credential.data.baseUrl}`,
	);
}

/** Imports (and, for a trigger against the fake server, publishes) the examples planned; records their versionIds. */
async function importWorkflows(plan, record, readDb, realApi, env) {
	const dir = path.join(IMPORT_DIR, 'workflows');
	fs.mkdirSync(dir, { recursive: true });
	for (const e of plan.workflows)
		fs.writeFileSync(path.join(dir, e.file), JSON.stringify(e.wf, null, 2));
	await runtime.execN8n(['import:workflow', '--separate', `--input=${dir}`], {
		userFolder: HOME,
		env,
	});
	say(
		`imported ${plan.workflows.length} example workflow(s): ${plan.workflows.map((e) => `"${e.wf.name}"`).join(', ')}`,
	);
	if (!realApi) {
		// A new trigger example is published so the fake server's deliveries reach it. Against the
		// real API a local trigger is unreachable (webhooks need a public URL): nothing is published.
		for (const e of plan.workflows.filter((w) => isTriggerWorkflow(w.wf))) {
			if (needsOtherCredentials(e.wf)) {
				say(
					`not published: "${e.wf.name}" (give it your own credentials in the editor, then publish it)`,
				);
				continue;
			}
			await runtime.execN8n(['publish:workflow', `--id=${e.wf.id}`], { userFolder: HOME, env });
			say(`published "${e.wf.name}" (its SendApi Trigger registers a webhook when n8n starts)`);
		}
	}
	const versions = readDb().workflows;
	record.workflows = record.workflows || {};
	for (const e of plan.workflows)
		record.workflows[e.wf.id] = { hash: e.hash, versionId: versions.get(e.wf.id) };
	cache.writeRecord(HOME_RECORD, record);
}

async function runImports(plan, record, readDb, realApi, env) {
	fs.rmSync(IMPORT_DIR, { recursive: true, force: true });
	if (plan.importCredential) await importCredential(plan, record, readDb, env);
	else
		say(
			`credential "${CREDENTIAL_NAME}" → ${plan.credential.data.baseUrl} unchanged: not imported again`,
		);
	if (plan.workflows.length) await importWorkflows(plan, record, readDb, realApi, env);
	const kept = plan.examples.filter((e) => !plan.workflows.includes(e));
	if (kept.length)
		say(
			`example workflows kept as they are (SANDBOX_RESET=1 starts over): ${kept.map((e) => `"${e.wf.name}"`).join(', ')}`,
		);
}

function realApiSettings() {
	return {
		apiKey: process.env.SENDAPI_API_KEY,
		baseUrl: (process.env.SENDAPI_BASE_URL || 'https://sendapi.co/v1').replace(/\/+$/, ''),
		sessionId: '',
	};
}

function startN8n(baseUrl, env) {
	const n8n = runtime.runN8n(['start'], {
		userFolder: HOME,
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
	return track(n8n, 'n8n');
}

function printBanner(t0, baseUrl, api, realApi, examples) {
	const lines = [
		'',
		'──────────────────────────────────────────────────────────────────────────────',
		` n8n sandbox ready after ${Math.round((Date.now() - t0) / 1000)}s`,
		`   n8n editor:        ${baseUrl}/   (first visit: create the owner account; it stays in .cache/sandbox-home)`,
		`   credential:        "${CREDENTIAL_NAME}" → ${api.baseUrl}`,
		`   example workflows: ${examples.map((e) => e.wf.name).join(' | ') || '(none)'}`,
	];
	if (!realApi) {
		lines.push(
			`   fake SendApi:      ${api.baseUrl}   (API key ${api.apiKey}, session ${api.sessionId}${api.session && api.session.phone_number ? `, ${api.session.phone_number}` : ''})`,
			`   requests it saw:   curl -s ${api.url}/__sandbox/requests`,
			`   its state:         curl -s ${api.url}/__sandbox/state`,
			'   simulate an incoming WhatsApp message (reaches published SendApi Trigger workflows):',
			`     curl -s -X POST ${api.url}/__sandbox/incoming -H 'Content-Type: application/json' \\`,
			`       -d '{"session_id":"${api.sessionId}","from":"+447700900123","text":"hello"}'`,
			'   … or a media message (image, video, audio, voice, document, sticker; its file is served too):',
			`     curl -s -X POST ${api.url}/__sandbox/incoming -H 'Content-Type: application/json' \\`,
			`       -d '{"session_id":"${api.sessionId}","from":"+447700900123","media":{"type":"voice"}}'`,
		);
	}
	lines.push(
		` Ctrl-C stops n8n${realApi ? '' : ' and the fake server'}.`,
		'──────────────────────────────────────────────────────────────────────────────',
		'',
	);
	process.stdout.write(lines.join('\n') + '\n');
}

async function main() {
	const t0 = Date.now();
	const realApi = !!process.env.SENDAPI_API_KEY;
	const force = process.env.SANDBOX_REBUILD === '1';
	if (process.env.SANDBOX_RESET === '1') fs.rmSync(HOME, { recursive: true, force: true });

	if (process.env.SANDBOX_SKIP_BUILD === '1') say('SANDBOX_SKIP_BUILD=1: packing dist/ as it is');
	else buildIfChanged(force);

	const info = await runtime.ensureN8n();
	say(`n8n ${info.n8nVersion} on Node ${info.nodeVersion}`);

	const record = cache.readRecord(HOME_RECORD);
	installIfChanged(record, force);

	process.on('SIGINT', () => stop(0));
	process.on('SIGTERM', () => stop(0));

	let api;
	if (realApi) {
		api = realApiSettings();
		say(`SENDAPI_API_KEY is set: using the real SendApi at ${api.baseUrl} (no fake server)`);
	} else {
		api = await startFakeServer();
		say(`fake SendApi server listening on ${api.url}`);
	}

	const brokerPort = await runtime.freePort();
	const env = { N8N_RUNNERS_BROKER_PORT: String(brokerPort) };
	const dbFile = path.join(HOME, '.n8n', 'database.sqlite');
	const readDb = () =>
		cache.readDbState(dbFile, {
			nodeBin: info.nodeBin,
			sqlite3Dir: path.join(info.dir, 'node_modules', 'sqlite3'),
		});
	const plan = planImports(api, record, readDb());
	await runImports(plan, record, readDb, realApi, env);

	// n8n 2.40 keeps webhook registrations across restarts and never re-checks them at the service;
	// the fake server forgot its webhooks when it stopped, so make n8n register them again.
	if (!realApi) {
		const cleared = runtime.clearWebhookRegistrations(HOME);
		if (cleared)
			say(
				`reset ${cleared} webhook registration(s): published triggers register again with the new fake server`,
			);
	}

	const baseUrl = `http://localhost:${N8N_PORT}`;
	say(`starting n8n on ${baseUrl} … (${secs(Date.now() - t0)} so far)`);
	const n8n = startN8n(baseUrl, env);
	await waitFor(
		'n8n',
		async () => (await getJson(`http://127.0.0.1:${N8N_PORT}/healthz/readiness`)).status === 200,
		180000,
		n8n,
	);
	printBanner(t0, baseUrl, api, realApi, plan.examples);
	if (!realApi && plan.examples.some((e) => isTriggerWorkflow(e.wf)))
		await reportTriggerRegistration(t0);
}

/**
 * n8n 2.40 registers published triggers from its publication reconciler, 10–40 s after it is ready
 * (seen here): say when the fake server has a webhook, so nobody simulates an incoming message before.
 */
async function reportTriggerRegistration(t0) {
	say(
		'the published SendApi Trigger example registers its webhook with the fake server once n8n gets to it (10–40 s)…',
	);
	try {
		await waitFor(
			'the SendApi Trigger webhook',
			async () => fakeServer.state.webhooks.size > 0,
			120000,
		);
		say(
			`SendApi Trigger webhook registered (${secs(Date.now() - t0)} after the start): simulated incoming messages now start it`,
		);
	} catch {
		if (!stopping)
			say(
				'no SendApi Trigger registered a webhook within 2 minutes: is the example workflow still published?',
			);
	}
}

main().catch((err) => {
	process.stderr.write(`[sandbox] ${err.stack || err}\n`);
	stop(1);
});
