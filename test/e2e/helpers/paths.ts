import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
/** gitignored; wiped at the start of every e2e run, kept afterwards for inspection */
export const E2E_DIR = path.join(ROOT, '.e2e');
export const SETUP_FILE = path.join(E2E_DIR, 'setup.json');

export interface E2eSetup {
	tarball: string;
	templateHome: string;
	packageVersion: string;
	packageNodes: string[];
	n8nVersion: string;
	nodeVersion: string;
}
