/**
 * SendApi Trigger in a real `n8n start`: publishing registers a webhook at the fake SendApi, a
 * signed delivery runs the workflow exactly once (also when it comes again, under the same or a new
 * event id), a forged one does not, a body that is not JSON is refused, unpublishing removes the
 * webhook.
 */
import { N8nHome, N8nRest, sleep, waitUntil, type N8nServer } from './helpers/n8nProcess';
import { credentialFor, requestsTo, startFake, type FakeSendApi } from './helpers/fake';
import {
	byId,
	chain,
	node,
	sendApi,
	SENDAPI_TRIGGER,
	wfId,
	type CredentialRef,
} from './helpers/workflows';

const CRED: CredentialRef = { id: wfId('credTrigger'), name: 'SendApi e2e (trigger)' };
const WF_ID = wfId('wfTriggerReply');
const WEBHOOK_ID = '5e0da9b1-0000-4000-8000-00000000e2e1';
const S1 = 'sess_e2e_trigger';
const OTHER_SESSION = 'sess_e2e_other';

let fake: FakeSendApi;
let home: N8nHome;
let server: N8nServer | undefined;
let rest: N8nRest;

function registeredWebhooks() {
	return [...fake.state.webhooks.values()];
}

function incoming(from: string, text: string, session_id = S1) {
	return {
		message_id: `msg_in_${from.slice(-4)}_${Date.now()}`,
		session_id,
		from,
		type: 'text',
		content: { body: text },
		received_at: new Date().toISOString(),
	};
}

beforeAll(async () => {
	fake = await startFake();
	fake.seedSession({ id: S1, name: 'E2E trigger' });
	fake.seedSession({ id: OTHER_SESSION, name: 'E2E other' });
	home = N8nHome.create('trigger');
	await home.importCredentials([credentialFor(fake, CRED)]);
	const trigger = node(
		'SendApi Trigger',
		SENDAPI_TRIGGER,
		{ events: ['message.received'], session: byId(S1) },
		{ webhookId: WEBHOOK_ID, credentials: { sendApiApi: { id: CRED.id, name: CRED.name } } },
	);
	// The workflow answers through SendApi, so each run leaves a request in the fake's log.
	const reply = sendApi('Look Up Sender', CRED, {
		resource: 'contact',
		operation: 'checkNumber',
		session: byId(S1),
		phone: '={{ $json.from }}',
	});
	await home.importWorkflows([chain(WF_ID, 'e2e trigger → reply', [trigger, reply])]);
	await home.publish(WF_ID);
	server = await home.startServer();
	rest = new N8nRest(server.url);
	await rest.setupOwner();
});

afterAll(async () => {
	await server?.stop();
	await fake?.close();
});

test('publishing registers exactly one webhook for the trigger URL', async () => {
	const hooks = await waitUntil(
		'the trigger to register its webhook',
		() => (registeredWebhooks().length ? registeredWebhooks() : undefined),
		60_000,
	);
	expect(hooks).toHaveLength(1);
	expect(hooks[0].url).toBe(`${server!.url}/webhook/${WEBHOOK_ID}/webhook`);
	expect(hooks[0].events).toEqual(['message.received']);
	expect(requestsTo(fake, 'POST', '/webhooks')).toHaveLength(1);
});

test('a signed delivery starts exactly one execution, which replies through SendApi', async () => {
	const [hook] = registeredWebhooks();
	const before = await rest.executions(WF_ID);
	expect(before).toHaveLength(0);

	const res = await fake.deliverWebhook(hook.url, incoming('+447700900555', 'hello'), {
		secret: hook.secret,
		envelope: 'event',
		event: 'message.received',
	});
	expect(res.status).toBe(200);
	// what SendApi gets back for a delivery that starts a run (not n8n's default `firstEntryJson`)
	expect(JSON.parse(res.body)).toEqual({ received: true });

	const runs = await waitUntil(
		'one finished execution',
		async () => {
			const list = await rest.executions(WF_ID);
			return list.length >= 1 && list.every((e) => e.status !== 'running' && e.status !== 'new')
				? list
				: undefined;
		},
		30_000,
	);
	await sleep(1000);
	expect(await rest.executions(WF_ID)).toHaveLength(1);
	expect(runs[0]).toMatchObject({ status: 'success', mode: 'webhook' });
	const checks = requestsTo(fake, 'GET', /\/contacts\/.+\/check$/);
	expect(checks.map((r) => r.path)).toEqual(['/v1/whatsapp/contacts/%2B447700900555/check']);
});

test('the same delivery again (SendApi retrying) is acknowledged without a second run', async () => {
	const [hook] = registeredWebhooks();
	const payload = incoming('+447700900556', 'retried');
	const options = { secret: hook.secret, envelope: 'event' as const, event: 'message.received' };
	expect((await fake.deliverWebhook(hook.url, payload, options)).status).toBe(200);
	await waitUntil(
		'the first run of this delivery',
		async () => ((await rest.executions(WF_ID)).length >= 2 ? true : undefined),
		30_000,
	);
	// The replay memory lives in the workflow's static data: this proves n8n saved it after the run.
	await sleep(1500);
	expect((await fake.deliverWebhook(hook.url, payload, options)).status).toBe(200);
	await sleep(2000);
	expect(await rest.executions(WF_ID)).toHaveLength(2);
});

test('the same incoming message under a new event id (older envelope) runs once', async () => {
	const [hook] = registeredWebhooks();
	const payload = incoming('+447700900557', 'retried under a new id');
	// The older envelope `{id, type, data, created_at}`: each delivery gets an event id of its own.
	const options = { secret: hook.secret, envelope: 'legacy' as const, event: 'message.received' };
	const first = await fake.deliverWebhook(hook.url, payload, options);
	const retry = await fake.deliverWebhook(hook.url, payload, options);
	const eventIds = [first, retry].map((r) => (JSON.parse(r.sentBody) as { id: string }).id);
	expect(eventIds[0]).toMatch(/^evt_/);
	expect(eventIds[1]).not.toBe(eventIds[0]);
	expect([first.status, retry.status]).toEqual([200, 200]);
	expect(JSON.parse(retry.body)).toMatchObject({
		received: true,
		message: expect.stringMatching(/Duplicate/),
	});

	await waitUntil(
		'the run of this message',
		async () => ((await rest.executions(WF_ID)).length >= 3 ? true : undefined),
		30_000,
	);
	await sleep(2000);
	expect(await rest.executions(WF_ID)).toHaveLength(3);
	const checks = requestsTo(fake, 'GET', /\/contacts\/.+\/check$/).map((r) => r.path);
	expect(checks.filter((p) => p.endsWith('%2B447700900557/check'))).toHaveLength(1);
});

test('n8n itself answers a body that is not JSON with 422; the trigger answers 400 only where n8n does not parse', async () => {
	const [hook] = registeredWebhooks();
	const rawBody = '{"id":"evt_broken","type":"message.received","data":{';
	const asJson = await fake.deliverWebhook(hook.url, {}, { secret: hook.secret, rawBody });
	expect(asJson.status).toBe(422);
	// n8n's own answer (the trigger's refusal would say "not a SendApi event").
	expect(JSON.parse(asJson.body)).toMatchObject({
		code: 422,
		message: 'Failed to parse request body',
	});

	const asText = await fake.deliverWebhook(
		hook.url,
		{},
		{ secret: hook.secret, rawBody, headers: { 'Content-Type': 'text/plain' } },
	);
	expect(asText.status).toBe(400);
	expect(JSON.parse(asText.body)).toMatchObject({
		received: false,
		message: expect.stringMatching(/not a SendApi event/),
	});
	await sleep(1000);
	expect(await rest.executions(WF_ID)).toHaveLength(3);
});

test('a forged or unsigned delivery is refused (401) and runs nothing', async () => {
	const [hook] = registeredWebhooks();
	const forged = await fake.deliverWebhook(hook.url, incoming('+447700900666', 'forged'), {
		secret: hook.secret,
		signature: 'forged',
		envelope: 'event',
	});
	expect(forged.status).toBe(401);
	const unsigned = await fake.deliverWebhook(hook.url, incoming('+447700900667', 'unsigned'), {
		signature: 'missing',
		envelope: 'event',
	});
	expect(unsigned.status).toBe(401);
	await sleep(2000);
	expect(await rest.executions(WF_ID)).toHaveLength(3);
});

test('an event of another session is acknowledged without a run; the fake server’s own delivery runs it', async () => {
	const [hook] = registeredWebhooks();
	const other = await fake.deliverWebhook(
		hook.url,
		incoming('+447700900777', 'other', OTHER_SESSION),
		{
			secret: hook.secret,
			envelope: 'event',
		},
	);
	expect(other.status).toBe(200);

	const { deliveries } = await fake.simulateIncomingMessage({
		session_id: S1,
		from: '+447700900888',
		text: 'via emit',
	});
	expect(deliveries.map((d) => [d.status, JSON.parse(d.response ?? '')])).toEqual([
		[200, { received: true }],
	]);
	await waitUntil(
		'a fourth execution',
		async () => ((await rest.executions(WF_ID)).length >= 4 ? true : undefined),
		30_000,
	);
	await sleep(1000);
	const list = await rest.executions(WF_ID);
	expect(list).toHaveLength(4);
	expect(list.every((e) => e.status === 'success')).toBe(true);
	const checked = requestsTo(fake, 'GET', /\/contacts\/.+\/check$/).map((r) => r.path);
	expect(checked).toEqual([
		'/v1/whatsapp/contacts/%2B447700900555/check',
		'/v1/whatsapp/contacts/%2B447700900556/check',
		'/v1/whatsapp/contacts/%2B447700900557/check',
		'/v1/whatsapp/contacts/%2B447700900888/check',
	]);
});

test('unpublishing removes the webhook at SendApi; later deliveries are not accepted', async () => {
	const [hook] = registeredWebhooks();
	const r = await rest.request('POST', `/workflows/${WF_ID}/deactivate`, {});
	expect(r.status).toBe(200);
	await waitUntil('the webhook to be deleted', () => registeredWebhooks().length === 0, 30_000);
	expect(requestsTo(fake, 'DELETE', `/webhooks/${hook.id}`)).toHaveLength(1);
	const late = await fake.deliverWebhook(hook.url, incoming('+447700900999', 'late'), {
		secret: hook.secret,
		envelope: 'event',
	});
	expect(late.status).toBe(404);
	expect(await rest.executions(WF_ID)).toHaveLength(4);
});
