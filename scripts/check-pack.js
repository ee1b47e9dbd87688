#!/usr/bin/env node
'use strict';
/**
 * Checks what `npm pack` would publish: only `dist/**`, `README.md`, `LICENSE` and `package.json`
 * are allowed, and every file that package.json's `n8n` section declares must be in the tarball.
 * Run after `npm run build`. Exit code 1 on any violation.
 */
const path = require('path');
const fs = require('fs');
const { spawnSync } = require('child_process');
const { cleanNpmEnv } = require('./sandbox/n8n-runtime');

const ROOT = path.resolve(__dirname, '..');

function allowed(file) {
	return (
		file === 'package.json' || file === 'README.md' || file === 'LICENSE' || /^dist\/.+/.test(file)
	);
}

function main() {
	const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
		cwd: ROOT,
		encoding: 'utf8',
		env: cleanNpmEnv(),
	});
	if (r.status !== 0) {
		console.error(`check-pack: npm pack --dry-run failed (exit ${r.status})\n${r.stderr}`);
		return 1;
	}
	let info;
	try {
		info = JSON.parse(r.stdout)[0];
	} catch (e) {
		console.error(
			`check-pack: could not parse npm pack output: ${e.message}\n${r.stdout.slice(0, 2000)}`,
		);
		return 1;
	}
	const files = info.files.map((f) => f.path.replace(/\\/g, '/'));
	const problems = [];
	for (const f of files) if (!allowed(f)) problems.push(`not allowed in the tarball: ${f}`);

	const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	const declared = [
		...((pkg.n8n && pkg.n8n.credentials) || []),
		...((pkg.n8n && pkg.n8n.nodes) || []),
	];
	if (!declared.length) problems.push('package.json declares no n8n nodes/credentials');
	for (const d of declared) {
		const p = d.replace(/^\.\//, '');
		if (!files.includes(p))
			problems.push(
				`declared in package.json "n8n" but missing from the tarball (run npm run build?): ${p}`,
			);
	}
	if (!files.some((f) => f.startsWith('dist/')))
		problems.push('no dist/ files in the tarball (run npm run build first)');
	const warnings = [];
	for (const f of ['README.md', 'LICENSE'])
		if (!files.includes(f)) warnings.push(`${f} is not in the tarball`);
	for (const f of files.filter((x) => x.endsWith('.tsbuildinfo')))
		warnings.push(
			`${f} is tsc's build cache, not needed at run time (tsBuildInfoFile outside dist/ keeps it out)`,
		);

	const totalKb = Math.round((info.unpackedSize || 0) / 1024);
	console.log(
		`check-pack: ${info.name}@${info.version}: ${files.length} files, ${totalKb} kB unpacked`,
	);
	for (const w of warnings) console.warn(`check-pack: warning: ${w}`);
	if (problems.length) {
		for (const p of problems) console.error(`check-pack: ${p}`);
		return 1;
	}
	console.log('check-pack: ok (only dist/**, README.md, LICENSE, package.json)');
	return 0;
}

process.exitCode = main();
