/**
 * The sandbox's example workflows (test/e2e/workflows/examples/, imported by `npm start`) stay
 * valid: they import into a real n8n and the manual ones run against the fake SendApi.
 */
import * as fs from 'fs';
import * as path from 'path';
import { N8nHome, nodeItems } from './helpers/n8nProcess';
import { credentialFor, requestsTo, startFake, type FakeSendApi } from './helpers/fake';
import type { Workflow } from './helpers/workflows';

const EXAMPLES_DIR = path.join(__dirname, 'workflows', 'examples');
/** What scripts/sandbox/start.js imports: this credential id, the fake session in place of the placeholder. */
const CRED = { id: 'sendApiSandbox01', name: 'SendApi sandbox' };
const SESSION_PLACEHOLDER = '__SENDAPI_SESSION_ID__';
const SESSION = 'sess_e2e_examples';

let fake: FakeSendApi;
let home: N8nHome;
const examples: Workflow[] = fs
	.readdirSync(EXAMPLES_DIR)
	.filter((f) => f.endsWith('.json'))
	.sort()
	.map(
		(f) =>
			JSON.parse(
				fs
					.readFileSync(path.join(EXAMPLES_DIR, f), 'utf8')
					.split(SESSION_PLACEHOLDER)
					.join(SESSION),
			) as Workflow,
	);

beforeAll(async () => {
	fake = await startFake();
	fake.seedSession({ id: SESSION, name: 'Sandbox session' });
	home = N8nHome.create('examples');
	await home.importCredentials([credentialFor(fake, CRED)]);
	await home.importWorkflows(examples);
});

afterAll(async () => {
	await fake?.close();
});

test('the examples use only the package’s nodes and n8n’s own nodes, with the sandbox credential', () => {
	expect(examples.length).toBeGreaterThanOrEqual(3);
	for (const wf of examples) {
		expect(wf.id).toMatch(/^[A-Za-z0-9]{16}$/);
		for (const n of wf.nodes) {
			expect(n.type).toMatch(/^(n8n-nodes-sendapi|n8n-nodes-base|@n8n\/n8n-nodes-langchain)\./);
			if (n.type.startsWith('n8n-nodes-sendapi.'))
				expect(n.credentials).toEqual({ sendApiApi: CRED });
		}
	}
});

test('"send a text message" sends one text', async () => {
	const { run } = await home.execute('sandboxSendText1');
	const [item] = nodeItems(run, 'Send a text message');
	expect(item.json.message_id).toMatch(/^msg_/);
	const sends = requestsTo(fake, 'POST', '/whatsapp/send');
	expect(sends).toHaveLength(1);
	expect(sends[0].body).toMatchObject({ session_id: SESSION, to: '+447700900123', type: 'text' });
});

test('"bulk send to spreadsheet-like rows" sends every row once', async () => {
	const { run } = await home.execute('sandboxBulkRows1');
	const out = nodeItems(run, 'Send Bulk');
	expect(out).toHaveLength(10);
	expect(out.every((i) => i.json.status === 'sent')).toBe(true);
	const texts = fake.state.messages.filter(
		(m) => m.direction === 'out' && m.to?.startsWith('+4477009005'),
	);
	expect(texts).toHaveLength(10);
	expect(new Set(texts.map((m) => m.to)).size).toBe(10);
});
