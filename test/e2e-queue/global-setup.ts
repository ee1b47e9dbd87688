/**
 * Once per queue-mode run: PostgreSQL and Redis installed from Debian's packages when missing
 * (services.ts), the package built and packed, n8n 2.41.1 ready in its cache, and a template user
 * folder with the tarball installed the way n8n's Community Nodes installer does. The services
 * themselves are started (and always stopped) by the test file, in its beforeAll/afterAll.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as runtime from '../../scripts/sandbox/n8n-runtime';
import { ensureDebianPackages } from './services';
import { QUEUE_DIR, QUEUE_N8N_VERSION, QUEUE_SETUP_FILE, type QueueSetup } from './stack';

const say = (msg: string) => process.stderr.write(`\n[queue setup] ${msg}`);

export default async function globalSetup(): Promise<void> {
	const t0 = Date.now();
	const { postgresBin, redisServer } = ensureDebianPackages();
	say(`PostgreSQL programs in ${postgresBin}, ${redisServer}`);
	fs.rmSync(QUEUE_DIR, { recursive: true, force: true });
	fs.mkdirSync(QUEUE_DIR, { recursive: true });
	if (process.env.E2E_SKIP_BUILD !== '1') runtime.buildPackage({ quiet: true });
	const tarball = runtime.packPackage(path.join(QUEUE_DIR, 'package'));
	await runtime.ensureN8n(QUEUE_N8N_VERSION);
	const templateHome = path.join(QUEUE_DIR, 'template-home');
	runtime.installPackageLikeCommunityNodes(templateHome, tarball);
	const setup: QueueSetup = { tarball, templateHome, postgresBin, redisServer };
	fs.writeFileSync(QUEUE_SETUP_FILE, JSON.stringify(setup, null, 2));
	say(`ready in ${Math.round((Date.now() - t0) / 1000)}s\n`);
}
