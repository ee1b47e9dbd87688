#!/usr/bin/env node
'use strict';
/**
 * Prints one notice line when the registry's `latest` n8n is newer than every n8n version the
 * package is tested on (N8N_VERSIONS in scripts/sandbox/n8n-runtime.js), so the tested matrix does
 * not silently fall behind: `node scripts/check-n8n-latest.js` (run by .ci/run).
 *
 * It never fails: exit code 0 also when the registry cannot be reached or answers something that
 * is not a version (one line says so). Plain CommonJS, no dependencies.
 */
const { spawnSync } = require('child_process');

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** {core: [major, minor, patch], pre: identifiers} of a semver string; undefined when it is not one. */
function parseSemver(version) {
	const m = SEMVER.exec(String(version || '').trim());
	if (!m) return undefined;
	return { core: [m[1], m[2], m[3]].map(Number), pre: m[4] ? m[4].split('.') : [] };
}

/** Semver precedence of two prerelease identifiers: numeric ones numerically and below the others. */
function compareIdentifiers(a, b) {
	const numA = /^\d+$/.test(a);
	const numB = /^\d+$/.test(b);
	if (numA && numB) return Math.sign(Number(a) - Number(b));
	if (numA !== numB) return numA ? -1 : 1;
	return a < b ? -1 : a > b ? 1 : 0;
}

/** -1, 0 or 1 as `a` is older than, as new as, or newer than `b` (semver precedence). */
function compareSemver(a, b) {
	const pa = parseSemver(a);
	const pb = parseSemver(b);
	if (!pa || !pb) throw new Error(`not a semver version: ${pa ? b : a}`);
	for (let i = 0; i < 3; i++) {
		if (pa.core[i] !== pb.core[i]) return Math.sign(pa.core[i] - pb.core[i]);
	}
	// a prerelease is older than its release: 2.42.0-rc.1 < 2.42.0
	if (!pa.pre.length || !pb.pre.length) return Math.sign(pb.pre.length - pa.pre.length);
	for (let i = 0; i < Math.min(pa.pre.length, pb.pre.length); i++) {
		const c = compareIdentifiers(pa.pre[i], pb.pre[i]);
		if (c) return c;
	}
	return Math.sign(pa.pre.length - pb.pre.length);
}

/** The newest of `versions` by semver precedence. */
function newestOf(versions) {
	return [...versions].sort(compareSemver).pop();
}

/**
 * The line to print for the registry's answer `latest` (undefined when the tested matrix holds
 * it or something newer).
 */
function latestNotice(latest, testedVersions) {
	const newestTested = newestOf(testedVersions);
	if (!parseSemver(latest)) {
		const answer = String(latest ?? '').trim();
		const why = answer ? `it answered ${JSON.stringify(answer.slice(0, 80))}` : 'no answer';
		return `notice: could not read n8n's latest version from the registry (${why}); the newest tested n8n is ${newestTested}`;
	}
	if (compareSemver(latest, newestTested) <= 0) return undefined;
	return `notice: n8n ${String(latest).trim()} is the registry's latest, newer than the newest tested n8n ${newestTested}: add it to N8N_VERSIONS in scripts/sandbox/n8n-runtime.js (test/e2e/README.md says how)`;
}

/** `npm view n8n dist-tags.latest`, or '' when npm fails or takes longer than `timeoutMs`. */
function registryLatest(timeoutMs) {
	const r = spawnSync('npm', ['view', 'n8n', 'dist-tags.latest'], {
		encoding: 'utf8',
		timeout: timeoutMs,
		stdio: ['ignore', 'pipe', 'ignore'],
	});
	return r.status === 0 ? r.stdout.trim() : '';
}

if (require.main === module) {
	try {
		const { SUPPORTED_N8N_VERSIONS } = require('./sandbox/n8n-runtime');
		const notice = latestNotice(registryLatest(30000), SUPPORTED_N8N_VERSIONS);
		if (notice) console.log(notice);
	} catch (error) {
		console.log(`notice: could not compare n8n's latest version: ${error.message}`);
	}
}

module.exports = { compareSemver, newestOf, latestNotice, parseSemver };
