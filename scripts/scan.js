#!/usr/bin/env node
'use strict';
/**
 * Runs n8n's verification gate (@n8n/scan-community-package, the scanner n8n runs before it
 * verifies a community package) on this working tree, with the scanner's own `analyzePackage`:
 *   1. the source: the repo root with the scanner's SOURCE_FILE_PATTERNS (package.json and the
 *      .js/.ts/.json files under nodes/ and credentials/), as the gate lints the attested source;
 *   2. the tarball: what `npm pack` makes now, unpacked, with the patterns the gate uses for the
 *      published tarball (every .js file, and package.json).
 * For a published version the gate first checks npm provenance, then downloads the source from
 * the commit the attestation names and the tarball from the registry. Those steps need a
 * published version and the internet, so they are not run here: the working tree stands in for
 * the source and `npm pack` for the download.
 *
 * Every finding is printed as file:line:col, severity, message and rule. Like the gate, only
 * errors fail (exit 1); warnings are printed but pass, as the gate passes a package that has only
 * warnings. Needs dist/ built first (`npm run build`).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { pathToFileURL } = require('url');
const { packPackage } = require('./sandbox/n8n-runtime');

const ROOT = path.resolve(__dirname, '..');
const SCANNER = require.resolve('@n8n/scan-community-package/scanner/scanner.mjs');
// Resolving from the scanner gives the very modules it loads itself (same files, same instances).
const fromScanner = (id) => require(require.resolve(id, { paths: [path.dirname(SCANNER)] }));

// The scanner does not export these; they are the patterns analyzePackageByName in
// scanner/scanner.mjs (0.32.0) hands analyzePackage for the downloaded tarball.
const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];

/** The tarball leg scans compiled output, so it is meaningless without a build. */
function missingBuildOutput() {
	const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	const declared = [...(manifest.n8n?.nodes ?? []), ...(manifest.n8n?.credentials ?? [])];
	if (!fs.existsSync(path.join(ROOT, 'dist'))) return ['dist/'];
	return declared.filter((file) => !fs.existsSync(path.join(ROOT, file)));
}

/** `npm pack` the working tree into `dir` (as `npm start` and the e2e do) and unpack it there, as the gate unpacks a download. */
function packAndExtract(dir) {
	const tarball = packPackage(dir);
	const packageDir = path.join(dir, 'package');
	fs.mkdirSync(packageDir);
	const tar = spawnSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1'], {
		encoding: 'utf8',
	});
	if (tar.status !== 0) throw new Error(`tar extraction failed\n${tar.stderr}`);
	return { packageDir, filename: path.basename(tarball) };
}

/**
 * analyzePackage returns only a pass/fail and, when something failed, the stylish formatter's text;
 * warnings alone leave no trace. To list every finding, keep the results its ESLint run produces.
 */
function recordLintResults() {
	const { ESLint } = fromScanner('eslint');
	const lintFiles = ESLint.prototype.lintFiles;
	const recorded = [];
	ESLint.prototype.lintFiles = async function recordingLintFiles(...args) {
		const results = await lintFiles.apply(this, args);
		recorded.push(...results);
		return results;
	};
	return {
		take: () => recorded.splice(0),
		restore: () => {
			ESLint.prototype.lintFiles = lintFiles;
		},
	};
}

function formatFinding(root, result, message) {
	const file = path.relative(root, result.filePath);
	const severity = message.severity === 2 ? 'error' : 'warning';
	return `  ${file}:${message.line}:${message.column}  ${severity}  ${message.message}  (${message.ruleId ?? 'eslint'})`;
}

/** One leg of the gate: analyzePackage's verdict, with every finding listed. */
async function scanLeg(label, dir, patterns, { analyzePackage }, recorder) {
	const verdict = await analyzePackage(dir, patterns);
	const results = recorder.take();
	const findings = results.flatMap((result) =>
		result.messages.map((m) => formatFinding(dir, result, m)),
	);
	const errors = results.reduce((sum, r) => sum + r.errorCount, 0);
	const warnings = results.reduce((sum, r) => sum + r.warningCount, 0);
	const status = verdict.passed ? 'passed' : `FAILED: ${verdict.message}`;
	console.log(
		`scan: ${label}: ${results.length} files, ${errors} errors, ${warnings} warnings: ${status}`,
	);
	for (const line of findings) console.log(line);
	// A failure without lint results (the analysis itself threw) shows only in the verdict's text.
	if (!verdict.passed && findings.length === 0 && verdict.details) console.log(verdict.details);
	return verdict.passed;
}

async function main() {
	const missing = missingBuildOutput();
	if (missing.length > 0) {
		console.error(
			`scan: the build output is missing (${missing.join(', ')}): run \`npm run build\` first.`,
		);
		return 1;
	}
	const started = Date.now();
	// Importing the scanner makes a temp folder for its download mode, unused here: let tmp remove it.
	fromScanner('tmp').setGracefulCleanup();
	const scanner = await import(pathToFileURL(SCANNER).href);
	const recorder = recordLintResults();
	const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sendapi-scan-'));
	try {
		const sourcePassed = await scanLeg(
			`source (${scanner.SOURCE_FILE_PATTERNS.join(', ')})`,
			ROOT,
			scanner.SOURCE_FILE_PATTERNS,
			scanner,
			recorder,
		);
		const { packageDir, filename } = packAndExtract(workDir);
		const tarballPassed = await scanLeg(
			`tarball ${filename} (${TARBALL_FILE_PATTERNS.join(', ')})`,
			packageDir,
			TARBALL_FILE_PATTERNS,
			scanner,
			recorder,
		);
		const seconds = ((Date.now() - started) / 1000).toFixed(1);
		const passed = sourcePassed && tarballPassed;
		console.log(
			`scan: ${passed ? 'ok' : 'FAILED'}: n8n's verification gate lint, ${seconds}s (provenance not checked: see scripts/scan.js)`,
		);
		return passed ? 0 : 1;
	} finally {
		recorder.restore();
		fs.rmSync(workDir, { recursive: true, force: true });
	}
}

main().then(
	(code) => {
		process.exitCode = code;
	},
	(error) => {
		console.error(`scan: ${error.stack ?? error}`);
		process.exitCode = 1;
	},
);
