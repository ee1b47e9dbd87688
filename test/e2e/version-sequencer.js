/**
 * Runs the e2e test files one n8n version after the other (in the order of scripts/sandbox/n8n-runtime.js
 * N8N_VERSIONS), each version's files in a fixed order, instead of jest's default of interleaving
 * projects by past durations: a run reads as one block per version, and a version's failures are
 * next to each other.
 */
const path = require('path');
const { SUPPORTED_N8N_VERSIONS } = require('../../scripts/sandbox/n8n-runtime');

function versionRank(test) {
	const rank = SUPPORTED_N8N_VERSIONS.indexOf(test.context.config.globals.E2E_N8N_VERSION);
	return rank === -1 ? SUPPORTED_N8N_VERSIONS.length : rank;
}

class VersionSequencer {
	sort(tests) {
		return [...tests].sort(
			(a, b) =>
				versionRank(a) - versionRank(b) ||
				path.basename(a.path).localeCompare(path.basename(b.path)),
		);
	}

	/** jest calls this after a run to remember durations; the order here does not use them. */
	cacheResults() {}
}

module.exports = VersionSequencer;
