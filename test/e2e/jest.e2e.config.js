/**
 * End-to-end tests: the packed package installed as a community node in a real n8n, driven only
 * through the n8n CLI (and, for the trigger, its REST API) against the fake SendApi server.
 * Run: `npx jest -c test/e2e/jest.e2e.config.js` (package script `test:e2e`).
 *
 * One jest project per n8n version of scripts/sandbox/n8n-runtime.js (each cached in .cache/n8n-<version>/
 * with the Node it runs on); the sequencer runs them one version after the other. The project's
 * `globals.E2E_N8N_VERSION` tells its test files which n8n they drive.
 * Env: E2E_N8N_VERSION=<version>[,…] (or a prefix such as `1`) runs only those versions;
 * E2E_SKIP_BUILD=1 packs dist/ as it is.
 */
const path = require('path');
const { selectN8nVersions } = require('../../scripts/sandbox/n8n-runtime');

const rootDir = path.resolve(__dirname, '..', '..');

/** The same test files, run against one n8n version. */
function versionProject(n8nVersion) {
	return {
		displayName: `n8n ${n8nVersion}`,
		rootDir,
		testEnvironment: 'node',
		roots: ['<rootDir>/test/e2e'],
		testMatch: ['**/*.e2e.ts'],
		transform: {
			'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json', diagnostics: false }],
		},
		globals: { E2E_N8N_VERSION: n8nVersion },
	};
}

module.exports = {
	rootDir,
	projects: selectN8nVersions(process.env.E2E_N8N_VERSION).map(versionProject),
	// once for all versions: build and pack once, install/prepare each selected version
	globalSetup: '<rootDir>/test/e2e/global-setup.ts',
	testSequencer: '<rootDir>/test/e2e/version-sequencer.js',
	// every test file boots n8n processes of its own: one at a time keeps the 2-core machine responsive
	maxWorkers: 1,
	// first run installs n8n (several minutes per version) in globalSetup, which has no timeout; tests
	// themselves spawn n8n (≈10 s per CLI call)
	testTimeout: 5 * 60 * 1000,
	slowTestThreshold: 60,
	verbose: true,
};
