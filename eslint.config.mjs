// `npm run lint` is n8n's verification gate run on the source, minus everything but the lint: the
// config is the gate's own, built by `buildScanConfig` from @n8n/scan-community-package, which
// loads its plugins (@n8n/eslint-plugin-community-nodes, eslint-plugin-n8n-nodes-base, the
// TypeScript parser) from the scanner's own dependencies. Rules, overrides and plugin versions are
// therefore the gate's and cannot drift from it. What the config cannot carry is checked below:
// the ESLint that runs, and the lint script's files and flags (see assertLintScriptIsTheGates).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { ESLint } from 'eslint';

const SCANNER = '@n8n/scan-community-package/scanner/scanner.mjs';
const fromScanner = createRequire(import.meta.resolve(SCANNER));

// Importing the scanner makes a temp folder for its download mode, which lint never uses; without
// tmp's graceful cleanup every lint run would leave one behind.
fromScanner('tmp').setGracefulCleanup();
const { buildScanConfig, SOURCE_FILE_PATTERNS } = await import(SCANNER);

// The gate lints with allowInlineConfig: false (eslint-disable comments have no effect there), which
// is the CLI's --no-inline-config; its files are SOURCE_FILE_PATTERNS.
const GATE_FLAGS = ['--no-inline-config'];

/** The gate lints with the ESLint the scanner depends on; a different one may run rules differently. */
function assertSameEslint() {
	const gateVersion = fromScanner('eslint/package.json').version;
	if (ESLint.version !== gateVersion) {
		throw new Error(
			`npm run lint runs ESLint ${ESLint.version}, the gate ${gateVersion}: pin devDependency eslint to ${gateVersion}.`,
		);
	}
}

/** The lint script must lint the gate's file patterns with the gate's options. */
function assertLintScriptIsTheGates() {
	const manifest = JSON.parse(readFileSync(path.join(import.meta.dirname, 'package.json'), 'utf8'));
	const script = manifest.scripts?.lint ?? '';
	const missing = [...GATE_FLAGS, ...SOURCE_FILE_PATTERNS].filter((part) => !script.includes(part));
	if (missing.length > 0) {
		throw new Error(
			`package.json "lint" no longer lints what the gate lints; it lacks: ${missing.join(' ')}`,
		);
	}
}

assertSameEslint();
assertLintScriptIsTheGates();

export default [
	// The gate lists its files with fast-glob, which skips dot files and package-lock.json; ESLint
	// would lint them.
	{ ignores: ['**/.*', '**/package-lock.json'] },
	...(await buildScanConfig()),
];
