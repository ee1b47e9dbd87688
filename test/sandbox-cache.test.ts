/**
 * scripts/sandbox-cache.js: the change detection that lets a warm `npm start` skip the build, the
 * pack + install and the imports. Each test builds a small package tree in a temporary folder and
 * changes one thing in it.
 *
 * The module computes hashes and reads/writes the records; scripts/start.js compares them. The
 * `needs…` helpers below make the same comparisons start.js makes (buildIfChanged,
 * installIfChanged, planImports), so that the tests state decisions rather than hash values.
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
	packageHash,
	packedFiles,
	readDbState,
	readRecord,
	writeRecord,
} from '../scripts/sandbox-cache';

/** A package like this one: sources, build output, and files that are neither. */
const FIXTURE: Record<string, string> = {
	'package.json': JSON.stringify({ name: 'fixture-nodes', version: '1.0.0', license: 'MIT', files: ['dist'] }, null, 2),
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

/** Builds unless the sources and dist/ both hash to what the last build recorded. */
function needsBuild(): boolean {
	const last = readRecord(recordFile('sandbox-build.json'));
	return !(last.inputs === buildInputsHash(root) && last.dist === distHash(root));
}

/** What start.js records after a successful build. */
function recordBuild(): void {
	writeRecord(recordFile('sandbox-build.json'), { inputs: buildInputsHash(root), dist: distHash(root) });
}

describe('build', () => {
	test('a tree never built needs a build', () => {
		expect(needsBuild()).toBe(true);
	});

	test('after a recorded build, an unchanged tree needs none', () => {
		recordBuild();
		expect(needsBuild()).toBe(false);
	});

	test.each([
		['a changed source file', () => write('nodes/Foo/Foo.node.ts', 'export const foo = 2;\n')],
		['a new source file', () => write('credentials/BarApi.credentials.ts', 'export const bar = 1;\n')],
		['a deleted source file', () => remove('nodes/Foo/foo.svg')],
		['a changed package.json', () => write('package.json', FIXTURE['package.json'].replace('1.0.0', '1.0.1'))],
		['a changed package-lock.json', () => write('package-lock.json', '{}')],
		['a changed tsconfig.json', () => write('tsconfig.json', '{}')],
		['a changed gulpfile.js', () => write('gulpfile.js', '// copies nothing\n')],
		['a deleted gulpfile.js', () => remove('gulpfile.js')],
		['a deleted dist file', () => remove('dist/nodes/Foo/Foo.node.js')],
		['a deleted dist/', () => fs.rmSync(path.join(root, 'dist'), { recursive: true })],
		['a changed dist file', () => write('dist/credentials/FooApi.credentials.js', 'exports.api = 2;\n')],
		['a stray dist file', () => write('dist/nodes/Old/Old.node.js', 'exports.old = 1;\n')],
		['a source file renamed, content kept', () => fs.renameSync(path.join(root, 'nodes/Foo'), path.join(root, 'nodes/Bar'))],
	])('%s needs a build', (_what, change) => {
		recordBuild();
		change();
		expect(needsBuild()).toBe(true);
	});

	test.each([
		['a test file', () => write('test/foo.test.ts', "test('bar', () => undefined);\n")],
		['a doc', () => write('docs/guide.md', 'another guide\n')],
		['the README', () => write('README.md', '# renamed\n')],
		['the record folder', () => write('.cache/other.json', '{}')],
	])('a change to %s needs no build', (_what, change) => {
		recordBuild();
		change();
		expect(needsBuild()).toBe(false);
	});

	test('only contents count: an undone edit and a touched file need no build', () => {
		recordBuild();
		write('nodes/Foo/Foo.node.ts', 'export const foo = 2;\n');
		write('nodes/Foo/Foo.node.ts', FIXTURE['nodes/Foo/Foo.node.ts']);
		const later = new Date(Date.now() + 60_000);
		fs.utimesSync(path.join(root, 'credentials/FooApi.credentials.ts'), later, later);
		expect(needsBuild()).toBe(false);
	});
});

// --- pack + install (start.js installIfChanged, without its "is it still installed" check) ---

/** Packs and installs unless what would be packed is known and hashes to what was installed. */
function needsInstall(): boolean {
	const hash = packageHash(root);
	return !(hash !== null && readRecord(recordFile('sandbox-state.json')).package === hash);
}

function recordInstall(): void {
	writeRecord(recordFile('sandbox-state.json'), { package: packageHash(root) });
}

/** What `npm pack` itself would put in the tarball of the tree. */
function npmPackFiles(): string[] {
	const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
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

	test('a `files` entry written as ./dist/ means dist', () => {
		const asIs = packedFiles(root);
		write('package.json', FIXTURE['package.json'].replace('"dist"', '"./dist/"'));
		expect(packedFiles(root)).toEqual(asIs);
	});

	test('a package never installed needs pack and install', () => {
		expect(needsInstall()).toBe(true);
	});

	test('after a recorded install, an unchanged package needs neither', () => {
		recordInstall();
		expect(needsInstall()).toBe(false);
	});

	test.each([
		['a changed dist file', () => write('dist/nodes/Foo/Foo.node.js', 'exports.foo = 2;\n')],
		['a deleted dist file', () => remove('dist/nodes/Foo/foo.svg')],
		['a changed package.json', () => write('package.json', FIXTURE['package.json'].replace('1.0.0', '1.0.1'))],
		['a changed README', () => write('README.md', '# fixture, documented\n')],
		['a changed LICENSE', () => write('LICENSE', 'ISC\n')],
	])('%s needs pack and install', (_what, change) => {
		recordInstall();
		change();
		expect(needsInstall()).toBe(true);
	});

	test.each([
		// the build decides whether dist/ changes; until then the package is the same
		['a source file not rebuilt yet', () => write('nodes/Foo/Foo.node.ts', 'export const foo = 2;\n')],
		['a test file', () => write('test/foo.test.ts', "test('bar', () => undefined);\n")],
		['package-lock.json', () => write('package-lock.json', '{}')],
		['the CHANGELOG (npm does not ship it)', () => write('CHANGELOG.md', '# Changes\n')],
	])('a change to %s needs no pack', (_what, change) => {
		recordInstall();
		change();
		expect(needsInstall()).toBe(false);
	});

	test('a glob in `files` leaves the packed set unknown: pack every time', () => {
		write('package.json', FIXTURE['package.json'].replace('"dist"', '"dist/**/*.js"'));
		expect(packedFiles(root)).toBeNull();
		recordInstall();
		expect(needsInstall()).toBe(true);
	});
});

// --- imports (start.js planImports) ---

interface ImportRecord {
	hash?: string;
	stamp?: string;
}

/**
 * Imports unless the database has the item, its content hashes as recorded at the last import, and
 * n8n's stamp on it (a workflow's versionId, a credential's updatedAt) is still the one that import left.
 */
function needsImport(value: unknown, last: ImportRecord, stampInDb: string | undefined): boolean {
	return stampInDb === undefined || last.hash !== hashJson(value) || last.stamp !== stampInDb;
}

describe('imports', () => {
	const credential = { id: 'cred1', name: 'SendApi sandbox', type: 'sendApiApi', data: { apiKey: 'sk_a', baseUrl: 'http://127.0.0.1:3333/v1' } };
	const imported: ImportRecord = { hash: hashJson(credential), stamp: '2026-01-01 00:00:00.000' };

	test('an item the database lacks is imported, whatever was recorded', () => {
		expect(needsImport(credential, imported, undefined)).toBe(true);
	});

	test('an unchanged item n8n has not rewritten is not imported again', () => {
		expect(needsImport(structuredClone(credential), imported, imported.stamp)).toBe(false);
	});

	test('a changed content is imported again', () => {
		const otherKey = { ...credential, data: { ...credential.data, apiKey: 'sk_b' } };
		expect(needsImport(otherKey, imported, imported.stamp)).toBe(true);
	});

	test('an item something else wrote since the import is imported again', () => {
		expect(needsImport(credential, imported, '2026-01-02 00:00:00.000')).toBe(true);
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
		expect(readRecord(file)).toEqual({ package: 'abc', workflows: { wf1: { hash: 'h', versionId: 'v' } } });
		expect(fs.readdirSync(path.dirname(file))).toEqual(['state.json']);
	});
});

// --- file listing and hashing ---

describe('listFiles and hashFiles', () => {
	test('lists a folder recursively and sorted, a file as itself, a missing path as nothing', () => {
		expect(posix(listFiles(root, 'dist'))).toEqual(['dist/credentials/FooApi.credentials.js', 'dist/nodes/Foo/Foo.node.js', 'dist/nodes/Foo/foo.svg']);
		expect(listFiles(root, 'LICENSE')).toEqual(['LICENSE']);
		expect(listFiles(root, 'nowhere')).toEqual([]);
	});

	test('the order the files are given in does not matter', () => {
		expect(hashFiles(root, ['LICENSE', 'README.md'])).toBe(hashFiles(root, ['README.md', 'LICENSE']));
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
		const state = readDbState(path.join(root, 'database.sqlite'), { nodeBin: path.join(root, 'no-node'), sqlite3Dir: path.join(root, 'no-sqlite3') });
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
		const state = readDbState(path.join(root, 'database.sqlite'), { nodeBin: process.execPath, sqlite3Dir: fakeSqlite3() });
		expect([...state.workflows]).toEqual([
			['wf1', 'v-1'],
			['wf2', 'v-2'],
		]);
		expect([...state.credentials]).toEqual([['cred1', '1767225600000']]);
	});

	test('a failed query throws instead of reading as an empty database', () => {
		write('database.sqlite', JSON.stringify({ workflow_entity: [{ id: 'wf1', versionId: 'v-1' }] }));
		expect(() => readDbState(path.join(root, 'database.sqlite'), { nodeBin: process.execPath, sqlite3Dir: fakeSqlite3() })).toThrow(
			/no such table: credentials_entity/,
		);
	});
});
