/**
 * Wait for Follow-up Messages in n8n's queue mode: one main, two workers and two `n8n webhook`
 * processes on PostgreSQL and Redis. A burst of three messages from one sender is stored in the
 * fake SendApi's history and each message delivered to a different process (as a load balancer in
 * front of them would), so the three executions run on the workers at the same time and share
 * nothing but SendApi's history: exactly one reply must go out, quoting all three.
 */
import { credentialFor, requestsTo, startFake, type FakeSendApi } from '../e2e/helpers/fake';
import { sleep, waitUntil } from '../e2e/helpers/n8nProcess';
import { burstReplyWorkflow, wfId, type CredentialRef } from '../e2e/helpers/workflows';
import { startPostgres, startRedis, type Postgres, type Redis } from './services';
import { QueueCluster, readQueueSetup } from './stack';

const CRED: CredentialRef = { id: wfId('credQueueBurst'), name: 'SendApi queue e2e (bursts)' };
const WF_ID = wfId('wfQueueBurst');
const WEBHOOK_ID = '5e0da9b1-0000-4000-8000-0000000q0b01';
const S1 = 'sess_queue_burst';
const ANN = '+447700900801';

let pg: Postgres | undefined;
let redis: Redis | undefined;
let cluster: QueueCluster | undefined;
let fake: FakeSendApi;

beforeAll(async () => {
	const setup = readQueueSetup();
	pg = await startPostgres(setup.postgresBin);
	redis = await startRedis(setup.redisServer);
	fake = await startFake();
	fake.seedSession({ id: S1, name: S1 });
	cluster = QueueCluster.create(setup, pg, redis, 'bursts-');
	await cluster.importCredentials([credentialFor(fake, CRED)]);
	await cluster.importWorkflows([
		burstReplyWorkflow(WF_ID, CRED, { session: S1, webhookId: WEBHOOK_ID, quietPeriod: 3 }),
	]);
	await cluster.start(2);
	await cluster.startWebhookProcess();
	await cluster.startWebhookProcess();
});

afterAll(async () => {
	await cluster?.stop().catch(() => undefined);
	await fake?.close().catch(() => undefined);
	await redis?.stop();
	await pg?.stop();
});

/** Stores an incoming text in the session's history, then delivers it (signed) to `url`. */
async function incomingTo(url: string, secret: string, text: string): Promise<void> {
	const id = `msg_burst_${Math.random().toString(16).slice(2, 14)}`;
	const created_at = new Date().toISOString();
	fake.state.addMessage({
		id,
		message_id: id,
		session_id: S1,
		direction: 'in',
		from: ANN,
		type: 'text',
		content: { body: text },
		status: 'delivered',
		created_at,
		dialect: 'incoming',
	});
	const data = { message_id: id, session_id: S1, from: ANN, type: 'text', content: { body: text } };
	const res = await fake.deliverWebhook(
		url,
		{ ...data, received_at: created_at },
		{ secret, envelope: 'event', event: 'message.received' },
	);
	expect(res.status).toBe(200);
}

test('a burst of three messages, each delivered to another process: exactly one reply, quoting all three', async () => {
	const hook = await waitUntil(
		'the trigger webhook',
		() => [...fake.state.webhooks.values()].find((h) => h.url.includes(`/${WEBHOOK_ID}/`)),
		60_000,
	);
	const [web1, web2] = cluster!.webhookProcesses;
	const urls = [
		hook.url,
		hook.url.replace(cluster!.main!.url, web1.url!),
		hook.url.replace(cluster!.main!.url, web2.url!),
	];
	await incomingTo(urls[0], hook.secret, 'Hi');
	await sleep(600);
	await incomingTo(urls[1], hook.secret, 'I ordered on Monday');
	await sleep(600);
	await incomingTo(urls[2], hook.secret, 'where is order 4411?');

	const runs = await waitUntil(
		'three finished executions',
		async () => {
			const list = await cluster!.rest!.executions(WF_ID);
			return list.length >= 3 &&
				list.every((e) => !['running', 'new', 'waiting'].includes(e.status))
				? list
				: undefined;
		},
		90_000,
	);
	await sleep(2000);
	expect(await cluster!.rest!.executions(WF_ID)).toHaveLength(3);
	expect(runs.every((run) => run.status === 'success')).toBe(true);
	// Every execution ran on a worker.
	for (const run of runs) expect(cluster!.workerOf(run.id)).toBeDefined();
	const replies = requestsTo(fake, 'POST', '/whatsapp/send');
	expect(replies).toHaveLength(1);
	expect(replies[0].body).toMatchObject({
		session_id: S1,
		to: ANN,
		text: { body: 'You wrote 3:\nHi\nI ordered on Monday\nwhere is order 4411?' },
	});
});
