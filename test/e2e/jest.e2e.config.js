/**
 * End-to-end tests: the packed package installed as a community node in a real n8n 2.40.7
 * (Node 24, cached in .cache/n8n-2.40.7/ by scripts/n8n-runtime.js), driven only through the n8n CLI
 * against the fake SendApi server. Run: `npx jest -c test/e2e/jest.e2e.config.js`.
 * Env: E2E_SKIP_BUILD=1 reuses dist/ as it is; E2E_KEEP=1 keeps the n8n user folders in .e2e/.
 */
const path = require('path');

module.exports = {
	rootDir: path.resolve(__dirname, '..', '..'),
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json', diagnostics: false }],
	},
	globalSetup: '<rootDir>/test/e2e/global-setup.ts',
	// every test file boots n8n processes of its own: one at a time keeps the 2-core machine responsive
	maxWorkers: 1,
	// first run installs n8n (several minutes) in globalSetup, which has no timeout; tests themselves
	// spawn n8n (≈10 s per CLI call)
	testTimeout: 5 * 60 * 1000,
	slowTestThreshold: 60,
	verbose: true,
};
