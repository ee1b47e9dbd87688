/**
 * The queue-mode suite (`npm run test:e2e:queue`): n8n 2.41.1 as one main process and two workers
 * on PostgreSQL and Redis (see queue.e2e.ts). One n8n version: queue mode is the same feature in
 * 1.x, and one cluster of three n8n processes is what the 2-core CI machine can carry in minutes.
 */
const path = require('path');

const rootDir = path.resolve(__dirname, '..', '..');

module.exports = {
	rootDir,
	displayName: 'n8n 2.41.1 queue mode',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e-queue'],
	testMatch: ['**/*.e2e.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json', diagnostics: false }],
	},
	globalSetup: '<rootDir>/test/e2e-queue/global-setup.ts',
	maxWorkers: 1,
	testTimeout: 5 * 60 * 1000,
	slowTestThreshold: 60,
	verbose: true,
};
