/** Unit and node tests: TypeScript through ts-jest, transpile-only (type checking is `npm run typecheck`). */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }],
	},
	testTimeout: 20000,
	setupFiles: ['<rootDir>/test/helpers/setup-env.ts'],
};
