/**
 * Transpiles the node, the test harness, the fake server and the bench to plain JavaScript in a
 * temporary directory, so scenario workers run under plain `node` as n8n runs a built package:
 * without ts-node and the TypeScript compiler in memory (about 70 MB of RSS that would otherwise be
 * counted as the node's), and with `SendApi.node` resolving to `.js` before the codex `.json`.
 * Transpile-only (no type check): `npm run typecheck` covers the types.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const SOURCES = ['credentials', 'nodes', 'test/helpers', 'test/fake-sendapi', 'bench'];

const COMPILER_OPTIONS: ts.CompilerOptions = {
	module: ts.ModuleKind.CommonJS,
	target: ts.ScriptTarget.ES2021,
	esModuleInterop: true,
	resolveJsonModule: true,
	sourceMap: false,
};

/** Returns a new directory that mirrors the repository root in JavaScript; remove it when done. */
export function transpileForBench(): string {
	const out = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-sendapi-bench-'));
	for (const source of SOURCES) transpileTree(path.join(ROOT, source), path.join(out, source));
	fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'), 'dir');
	return out;
}

function transpileTree(from: string, to: string): void {
	for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
		const source = path.join(from, entry.name);
		if (entry.isDirectory()) {
			transpileTree(source, path.join(to, entry.name));
			continue;
		}
		if (!entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
		const { outputText } = ts.transpileModule(fs.readFileSync(source, 'utf8'), {
			compilerOptions: COMPILER_OPTIONS,
			fileName: source,
		});
		fs.mkdirSync(to, { recursive: true });
		fs.writeFileSync(path.join(to, entry.name.replace(/\.ts$/, '.js')), outputText);
	}
}
