'use strict';
/**
 * Change detection for `npm start` (scripts/start.js), so that a second start skips the steps whose
 * inputs did not change: building, packing and installing the package, importing the credential and
 * the example workflows.
 *
 * A step records, when it succeeds, a content hash of what it read (and of what it left behind);
 * the next start skips it only when both still hash the same. The hashes cover file contents, never
 * modification times: an edit that is undone, or a `git checkout` of the same content, costs no
 * rebuild, and a changed file always does.
 *
 * Plain CommonJS, no dependencies, runs on Node 20.
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

/** Files whose content decides what `npm run build` writes to dist/ (tsc + the gulp copy of icons/codex). */
const BUILD_INPUT_DIRS = ['nodes', 'credentials'];
const BUILD_INPUT_FILES = ['tsconfig.json', 'gulpfile.js', 'package.json', 'package-lock.json'];

/** Every file under `root/rel` (recursively), as sorted paths relative to `root`; [] when it does not exist. */
function listFiles(root, rel) {
	const abs = path.join(root, rel);
	let entries;
	try {
		entries = fs.readdirSync(abs, { withFileTypes: true });
	} catch (e) {
		if (e.code === 'ENOENT') return [];
		if (e.code === 'ENOTDIR') return [rel];
		throw e;
	}
	const out = [];
	for (const entry of entries) {
		const child = path.join(rel, entry.name);
		if (entry.isDirectory()) out.push(...listFiles(root, child));
		else if (entry.isFile() || entry.isSymbolicLink()) out.push(child);
	}
	return out.sort();
}

/**
 * sha256 over the relative path and content of each file, in sorted order. A missing file hashes as
 * missing, so deleting a file changes the hash too.
 */
function hashFiles(root, relPaths) {
	const h = crypto.createHash('sha256');
	for (const rel of [...relPaths].sort()) {
		const posix = rel.split(path.sep).join('/');
		let content;
		try {
			content = fs.readFileSync(path.join(root, rel));
		} catch (e) {
			if (e.code !== 'ENOENT') throw e;
			h.update(`${posix}\0missing\0`);
			continue;
		}
		h.update(`${posix}\0${content.length}\0`);
		h.update(content);
	}
	return h.digest('hex');
}

/** sha256 of a JSON value (key order as given). */
function hashJson(value) {
	return crypto.createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** Hash of everything `npm run build` reads from the repository. */
function buildInputsHash(root) {
	const files = [...BUILD_INPUT_DIRS.flatMap((d) => listFiles(root, d)), ...BUILD_INPUT_FILES];
	return hashFiles(root, files);
}

/** Hash of the build output (dist/), to notice a dist/ that was deleted or rebuilt from other sources. */
function distHash(root) {
	return hashFiles(root, listFiles(root, 'dist'));
}

/**
 * The files `npm pack` puts in the tarball: package.json's `files` entries, package.json itself and
 * the README/LICENSE npm always adds. null when `files` holds a glob (its exact set would need npm's
 * own matcher): then the caller packs every time.
 */
function packedFiles(root) {
	const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
	const entries = Array.isArray(pkg.files) ? pkg.files : null;
	if (!entries || entries.some((e) => /[*?[\]{}!]/.test(e))) return null;
	const always = fs.readdirSync(root).filter((f) => /^(readme|license|licence)(\..*)?$/i.test(f));
	return [...new Set(['package.json', ...always, ...entries.flatMap((e) => listFiles(root, path.normalize(e).replace(/[\\/]+$/, '')))])];
}

/** Hash of the tarball's content (null: cannot be known without packing, see packedFiles). */
function packageHash(root) {
	const files = packedFiles(root);
	return files ? hashFiles(root, files) : null;
}

/** A JSON record of a previous run, or {} when there is none (or it is unreadable). */
function readRecord(file) {
	try {
		const value = JSON.parse(fs.readFileSync(file, 'utf8'));
		return value && typeof value === 'object' ? value : {};
	} catch {
		return {};
	}
}

/** Writes a record atomically (a start interrupted mid-write leaves the previous record, never half of one). */
function writeRecord(file, value) {
	fs.mkdirSync(path.dirname(file), { recursive: true });
	const tmp = `${file}.${process.pid}.tmp`;
	fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
	fs.renameSync(tmp, file);
}

/**
 * The workflows (id → versionId) and credentials (id → updatedAt) in an n8n SQLite database, read
 * directly (about 0.2 s) instead of through `n8n list:workflow` (several seconds: the CLI boots most
 * of n8n). n8n gives a workflow a new versionId, and a credential a new updatedAt, whenever anything
 * writes it (an import, a save in the editor): so they tell whether a copy is still the one an
 * import left. n8n must not be writing to the database meanwhile. `nodeBin` and `sqlite3Dir` are the
 * cached n8n's Node and its sqlite3 module (built for that Node).
 */
function readDbState(dbFile, { nodeBin, sqlite3Dir }) {
	if (!fs.existsSync(dbFile)) return { workflows: new Map(), credentials: new Map() };
	const script = `
		const sqlite3 = require(${JSON.stringify(sqlite3Dir)});
		const db = new sqlite3.Database(${JSON.stringify(dbFile)}, sqlite3.OPEN_READONLY);
		const out = {};
		const read = (key, sql, next) => db.all(sql, (err, rows) => {
			if (err) { console.error(err.message); process.exitCode = 1; }
			out[key] = (rows || []).map((r) => [r.id, String(r.stamp)]);
			next();
		});
		read('workflows', 'SELECT id, versionId AS stamp FROM workflow_entity', () =>
			read('credentials', 'SELECT id, updatedAt AS stamp FROM credentials_entity', () =>
				db.close(() => process.stdout.write(JSON.stringify(out)))));`;
	const r = spawnSync(nodeBin, ['-e', script], { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`reading workflows and credentials from ${dbFile} failed: ${r.stderr}`);
	const rows = JSON.parse(r.stdout);
	return { workflows: new Map(rows.workflows), credentials: new Map(rows.credentials) };
}

module.exports = {
	listFiles,
	hashFiles,
	hashJson,
	buildInputsHash,
	distHash,
	packedFiles,
	packageHash,
	readRecord,
	writeRecord,
	readDbState,
};
