/**
 * Once per e2e run, for all the n8n versions it covers: build the package and `npm pack` it once;
 * then for each version make sure its cached n8n is installed and prepare a template n8n user folder
 * `.e2e/<version>/template-home` that has the packed tarball installed the way n8n's Community Nodes
 * installer lays it out and an already migrated SQLite database. Each test file copies its version's
 * template into a user folder of its own (see helpers/n8n.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as runtime from '../../scripts/sandbox/n8n-runtime';
import { E2E_DIR, PACKAGE_DIR, setupFile, versionDir, type E2eSetup } from './helpers/paths';

const say = (msg: string) => process.stderr.write(`\n[e2e setup] ${msg}`);
const secs = (since: number) => `${Math.round((Date.now() - since) / 1000)}s`;

export default async function globalSetup(): Promise<void> {
	const t0 = Date.now();
	// the same selection as the jest projects of jest.e2e.config.js
	const versions = runtime.selectN8nVersions(process.env.E2E_N8N_VERSION);
	clearWorkDirs(versions);
	const tarball = buildAndPack();
	for (const version of versions) await prepareVersion(version, tarball);
	say(`ready for n8n ${versions.join(', ')} in ${secs(t0)}\n`);
}

/**
 * Wipes what this run rewrites: the packed tarball and the folders of the versions it covers, and
 * anything else in .e2e/ that belongs to no supported version (e.g. an older layout). The folders
 * of supported versions not run now stay, with their last results.
 */
function clearWorkDirs(versions: string[]): void {
	fs.mkdirSync(E2E_DIR, { recursive: true });
	for (const entry of fs.readdirSync(E2E_DIR)) {
		const keep = runtime.SUPPORTED_N8N_VERSIONS.includes(entry) && !versions.includes(entry);
		if (!keep) fs.rmSync(path.join(E2E_DIR, entry), { recursive: true, force: true });
	}
	fs.mkdirSync(PACKAGE_DIR, { recursive: true });
}

function buildAndPack(): string {
	if (process.env.E2E_SKIP_BUILD === '1') say('E2E_SKIP_BUILD=1: packing dist/ as it is');
	else {
		say('npm run build …');
		const b = runtime.buildPackage({ quiet: true });
		say(`built in ${Math.round(b.ms / 1000)}s`);
	}
	const tarball = runtime.packPackage(PACKAGE_DIR);
	say(`packed ${path.relative(runtime.ROOT, tarball)} (used for every n8n version)`);
	return tarball;
}

async function prepareVersion(version: string, tarball: string): Promise<void> {
	const tEnsure = Date.now();
	const info = await runtime.ensureN8n(version);
	say(`n8n ${info.n8nVersion} on Node ${info.nodeVersion} ready (${secs(tEnsure)})`);

	const templateHome = path.join(versionDir(version), 'template-home');
	const installed = runtime.installPackageLikeCommunityNodes(templateHome, tarball);
	// Any command that opens the database runs the migrations; doing it once here saves ~every test
	// file that time.
	const tMig = Date.now();
	const r = await runtime.execN8n(['list:workflow'], {
		n8nVersion: version,
		userFolder: templateHome,
		allowFail: true,
	});
	if (r.code !== 0 || !fs.existsSync(path.join(templateHome, '.n8n', 'database.sqlite'))) {
		throw new Error(
			`n8n ${version} could not initialise its database in ${templateHome}:\n${r.stdout}\n${r.stderr}`,
		);
	}
	say(`n8n ${version}: template user folder migrated in ${secs(tMig)}`);

	const setup: E2eSetup = {
		tarball,
		templateHome,
		packageVersion: installed.version,
		packageNodes: installed.nodes,
		n8nVersion: info.n8nVersion,
		nodeVersion: info.nodeVersion ?? '',
	};
	fs.writeFileSync(setupFile(version), JSON.stringify(setup, null, 2));
}
