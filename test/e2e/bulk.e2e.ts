/**
 * Send Bulk in a real n8n: 240 rows from a Code node, two sessions, against fake-server limits
 * scaled to a 2-second window. Every row comes out exactly once and the fake server never had to
 * refuse a request (the node paces itself under the limits instead of hitting them).
 */
import { N8nHome, nodeItems } from './helpers/n8nProcess';
import { credentialFor, requestsTo, startFake, type FakeSendApi } from './helpers/fake';
import {
	byId,
	chain,
	code,
	manualTrigger,
	sendApi,
	wfId,
	type CredentialRef,
} from './helpers/workflows';

const CRED: CredentialRef = { id: wfId('credBulk'), name: 'SendApi e2e (bulk)' };
const WF_ID = wfId('wfBulkRows');
const SESSIONS = ['sess_e2e_bulk_a', 'sess_e2e_bulk_b'];
const ROWS = 240;
/** Every third row gets the same announcement (grouped into /send-bulk calls), the rest a personal text. */
const ANNOUNCEMENT = 'The shop opens at 9:00 tomorrow.';

/** SendApi's limits, scaled from one minute to WINDOW_MS; the node is told the same numbers. */
const WINDOW_MS = 2000;
const LIMITS = { plan: 40, requests: 30, session: 25 };

let fake: FakeSendApi;
let home: N8nHome;

beforeAll(async () => {
	fake = await startFake({
		limits: {
			windowMs: WINDOW_MS,
			planMessagesPerWindow: LIMITS.plan,
			requestsPerWindow: LIMITS.requests,
			sessionMessagesPerWindow: LIMITS.session,
		},
	});
	for (const id of SESSIONS) fake.seedSession({ id, name: id });
	home = N8nHome.create('bulk');
	await home.importCredentials([credentialFor(fake, CRED)]);
	await home.importWorkflows([
		chain(WF_ID, 'e2e bulk send from rows', [
			manualTrigger(),
			code(
				'Rows',
				`return Array.from({ length: ${ROWS} }, (_, i) => ({ json: {
					row: i,
					name: 'Customer ' + i,
					phone: '+4477009' + String(10000 + i),
					text: i % 3 === 0 ? ${JSON.stringify(ANNOUNCEMENT)} : 'Hi Customer ' + i + ', your order is ready.',
				} }));`,
			),
			sendApi('Send Bulk', CRED, {
				resource: 'message',
				operation: 'sendBulk',
				sessions: { session: SESSIONS.map((id) => ({ id: byId(id) })) },
				to: '={{ $json.phone }}',
				messageType: 'text',
				text: '={{ $json.text }}',
				plan: 'custom',
				planMessagesPerMinute: LIMITS.plan,
				planMessagesPerDay: 0,
				requestsPerMinute: LIMITS.requests,
				options: {
					rateWindowMs: WINDOW_MS,
					sessionMessagesPerMinute: LIMITS.session,
					sessionMessagesPerDay: 0,
					delayMs: 500,
				},
			}),
		]),
	]);
});

afterAll(async () => {
	await fake?.close();
});

test(`${ROWS} rows over two sessions: each row out once, nothing refused by the limits`, async () => {
	const t0 = Date.now();
	const { run } = await home.execute(WF_ID);
	const seconds = (Date.now() - t0) / 1000;

	const out = nodeItems(run, 'Send Bulk');
	expect(out).toHaveLength(ROWS);
	expect(out.map((i) => i.json.row)).toEqual(Array.from({ length: ROWS }, (_, i) => i));
	const notSent = out.filter((i) => i.json.status === 'not_sent');
	expect(notSent.map((i) => i.json.reason)).toEqual([]);
	expect(new Set(out.map((i) => i.json.status))).toEqual(new Set(['sent', 'queued']));
	expect(new Set(out.map((i) => i.json.session_id))).toEqual(new Set(SESSIONS));

	expect(fake.refused429).toBe(0);
	expect(fake.requests.filter((r) => r.status === 429 || r.status === 402)).toEqual([]);

	// Each row's recipient got exactly one message, with its own text.
	const sentMessages = fake.state.messages.filter((m) => m.direction === 'out');
	expect(sentMessages).toHaveLength(ROWS);
	expect(new Set(sentMessages.map((m) => m.to)).size).toBe(ROWS);
	const grouped = requestsTo(fake, 'POST', '/whatsapp/send-bulk');
	expect(grouped.length).toBeGreaterThan(0);
	const groupedRecipients = grouped.flatMap((r) => (r.body as { recipients: string[] }).recipients);
	expect(groupedRecipients).toHaveLength(ROWS / 3);
	expect(requestsTo(fake, 'POST', '/whatsapp/send')).toHaveLength(ROWS - ROWS / 3);

	// Paced, not refused: at 40 messages per 2 s the 240 messages need at least ~10 s.
	expect(seconds).toBeGreaterThan((ROWS / LIMITS.plan - 1) * (WINDOW_MS / 1000));
	process.stderr.write(
		`[bulk e2e] ${ROWS} rows in ${seconds.toFixed(1)} s (n8n execute incl. its ~4 s boot), ${grouped.length} bulk calls\n`,
	);
});
