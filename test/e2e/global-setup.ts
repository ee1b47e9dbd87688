/**
 * Once per e2e run: build the package, `npm pack` it, make sure the cached n8n 2.40.7 is installed,
 * and prepare a template n8n user folder that has the packed tarball installed the way n8n's
 * Community Nodes installer lays it out and an already migrated SQLite database. Each test file copies
 * the template into a user folder of its own (see helpers/n8n.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as runtime from '../../scripts/n8n-runtime';
import { E2E_DIR, SETUP_FILE, type E2eSetup } from './helpers/paths';

export default async function globalSetup(): Promise<void> {
	const t0 = Date.now();
	const say = (msg: string) => process.stderr.write(`\n[e2e setup] ${msg}`);
	fs.rmSync(E2E_DIR, { recursive: true, force: true });
	fs.mkdirSync(E2E_DIR, { recursive: true });

	if (process.env.E2E_SKIP_BUILD === '1') say('E2E_SKIP_BUILD=1: packing dist/ as it is');
	else {
		say('npm run build …');
		const b = runtime.buildPackage({ quiet: true });
		say(`built in ${Math.round(b.ms / 1000)}s`);
	}
	const tarball = runtime.packPackage(E2E_DIR);
	say(`packed ${path.relative(runtime.ROOT, tarball)}`);

	const tEnsure = Date.now();
	const info = await runtime.ensureN8n();
	say(`n8n ${info.n8nVersion} on Node ${info.nodeVersion} ready (${Math.round((Date.now() - tEnsure) / 1000)}s)`);

	const templateHome = path.join(E2E_DIR, 'template-home');
	const installed = runtime.installPackageLikeCommunityNodes(templateHome, tarball);
	// Any command that opens the database runs the migrations; doing it once here saves ~every test
	// file that time.
	const tMig = Date.now();
	const r = await runtime.execN8n(['list:workflow'], { userFolder: templateHome, allowFail: true });
	if (r.code !== 0 || !fs.existsSync(path.join(templateHome, '.n8n', 'database.sqlite'))) {
		throw new Error(`n8n could not initialise its database in ${templateHome}:\n${r.stdout}\n${r.stderr}`);
	}
	say(`template user folder migrated in ${Math.round((Date.now() - tMig) / 1000)}s`);

	const setup: E2eSetup = {
		tarball,
		templateHome,
		packageVersion: installed.version,
		packageNodes: installed.nodes,
		n8nVersion: info.n8nVersion,
		nodeVersion: info.nodeVersion ?? '',
	};
	fs.writeFileSync(SETUP_FILE, JSON.stringify(setup, null, 2));
	say(`ready in ${Math.round((Date.now() - t0) / 1000)}s\n`);
}
