import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
/** gitignored; each version's part is wiped at the start of a run that covers it, kept afterwards */
export const E2E_DIR = path.join(ROOT, '.e2e');
/** The tarball packed once per run, shared by every version's run. */
export const PACKAGE_DIR = path.join(E2E_DIR, 'package');

/** Everything of one n8n version's run: `.e2e/<version>/` (setup.json, template-home/, a folder per test file). */
export function versionDir(n8nVersion: string): string {
	return path.join(E2E_DIR, n8nVersion);
}

export function setupFile(n8nVersion: string): string {
	return path.join(versionDir(n8nVersion), 'setup.json');
}

declare global {
	/** Set per jest project (one per n8n version) by jest.e2e.config.js `globals`. */
	var E2E_N8N_VERSION: string | undefined;
}

/** The n8n version the running test file is tested against (its jest project's). */
export function currentN8nVersion(): string {
	const version = globalThis.E2E_N8N_VERSION;
	if (!version)
		throw new Error(
			'E2E_N8N_VERSION is not set: run the e2e through jest -c test/e2e/jest.e2e.config.js',
		);
	return version;
}

export interface E2eSetup {
	tarball: string;
	templateHome: string;
	packageVersion: string;
	packageNodes: string[];
	n8nVersion: string;
	nodeVersion: string;
}
