/**
 * scripts/sandbox/sandbox-cache.js: the change detection that lets a warm `npm start` skip the build, the
 * pack + install and the imports. Each test builds a small package tree in a temporary folder and
 * changes one thing in it.
 *
 * The module computes the hashes, reads/writes the records and makes the skip decisions
 * (needsBuild, needsInstall, needsImport) that scripts/sandbox/start.js calls; the tests call the same
 * functions, so that they state decisions rather than hash values.
 *
 * readDbState is run against a stand-in for the sqlite3 module: the real one is the cached n8n's
 * (.cache/n8n-<version>/node_modules/sqlite3, built for that n8n's Node), which the unit tests do
 * not depend on.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
	buildInputsHash,
	distHash,
	hashFiles,
	hashJson,
	listFiles,
	needsBuild,
	needsImport,
	needsInstall,
	packageHash,
	packedFiles,
	readDbState,
	readRecord,
	writeRecord,
} from '../../scripts/sandbox/sandbox-cache';

/** A package like this one: sources, build output, and files that are neither. */
const FIXTURE: Record<string, string> = {
	'package.json': JSON.stringify(
		{ name: 'fixture-nodes', version: '1.0.0', license: 'MIT', files: ['dist'] },
		null,
		2,
	),
	'package-lock.json': JSON.stringify({ name: 'fixture-nodes', lockfileVersion: 3 }),
	'tsconfig.json': JSON.stringify({ compilerOptions: { outDir: './dist/' } }),
	'gulpfile.js': '// copies icons next to the compiled nodes\n',
	'README.md': '# fixture\n',
	LICENSE: 'MIT\n',
	'CHANGELOG.md': '# Changelog\n',
	'nodes/Foo/Foo.node.ts': 'export const foo = 1;\n',
	'nodes/Foo/foo.svg': '<svg/>\n',
	'credentials/FooApi.credentials.ts': 'export const api = 1;\n',
	'dist/nodes/Foo/Foo.node.js': 'exports.foo = 1;\n',
	'dist/nodes/Foo/foo.svg': '<svg/>\n',
	'dist/credentials/FooApi.credentials.js': 'exports.api = 1;\n',
	'test/foo.test.ts': "test('foo', () => undefined);\n",
	'docs/guide.md': 'a guide\n',
};

let root: string;

beforeEach(() => {
	root = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-cache-'));
	for (const [rel, content] of Object.entries(FIXTURE)) write(rel, content);
});

afterEach(() => {
	fs.rmSync(root, { recursive: true, force: true });
});

function write(rel: string, content: string): void {
	const file = path.join(root, rel);
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, content);
}

function remove(rel: string): void {
	fs.rmSync(path.join(root, rel));
}

/** Where start.js keeps its records: inside the tree's .cache/, which is no input of any step. */
function recordFile(name: string): string {
	return path.join(root, '.cache', name);
}

// --- build (start.js buildIfChanged) ---

/** start.js's decision on the tree as it is now, against the record of the last build. */
function buildNeeded(force = false): boolean {
	return needsBuild(
		readRecord(recordFile('sandbox-build.json')),
		{ inputs: buildInputsHash(root), dist: distHash(root) },
		force,
	);
}

/** What start.js records after a successful build. */
function recordBuild(): void {
	writeRecord(recordFile('sandbox-build.json'), {
		inputs: buildInputsHash(root),
		dist: distHash(root),
	});
}

describe('build', () => {
	test('SANDBOX_REBUILD=1 builds an unchanged tree', () => {
		recordBuild();
		expect(buildNeeded(true)).toBe(true);
	});

	test('a symlinked folder in the sources is followed, as tsc reads through it, and a loop is skipped', () => {
		write('shared/Util.ts', 'export const util = 1;\n');
		fs.symlinkSync(path.join(root, 'shared'), path.join(root, 'nodes', 'Shared'), 'dir');
		fs.symlinkSync(path.join(root, 'nodes'), path.join(root, 'nodes', 'Foo', 'loop'), 'dir');
		expect(posix(listFiles(root, 'nodes'))).toEqual([
			'nodes/Foo/Foo.node.ts',
			'nodes/Foo/foo.svg',
			'nodes/Shared/Util.ts',
		]);
		recordBuild();
		expect(buildNeeded()).toBe(false);
		write('shared/Util.ts', 'export const util = 2;\n');
		expect(buildNeeded()).toBe(true);
	});

	test('a dangling link in the sources hashes as missing: pointing it somewhere needs a build', () => {
		fs.symlinkSync(path.join(root, 'gone.ts'), path.join(root, 'nodes', 'Foo', 'link.ts'));
		recordBuild();
		expect(buildNeeded()).toBe(false);
		write('gone.ts', 'export const back = 1;\n');
		expect(buildNeeded()).toBe(true);
	});

	test('a tree never built needs a build', () => {
		expect(buildNeeded()).toBe(true);
	});

	test('after a recorded build, an unchanged tree needs none', () => {
		recordBuild();
		expect(buildNeeded()).toBe(false);
	});

	test.each([
		['a changed source file', () => write('nodes/Foo/Foo.node.ts', 'export const foo = 2;\n')],
		[
			'a new source file',
			() => write('credentials/BarApi.credentials.ts', 'export const bar = 1;\n'),
		],
		['a deleted source file', () => remove('nodes/Foo/foo.svg')],
		[
			'a changed package.json',
			() => write('package.json', FIXTURE['package.json'].replace('1.0.0', '1.0.1')),
		],
		['a changed package-lock.json', () => write('package-lock.json', '{}')],
		['a changed tsconfig.json', () => write('tsconfig.json', '{}')],
		['a changed gulpfile.js', () => write('gulpfile.js', '// copies nothing\n')],
		['a deleted gulpfile.js', () => remove('gulpfile.js')],
		['a deleted dist file', () => remove('dist/nodes/Foo/Foo.node.js')],
		['a deleted dist/', () => fs.rmSync(path.join(root, 'dist'), { recursive: true })],
		[
			'a changed dist file',
			() => write('dist/credentials/FooApi.credentials.js', 'exports.api = 2;\n'),
		],
		['a stray dist file', () => write('dist/nodes/Old/Old.node.js', 'exports.old = 1;\n')],
		[
			'a source file renamed, content kept',
			() => fs.renameSync(path.join(root, 'nodes/Foo'), path.join(root, 'nodes/Bar')),
		],
	])('%s needs a build', (_what, change) => {
		recordBuild();
		change();
		expect(buildNeeded()).toBe(true);
	});

	test.each([
		['a test file', () => write('test/foo.test.ts', "test('bar', () => undefined);\n")],
		['a doc', () => write('docs/guide.md', 'another guide\n')],
		['the README', () => write('README.md', '# renamed\n')],
		['the record folder', () => write('.cache/other.json', '{}')],
	])('a change to %s needs no build', (_what, change) => {
		recordBuild();
		change();
		expect(buildNeeded()).toBe(false);
	});

	test('only contents count: an undone edit and a touched file need no build', () => {
		recordBuild();
		write('nodes/Foo/Foo.node.ts', 'export const foo = 2;\n');
		write('nodes/Foo/Foo.node.ts', FIXTURE['nodes/Foo/Foo.node.ts']);
		const later = new Date(Date.now() + 60_000);
		fs.utimesSync(path.join(root, 'credentials/FooApi.credentials.ts'), later, later);
		expect(buildNeeded()).toBe(false);
	});
});

// --- pack + install (start.js installIfChanged, without its "is it still installed" check) ---

/** start.js's decision on the tree as it is now, against the record of the last install. */
function installNeeded({ installed = true, force = false } = {}): boolean {
	return needsInstall({
		recorded: readRecord(recordFile('sandbox-state.json')).package,
		current: packageHash(root),
		installed,
		force,
	});
}

function recordInstall(): void {
	writeRecord(recordFile('sandbox-state.json'), { package: packageHash(root) });
}

/** What `npm pack` itself would put in the tarball of the tree. */
function npmPackFiles(): string[] {
	const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
		cwd: root,
		encoding: 'utf8',
	});
	if (r.status !== 0) throw new Error(`npm pack --dry-run failed: ${r.stderr}`);
	return (JSON.parse(r.stdout)[0].files as Array<{ path: string }>).map((f) => f.path).sort();
}

function posix(paths: string[] | null): string[] | null {
	return paths && paths.map((p) => p.split(path.sep).join('/')).sort();
}

describe('pack and install', () => {
	test('the files hashed are the ones npm pack ships', () => {
		expect(posix(packedFiles(root))).toEqual(npmPackFiles());
	});

	/** The fixture with what npm ships besides `files`, and what it leaves out of a `files` folder. */
	function withExtras(): void {
		const pkg = {
			...JSON.parse(FIXTURE['package.json']),
			main: 'index.js',
			browser: 'browser.js',
			bin: { fixture: './bin/cli.js' },
		};
		write('package.json', JSON.stringify(pkg, null, 2));
		write('index.js', "module.exports = require('../dist/nodes/Foo/Foo.node.js');\n");
		write('browser.js', '// browser entry\n');
		write('bin/cli.js', '#!/usr/bin/env node\n');
		write('COPYING', 'MIT\n');
		write('Licence.txt', 'MIT\n');
		write('README.md~', 'an editor backup\n');
		write('dist/.DS_Store', 'finder\n');
		write('dist/nodes/Foo/Foo.node.js.orig', 'a merge leftover\n');
		write('elsewhere/Linked.js', 'exports.linked = 1;\n');
		fs.symlinkSync(path.join(root, 'elsewhere'), path.join(root, 'dist', 'linked'), 'dir');
		fs.symlinkSync(
			path.join(root, 'dist', 'nodes', 'Foo', 'Foo.node.js'),
			path.join(root, 'dist', 'alias.js'),
		);
	}

	test('with main, browser and bin targets, COPYING, symbolic links and files npm drops: still what npm pack ships', () => {
		withExtras();
		expect(posix(packedFiles(root))).toEqual(npmPackFiles());
		expect(packedFiles(root)).toEqual(
			expect.arrayContaining([
				'index.js',
				'browser.js',
				path.join('bin', 'cli.js'),
				'COPYING',
				'Licence.txt',
			]),
		);
	});

	test.each([
		['the main target', () => write('index.js', 'module.exports = {};\n')],
		['a bin target', () => write('bin/cli.js', '#!/usr/bin/env node\nconsole.log(1);\n')],
		['the browser target', () => write('browser.js', '// other\n')],
		['COPYING', () => write('COPYING', 'ISC\n')],
		['Licence.txt', () => write('Licence.txt', 'ISC\n')],
	])('a change to %s (shipped outside `files`) needs pack and install', (_what, change) => {
		withExtras();
		recordInstall();
		change();
		expect(installNeeded()).toBe(true);
	});

	test('a symbolic link in dist/ is not shipped: hashing skips it instead of throwing, and its target does not count', () => {
		withExtras();
		recordInstall();
		write('elsewhere/Linked.js', 'exports.linked = 2;\n');
		write('dist/.DS_Store', 'finder, again\n');
		expect(installNeeded()).toBe(false);
	});

	test('an installed copy deleted by hand, or SANDBOX_REBUILD=1, needs pack and install', () => {
		recordInstall();
		expect(installNeeded({ installed: false })).toBe(true);
		expect(installNeeded({ force: true })).toBe(true);
	});

	test('a `files` entry written as ./dist/ means dist', () => {
		const asIs = packedFiles(root);
		write('package.json', FIXTURE['package.json'].replace('"dist"', '"./dist/"'));
		expect(packedFiles(root)).toEqual(asIs);
	});

	test('a package never installed needs pack and install', () => {
		expect(installNeeded()).toBe(true);
	});

	test('after a recorded install, an unchanged package needs neither', () => {
		recordInstall();
		expect(installNeeded()).toBe(false);
	});

	test.each([
		['a changed dist file', () => write('dist/nodes/Foo/Foo.node.js', 'exports.foo = 2;\n')],
		['a deleted dist file', () => remove('dist/nodes/Foo/foo.svg')],
		[
			'a changed package.json',
			() => write('package.json', FIXTURE['package.json'].replace('1.0.0', '1.0.1')),
		],
		['a changed README', () => write('README.md', '# fixture, documented\n')],
		['a changed LICENSE', () => write('LICENSE', 'ISC\n')],
	])('%s needs pack and install', (_what, change) => {
		recordInstall();
		change();
		expect(installNeeded()).toBe(true);
	});

	test.each([
		// the build decides whether dist/ changes; until then the package is the same
		[
			'a source file not rebuilt yet',
			() => write('nodes/Foo/Foo.node.ts', 'export const foo = 2;\n'),
		],
		['a test file', () => write('test/foo.test.ts', "test('bar', () => undefined);\n")],
		['package-lock.json', () => write('package-lock.json', '{}')],
		['the CHANGELOG (npm does not ship it)', () => write('CHANGELOG.md', '# Changes\n')],
	])('a change to %s needs no pack', (_what, change) => {
		recordInstall();
		change();
		expect(installNeeded()).toBe(false);
	});

	test('a glob in `files` leaves the packed set unknown: pack every time', () => {
		write('package.json', FIXTURE['package.json'].replace('"dist"', '"dist/**/*.js"'));
		expect(packedFiles(root)).toBeNull();
		recordInstall();
		expect(installNeeded()).toBe(true);
	});
});

// --- imports (start.js planImports) ---

describe('imports', () => {
	const credential = {
		id: 'cred1',
		name: 'SendApi sandbox',
		type: 'sendApiApi',
		data: { apiKey: 'sk_a', baseUrl: 'http://127.0.0.1:3333/v1' },
	};
	const imported = { hash: hashJson(credential), stamp: '2026-01-01 00:00:00.000' };
	/** start.js's decision for `value`, with `stamp` as n8n's stamp on it in the database (undefined: not there). */
	const importNeeded = (value: unknown, stamp: string | undefined, once = false) =>
		needsImport({ stamp, hash: hashJson(value), last: imported, once });

	test('an item the database lacks is imported, whatever was recorded', () => {
		expect(importNeeded(credential, undefined)).toBe(true);
		expect(needsImport({ stamp: undefined, hash: imported.hash })).toBe(true);
	});

	test('an unchanged item n8n has not rewritten is not imported again', () => {
		expect(importNeeded(structuredClone(credential), imported.stamp)).toBe(false);
	});

	test('an item never recorded but in the database (an older start, a reset record) is imported again', () => {
		expect(needsImport({ stamp: imported.stamp, hash: imported.hash })).toBe(true);
	});

	test('a changed content is imported again', () => {
		const otherKey = { ...credential, data: { ...credential.data, apiKey: 'sk_b' } };
		expect(importNeeded(otherKey, imported.stamp)).toBe(true);
	});

	test('an item something else wrote since the import is imported again', () => {
		expect(importNeeded(credential, '2026-01-02 00:00:00.000')).toBe(true);
	});

	test('an item imported once (a trigger example) is kept when changed or rewritten, and imported when missing', () => {
		const otherKey = { ...credential, data: { ...credential.data, apiKey: 'sk_b' } };
		expect(importNeeded(otherKey, '2026-01-02 00:00:00.000', true)).toBe(false);
		expect(importNeeded(credential, undefined, true)).toBe(true);
	});

	test('a workflow with another session id filled in hashes differently', () => {
		const withSession = (id: string) => ({ id: 'wf1', nodes: [{ parameters: { sessionId: id } }] });
		expect(hashJson(withSession('sess_a'))).toBe(hashJson(withSession('sess_a')));
		expect(hashJson(withSession('sess_a'))).not.toBe(hashJson(withSession('sess_b')));
	});

	test('key order counts (reordering an example file re-imports it once)', () => {
		expect(hashJson({ a: 1, b: 2 })).not.toBe(hashJson({ b: 2, a: 1 }));
	});
});

// --- records ---

describe('records', () => {
	test('a missing, corrupt or non-object record reads as empty', () => {
		expect(readRecord(recordFile('none.json'))).toEqual({});
		write('.cache/corrupt.json', '{"inputs": ');
		expect(readRecord(recordFile('corrupt.json'))).toEqual({});
		write('.cache/null.json', 'null');
		expect(readRecord(recordFile('null.json'))).toEqual({});
	});

	test('a record is written in a new folder, read back as written, and leaves no temporary file', () => {
		const file = path.join(root, 'deep', 'er', 'state.json');
		writeRecord(file, { package: 'abc', workflows: { wf1: { hash: 'h', versionId: 'v' } } });
		expect(readRecord(file)).toEqual({
			package: 'abc',
			workflows: { wf1: { hash: 'h', versionId: 'v' } },
		});
		expect(fs.readdirSync(path.dirname(file))).toEqual(['state.json']);
	});
});

// --- file listing and hashing ---

describe('listFiles and hashFiles', () => {
	test('lists a folder recursively and sorted, a file as itself, a missing path as nothing', () => {
		expect(posix(listFiles(root, 'dist'))).toEqual([
			'dist/credentials/FooApi.credentials.js',
			'dist/nodes/Foo/Foo.node.js',
			'dist/nodes/Foo/foo.svg',
		]);
		expect(listFiles(root, 'LICENSE')).toEqual(['LICENSE']);
		expect(listFiles(root, 'nowhere')).toEqual([]);
	});

	test('the order the files are given in does not matter', () => {
		expect(hashFiles(root, ['LICENSE', 'README.md'])).toBe(
			hashFiles(root, ['README.md', 'LICENSE']),
		);
	});

	test('a missing file hashes apart from an empty one, and a file apart from its absence', () => {
		const missing = hashFiles(root, ['EMPTY']);
		write('EMPTY', '');
		expect(hashFiles(root, ['EMPTY'])).not.toBe(missing);
		expect(hashFiles(root, ['EMPTY'])).not.toBe(hashFiles(root, []));
	});

	test('content moved from one file to the next hashes differently', () => {
		write('a', 'xy');
		write('b', '');
		const before = hashFiles(root, ['a', 'b']);
		write('a', 'x');
		write('b', 'y');
		expect(hashFiles(root, ['a', 'b'])).not.toBe(before);
	});
});

// --- reading n8n's database ---

/**
 * A stand-in for the sqlite3 module with the calls readDbState makes; the "database" is a JSON file
 * of tables. It refuses to open for writing, and answers `SELECT id, <col> AS stamp FROM <table>`.
 */
const FAKE_SQLITE3 = `
const fs = require('fs');
exports.OPEN_READONLY = 1;
exports.Database = class {
	constructor(file, mode) {
		if (mode !== exports.OPEN_READONLY) throw new Error('opened for writing');
		this.tables = JSON.parse(fs.readFileSync(file, 'utf8'));
	}
	all(sql, cb) {
		const m = /^SELECT id, (\\w+) AS stamp FROM (\\w+)$/.exec(sql.trim());
		if (!m) return cb(new Error('stand-in cannot run: ' + sql));
		const rows = this.tables[m[2]];
		if (!rows) return cb(new Error('no such table: ' + m[2]));
		cb(null, rows.map((r) => ({ id: r.id, stamp: r[m[1]] })));
	}
	close(cb) { cb(); }
};
`;

describe('readDbState', () => {
	function fakeSqlite3(): string {
		write('fake-sqlite3/index.js', FAKE_SQLITE3);
		return path.join(root, 'fake-sqlite3');
	}

	test('no database yet: nothing imported, and no process started', () => {
		const state = readDbState(path.join(root, 'database.sqlite'), {
			nodeBin: path.join(root, 'no-node'),
			sqlite3Dir: path.join(root, 'no-sqlite3'),
		});
		expect(state.workflows.size).toBe(0);
		expect(state.credentials.size).toBe(0);
	});

	test('maps workflow ids to versionIds and credential ids to updatedAt, as strings', () => {
		write(
			'database.sqlite',
			JSON.stringify({
				workflow_entity: [
					{ id: 'wf1', versionId: 'v-1', name: 'ignored' },
					{ id: 'wf2', versionId: 'v-2' },
				],
				credentials_entity: [{ id: 'cred1', updatedAt: 1767225600000 }],
			}),
		);
		const state = readDbState(path.join(root, 'database.sqlite'), {
			nodeBin: process.execPath,
			sqlite3Dir: fakeSqlite3(),
		});
		expect([...state.workflows]).toEqual([
			['wf1', 'v-1'],
			['wf2', 'v-2'],
		]);
		expect([...state.credentials]).toEqual([['cred1', '1767225600000']]);
	});

	test('a failed query throws instead of reading as an empty database', () => {
		write(
			'database.sqlite',
			JSON.stringify({ workflow_entity: [{ id: 'wf1', versionId: 'v-1' }] }),
		);
		expect(() =>
			readDbState(path.join(root, 'database.sqlite'), {
				nodeBin: process.execPath,
				sqlite3Dir: fakeSqlite3(),
			}),
		).toThrow(/no such table: credentials_entity/);
	});
});
