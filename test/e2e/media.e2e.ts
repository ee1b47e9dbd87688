/**
 * Incoming WhatsApp media in a real `n8n start`: signed media messages from the fake SendApi start
 * one execution each, whose SendApi Trigger item holds the file as n8n binary data (bytes read back
 * from n8n's own binary storage), or `media_error` and no binary when the file cannot be had.
 * And the example "voice note → transcription → reply" (test/e2e/workflows/examples/) end to end:
 * n8n's OpenAI node transcribes the downloaded voice note at the fake OpenAI-compatible server, and
 * the reply goes back through SendApi.
 */
import * as fs from 'fs';
import * as path from 'path';
import { N8nHome, N8nRest, sleep, waitUntil, type N8nServer } from './helpers/n8nProcess';
import { credentialFor, requestsTo, startFake, type FakeSendApi } from './helpers/fake';
import { executionItems } from './helpers/execution-data';
import { chain, node, SENDAPI_TRIGGER, type Workflow } from './helpers/workflows';
import { sampleFile, type IncomingMediaOptions } from '../fake-sendapi';
import { startFakeOpenAi, type FakeOpenAi } from '../fake-openai';

/** The example's credentials, as the sandbox imports them (ids the example names). */
const SENDAPI_CRED = { id: 'sendApiSandbox01', name: 'SendApi sandbox' };
const OPENAI_CRED = { id: 'openAiSandbox001', name: 'OpenAI' };
const EXAMPLE_FILE = path.join(
	__dirname,
	'workflows',
	'examples',
	'voice-note-transcribe-reply.json',
);
const EXAMPLE_ID = 'sandboxVoiceNote';
const MEDIA_WF = 'wfMediaTrigger01';
const MEDIA_WEBHOOK = '5e0da9b1-0000-4000-8000-0000000e2e13';
const MEDIA_NODE = 'On media';
const S1 = 'sess_e2e_media';
const SENDER = '+447700900313';
/** The media workflow's Max Media Size (MB): the oversized file is 1.5 MB. */
const MAX_MB = 1;

let fake: FakeSendApi;
let openAi: FakeOpenAi;
let home: N8nHome;
let server: N8nServer | undefined;
let rest: N8nRest;

function hookFor(webhookId: string) {
	const hook = [...fake.state.webhooks.values()].find((h) => h.url.includes(webhookId));
	if (!hook) throw new Error(`no webhook registered for ${webhookId}`);
	return hook;
}

/** Delivers one signed media message to a workflow's webhook; waits for its (single) new execution. */
async function deliverMedia(workflowId: string, webhookId: string, options: IncomingMediaOptions) {
	const before = (await rest.executions(workflowId)).length;
	const data = fake.incomingMediaData({ ...options, session_id: S1, from: SENDER });
	const hook = hookFor(webhookId);
	const response = await fake.deliverWebhook(hook.url, data, {
		secret: hook.secret,
		envelope: 'event',
	});
	expect(response.status).toBe(200);
	const list = await waitUntil(
		'the execution of this delivery to finish',
		async () => {
			const all = await rest.executions(workflowId);
			return all.length > before && all.every((e) => e.status !== 'running' && e.status !== 'new')
				? all
				: undefined;
		},
		60_000,
	);
	await sleep(500);
	expect(await rest.executions(workflowId)).toHaveLength(before + 1);
	const execution = await rest.execution(list[0].id);
	return { data, execution, status: list[0].status };
}

async function triggerItem(options: IncomingMediaOptions) {
	const { data, execution, status } = await deliverMedia(MEDIA_WF, MEDIA_WEBHOOK, options);
	expect(status).toBe('success');
	const items = executionItems(execution, MEDIA_NODE);
	expect(items).toHaveLength(1);
	return { data, item: items[0] };
}

beforeAll(async () => {
	fake = await startFake();
	fake.seedSession({ id: S1, name: 'E2E media' });
	openAi = await startFakeOpenAi();
	home = N8nHome.create('media');
	await home.importCredentials([
		credentialFor(fake, SENDAPI_CRED),
		{
			id: OPENAI_CRED.id,
			name: OPENAI_CRED.name,
			type: 'openAiApi',
			data: { apiKey: openAi.apiKey, url: openAi.baseUrl },
		},
	]);
	const trigger = node(
		MEDIA_NODE,
		SENDAPI_TRIGGER,
		{ events: ['message.received'], maxMediaSize: MAX_MB },
		{ webhookId: MEDIA_WEBHOOK, credentials: { sendApiApi: SENDAPI_CRED } },
	);
	const example = JSON.parse(fs.readFileSync(EXAMPLE_FILE, 'utf8')) as Workflow;
	await home.importWorkflows([chain(MEDIA_WF, 'e2e incoming media', [trigger]), example]);
	await home.publish(MEDIA_WF);
	await home.publish(EXAMPLE_ID);
	server = await home.startServer();
	rest = new N8nRest(server.url);
	await rest.setupOwner();
	await waitUntil(
		'both triggers to register their webhooks',
		() => fake.state.webhooks.size === 2,
		60_000,
	);
});

afterAll(async () => {
	await server?.stop();
	await openAi?.close();
	await fake?.close();
});

test('an image on SendApi’s host arrives as binary data (fetched with the API key)', async () => {
	const { data, item } = await triggerItem({ type: 'image', shape: 'typed' });
	const binary = item.binary?.data;
	expect(binary).toMatchObject({
		mimeType: 'image/png',
		fileName: `${String(data.message_id)}.png`,
	});
	expect(home.readBinary(binary!)).toEqual(sampleFile('image').bytes);
	expect(item.json).toMatchObject({
		from: SENDER,
		session_id: S1,
		media: { type: 'image', mime_type: 'image/png' },
	});
	expect(item.json.media_error).toBeUndefined();
	const fetched = fake.requests.filter((r) => r.path.startsWith('/v1/whatsapp/media/'));
	expect(fetched.map((r) => r.headers.authorization)).toEqual([`Bearer ${fake.apiKey}`]);
});

test('a voice note (audio/ogg; codecs=opus) on another host arrives as <id>.ogg (fetched without the key)', async () => {
	const { data, item } = await triggerItem({ type: 'voice', shape: 'content', host: 'public' });
	expect(data.content).toMatchObject({ mime_type: 'audio/ogg; codecs=opus', voice: true });
	const binary = item.binary?.data;
	expect(binary).toMatchObject({
		mimeType: 'audio/ogg; codecs=opus',
		fileName: `${String(data.message_id)}.ogg`,
	});
	expect(home.readBinary(binary!)).toEqual(sampleFile('voice').bytes);
	expect(item.json.media).toMatchObject({ type: 'audio', voice: true });
	expect(fake.publicMediaRequests.map((r) => r.headers.authorization)).toEqual([undefined]);
});

test('a voice note in the flat ptt shape arrives as <id>.ogg', async () => {
	const { data, item } = await triggerItem({ type: 'voice', shape: 'flat', voiceAs: 'ptt' });
	expect(data).toMatchObject({ type: 'ptt', mime_type: 'audio/ogg; codecs=opus' });
	expect(item.binary?.data).toMatchObject({
		mimeType: 'audio/ogg; codecs=opus',
		fileName: `${String(data.message_id)}.ogg`,
	});
	expect(home.readBinary(item.binary!.data)).toEqual(sampleFile('voice').bytes);
	expect(item.json.media).toMatchObject({ type: 'audio', voice: true });
});

test('a PDF keeps the sender’s file name', async () => {
	const { item } = await triggerItem({ type: 'document', shape: 'flat' });
	const binary = item.binary?.data;
	expect(binary).toMatchObject({ mimeType: 'application/pdf', fileName: 'Invoice 2026-11.pdf' });
	expect(home.readBinary(binary!)).toEqual(sampleFile('document').bytes);
});

test('an oversized file starts the workflow with media_error and no binary', async () => {
	const big = { bytes: Buffer.alloc(1.5 * 1024 * 1024, 3), mimeType: 'video/mp4' };
	const { item } = await triggerItem({ type: 'video', file: big, declareSize: false });
	expect(item.binary).toBeUndefined();
	expect(item.json.media_error).toMatch(/1\.5 MB\) is larger than the Max Media Size of 1 MB/);
	expect(item.json).toMatchObject({ from: SENDER, media: { type: 'video' } });
});

test('a broken link starts the workflow with media_error and no binary', async () => {
	const { item } = await triggerItem({ type: 'image', broken: true });
	expect(item.binary).toBeUndefined();
	expect(item.json.media_error).toMatch(/HTTP 404/);
});

// WhatsApp's voice notes are `audio/ogg; codecs=opus`; the fake OpenAI, like OpenAI, refuses a
// file whose name has no audio extension (a `<id>.bin` would fail the transcription).
test.each<[string, IncomingMediaOptions]>([
	['content shape, voice: true', { type: 'voice', shape: 'content' }],
	['flat ptt shape', { type: 'voice', shape: 'flat', voiceAs: 'ptt' }],
])(
	'the example transcribes a voice note (%s) with n8n’s OpenAI node and replies with the text',
	async (_, options) => {
		const sendsBefore = requestsTo(fake, 'POST', '/whatsapp/send').length;
		const { data, status } = await deliverMedia(
			EXAMPLE_ID,
			'6f1c2d3e-0004-4000-8000-0000000a0d10',
			options,
		);
		expect(JSON.stringify(data)).toContain('"mime_type":"audio/ogg; codecs=opus"');
		expect(status).toBe('success');
		const fileName = `${String(data.message_id)}.ogg`;
		const [upload] = openAi.transcriptions.slice(-1);
		expect(upload).toMatchObject({
			fileName,
			contentType: expect.stringMatching(/^audio\/ogg\b/),
			fields: { model: 'whisper-1' },
		});
		expect(upload.bytes).toEqual(sampleFile('voice').bytes);
		const sends = requestsTo(fake, 'POST', '/whatsapp/send').slice(sendsBefore);
		expect(sends).toHaveLength(1);
		expect(sends[0].body).toMatchObject({
			session_id: S1,
			to: SENDER,
			type: 'text',
			text: {
				body: `I heard: Transcript of ${fileName} (${sampleFile('voice').bytes.length} bytes)`,
			},
		});
	},
);

test('the example leaves a text message alone (no transcription, no reply)', async () => {
	const transcriptionsBefore = openAi.transcriptions.length;
	const sendsBefore = requestsTo(fake, 'POST', '/whatsapp/send').length;
	const before = (await rest.executions(EXAMPLE_ID)).length;
	const hook = hookFor('6f1c2d3e-0004-4000-8000-0000000a0d10');
	const text = {
		message_id: `msg_text_${Date.now()}`,
		session_id: S1,
		from: SENDER,
		type: 'text',
		content: { body: 'hi' },
	};
	expect(
		(await fake.deliverWebhook(hook.url, text, { secret: hook.secret, envelope: 'event' })).status,
	).toBe(200);
	const list = await waitUntil(
		'the text message’s execution',
		async () => {
			const all = await rest.executions(EXAMPLE_ID);
			return all.length > before && all[0].status !== 'running' && all[0].status !== 'new'
				? all
				: undefined;
		},
		60_000,
	);
	expect(list[0].status).toBe('success');
	expect(openAi.transcriptions).toHaveLength(transcriptionsBefore);
	expect(requestsTo(fake, 'POST', '/whatsapp/send')).toHaveLength(sendsBefore);
});
