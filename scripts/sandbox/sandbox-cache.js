'use strict';
/**
 * Change detection for `npm start` (scripts/sandbox/start.js), so that a second start skips the steps whose
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

/**
 * Every file under `root/rel` (recursively), as sorted paths relative to `root`; [] when it does not
 * exist; `[rel]` when it is a file.
 *
 * Symbolic links, deliberately: `symlinks: 'follow'` (the default) lists a link to a file as a file
 * (its target's content is hashed; a dangling one hashes as missing) and walks a link to a folder
 * like a folder, as tsc and gulp read through them; a link back into a folder being walked (a loop)
 * is skipped, its files are listed under their real path already. `symlinks: 'skip'` leaves links
 * out altogether, as `npm pack` does (it ships no symbolic link, to a file or to a folder).
 */
function listFiles(root, rel, { symlinks = 'follow' } = {}) {
	const follow = symlinks !== 'skip';
	const out = [];
	const visit = (rel, ancestors) => {
		const abs = path.join(root, rel);
		let stat;
		try {
			stat = fs.lstatSync(abs);
			if (stat.isSymbolicLink()) {
				if (!follow) return;
				stat = fs.statSync(abs);
			}
		} catch (e) {
			if (e.code !== 'ENOENT') throw e;
			// a dangling link inside a tree is listed (hashed as missing: repointing it counts); a missing root is nothing
			if (ancestors.size) out.push(rel);
			return;
		}
		if (stat.isFile()) {
			out.push(rel);
			return;
		}
		if (!stat.isDirectory()) return;
		const real = fs.realpathSync(abs);
		if (ancestors.has(real)) return;
		const inside = new Set(ancestors).add(real);
		for (const name of fs.readdirSync(abs)) visit(path.join(rel, name), inside);
	};
	visit(rel, new Set());
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
 * Names npm's packlist drops at any depth even inside a `files` folder (its default ignore rules);
 * hashing them would only cost a needless reinstall, so they are left out to match `npm pack`.
 */
const NPM_ALWAYS_IGNORED =
	/^(\.npmignore|\.gitignore|\.npmrc|\.DS_Store|npm-debug\.log|\.git|\.svn|\.hg|CVS|\._.*|\..*\.swp|.*\.orig)$/;

/** Files npm ships from the package root whatever `files` says (npm-packlist's `readme{,.*[^~$]}` etc.). */
const NPM_ALWAYS_SHIPPED = /^(readme|copying|license|licence)(\..*[^~$])?$/i;

/** A package.json path as npm-packlist matches it: POSIX, without a leading `./` or `/`. */
function packagePath(p) {
	return path.posix
		.normalize(String(p).split('\\').join('/'))
		.replace(/^(\.\/|\/)+/, '')
		.replace(/\/+$/, '');
}

/**
 * The files `npm pack` puts in the tarball, as npm-packlist chooses them: package.json; README*,
 * COPYING*, LICENSE*, LICENCE* at the root; package.json's `files` entries (folders recursively,
 * without symbolic links and without the names npm always drops); and the `main`, `browser` and
 * `bin` targets, which npm ships even when `files` leaves them out. null when `files` holds a glob
 * (its exact set would need npm's own matcher): then the caller packs every time.
 *
 * A `main` written as "./index.js" is listed although npm 11 does not ship it (its rule `!/./index.js`
 * matches nothing): one file more hashed costs at most a reinstall, one file less a stale sandbox.
 */
function packedFiles(root) {
	const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
	const entries = Array.isArray(pkg.files) ? pkg.files : null;
	if (!entries || entries.some((e) => /[*?[\]{}!]/.test(e))) return null;
	const always = fs.readdirSync(root).filter((f) => NPM_ALWAYS_SHIPPED.test(f));
	const fromFiles = entries
		.flatMap((e) => listFiles(root, path.normalize(packagePath(e)), { symlinks: 'skip' }))
		.filter((f) => !f.split(path.sep).some((part) => NPM_ALWAYS_IGNORED.test(part)));
	const bin = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin || {});
	const required = [pkg.main, pkg.browser, ...bin]
		.filter((p) => typeof p === 'string' && p)
		.flatMap((p) => listFiles(root, path.normalize(packagePath(p)), { symlinks: 'skip' }));
	return [...new Set(['package.json', ...always, ...fromFiles, ...required])].sort();
}

/** Hash of the tarball's content (null: cannot be known without packing, see packedFiles). */
function packageHash(root) {
	const files = packedFiles(root);
	return files ? hashFiles(root, files) : null;
}

// --- the skip decisions of scripts/sandbox/start.js: pure, so that the tests call the ones start.js does ---

/**
 * Whether `npm run build` must run: when forced, or when the sources (`inputs`) or dist/ (`dist`) do
 * not hash to what the last successful build recorded (`last`, {} before the first build).
 */
function needsBuild(last, now, force = false) {
	return force || last.inputs !== now.inputs || last.dist !== now.dist;
}

/**
 * Whether to pack and install the package again: when forced, when what would be packed is unknown
 * (`current` null: see packedFiles), when it hashes otherwise than what was installed (`recorded`),
 * or when the installed copy is gone (`installed` false: deleted by hand).
 */
function needsInstall({ recorded, current, installed, force = false }) {
	return force || current === null || recorded !== current || !installed;
}

/**
 * Whether to import a credential or workflow: when the database lacks it (`stamp` undefined: n8n's
 * updatedAt / versionId for it); otherwise, unless it is imported only once (`once`), when its content
 * (`hash`) or n8n's stamp differs from what the last import recorded (`last`): the content changed, or
 * something else (the editor, another import) wrote it since.
 */
function needsImport({ stamp, hash, last = {}, once = false }) {
	if (stamp === undefined) return true;
	if (once) return false;
	return last.hash !== hash || last.stamp !== stamp;
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
	if (r.status !== 0)
		throw new Error(`reading workflows and credentials from ${dbFile} failed: ${r.stderr}`);
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
	needsBuild,
	needsInstall,
	needsImport,
};
