/**
 * Message Send of every type (media from a Code node's binary, from the Read/Write File node and
 * by URL), and Continue On Fail with bad rows, run by a real n8n from the packed tarball.
 */
import * as fs from 'fs';
import * as path from 'path';
import { N8nHome, nodeItems } from './helpers/n8nProcess';
import {
	credentialFor,
	requestsTo,
	startFake,
	type FakeSendApi,
	type LoggedRequest,
} from './helpers/fake';
import {
	byId,
	code,
	graph,
	manualTrigger,
	readFile,
	sendApi,
	wfId,
	type CredentialRef,
} from './helpers/workflows';
import { qrPng } from '../fake-sendapi';

const CRED: CredentialRef = { id: wfId('credSend'), name: 'SendApi e2e (send)' };
const S1 = 'sess_e2e_send';
const TO = '+447700900201';
const WF_TYPES = wfId('wfSendTypes');
const WF_BAD_ROWS = wfId('wfSendBadRows');

const PNG = qrPng('e2e');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const OGG = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(60, 7)]);

let fake: FakeSendApi;
let home: N8nHome;

/** Every send node: name → parameters besides resource/operation/session/to. */
const SENDS: Record<string, Record<string, unknown>> = {
	'Send Text': { messageType: 'text', text: 'Hello from n8n 👋', previewUrl: true },
	'Send Image (binary)': {
		messageType: 'image',
		mediaSource: 'binary',
		binaryPropertyName: 'photo',
		caption: 'A picture',
	},
	'Send Image (URL)': {
		messageType: 'image',
		mediaSource: 'url',
		mediaUrl: 'https://example.com/photo.jpg',
	},
	'Send Video (URL)': {
		messageType: 'video',
		mediaSource: 'url',
		mediaUrl: 'https://example.com/clip.mp4',
		caption: 'Clip',
	},
	'Send Document (binary)': {
		messageType: 'document',
		mediaSource: 'binary',
		binaryPropertyName: 'invoice',
		fileName: 'invoice-42.pdf',
		caption: 'Your invoice',
	},
	'Send Location': {
		messageType: 'location',
		latitude: 51.5014,
		longitude: -0.1419,
		label: 'Palace',
		address: 'London SW1A 1AA',
	},
	'Send Contact': {
		messageType: 'contact',
		contactFormat: 'fields',
		contactName: 'Ann Example',
		contactPhone: '+447700900999',
	},
	'Send Template': {
		messageType: 'template',
		templateName: 'order_update',
		templateLanguage: 'en_US',
		componentsSource: 'bodyVariables',
		bodyVariables: ['Ann', '#42'],
	},
	'Send Buttons': {
		messageType: 'interactive',
		interactiveType: 'button',
		bodyText: 'Confirm your slot?',
		footerText: 'Reply with a button',
		buttons: {
			button: [
				{ id: 'yes', title: 'Yes' },
				{ id: 'no', title: 'No' },
			],
		},
	},
	'Send List': {
		messageType: 'interactive',
		interactiveType: 'list',
		bodyText: 'Pick a time',
		listButtonText: 'Choose',
		listRows: {
			row: [
				{ section: 'Morning', id: 'am9', title: '9:00' },
				{ section: 'Afternoon', id: 'pm2', title: '14:00', description: 'After lunch' },
			],
		},
	},
	'Send Poll': {
		messageType: 'poll',
		pollQuestion: 'Which day?',
		pollOptions: ['Mon', 'Tue', 'Wed'],
		allowMultipleAnswers: true,
	},
};

/** The sends of the every-type workflow's run. */
let typeSends: LoggedRequest[] = [];

function sendsOfType(type: string): LoggedRequest[] {
	return typeSends.filter((r) => (r.body as { type?: string }).type === type);
}

function bodyOf(r: LoggedRequest): Record<string, any> {
	return r.body as Record<string, any>;
}

beforeAll(async () => {
	fake = await startFake();
	fake.seedSession({ id: S1, name: 'E2E send' });
	home = N8nHome.create('send');
	fs.writeFileSync(path.join(home.filesDir, 'voice.ogg'), OGG);

	const media = code(
		'Media',
		[
			`return [{`,
			`  json: { to: ${JSON.stringify(TO)} },`,
			`  binary: {`,
			`    photo: { data: ${JSON.stringify(PNG.toString('base64'))}, mimeType: 'image/png', fileName: 'photo.png' },`,
			`    invoice: { data: ${JSON.stringify(PDF.toString('base64'))}, mimeType: 'application/pdf', fileName: 'invoice.pdf' },`,
			`  },`,
			`}];`,
		].join('\n'),
	);
	const common = {
		resource: 'message',
		operation: 'send',
		session: byId(S1),
		to: '={{ $json.to }}',
	};
	const sends = Object.entries(SENDS).map(([name, params]) =>
		sendApi(name, CRED, { ...common, ...params }),
	);
	const voice = readFile('Read Voice Note', path.join(home.filesDir, 'voice.ogg'));
	const sendAudio = sendApi('Send Audio (file)', CRED, {
		...common,
		to: TO,
		messageType: 'audio',
		mediaSource: 'binary',
		binaryPropertyName: 'data',
	});

	const rows = code(
		'Rows',
		`return [
			{ json: { phone: '+447700900301', session: '${S1}' } },
			{ json: { phone: 'not a phone', session: '${S1}' } },
			{ json: { phone: '+44 7700 900302', session: '${S1}' } },
			{ json: { phone: '12', session: '${S1}' } },
			{ json: { phone: '+447700900303', session: 'sess_does_not_exist' } },
			{ json: { phone: '(+44) 7700-900304', session: '${S1}' } },
		];`,
	);
	const sendRows = sendApi(
		'Send To Rows',
		CRED,
		{
			resource: 'message',
			operation: 'send',
			session: byId('={{ $json.session }}'),
			to: '={{ $json.phone }}',
			messageType: 'text',
			text: '=Hi {{ $json.phone }}',
		},
		{ onError: 'continueRegularOutput' },
	);

	await home.importCredentials([credentialFor(fake, CRED)]);
	await home.importWorkflows([
		graph(
			WF_TYPES,
			'e2e send every message type',
			[manualTrigger(), media, ...sends, voice, sendAudio],
			[
				['Start', 'Media'],
				...sends.map((s): [string, string] => ['Media', s.name]),
				['Start', 'Read Voice Note'],
				['Read Voice Note', 'Send Audio (file)'],
			],
		),
		graph(
			WF_BAD_ROWS,
			'e2e continue on fail with bad rows',
			[manualTrigger(), rows, sendRows],
			[
				['Start', 'Rows'],
				['Rows', 'Send To Rows'],
			],
		),
	]);
});

afterAll(async () => {
	await fake?.close();
});

describe('send every message type', () => {
	beforeAll(async () => {
		const before = requestsTo(fake, 'POST', '/whatsapp/send').length;
		const { run } = await home.execute(WF_TYPES);
		typeSends = requestsTo(fake, 'POST', '/whatsapp/send').slice(before);
		for (const name of [...Object.keys(SENDS), 'Send Audio (file)']) {
			const items = nodeItems(run, name);
			expect(items).toHaveLength(1);
			expect(items[0].json.message_id).toMatch(/^msg_/);
			expect(items[0].json.status).toBe('accepted');
		}
	});

	test('one POST /whatsapp/send per node, all to the normalised number, each with its own Idempotency-Key', () => {
		const sends = typeSends;
		expect(sends).toHaveLength(Object.keys(SENDS).length + 1);
		expect(sends.every((r) => r.status === 200)).toBe(true);
		expect(new Set(sends.map((r) => bodyOf(r).to))).toEqual(new Set([TO]));
		expect(new Set(sends.map((r) => r.headers['idempotency-key'])).size).toBe(sends.length);
	});

	test('text carries both dialects', () => {
		const [r] = sendsOfType('text');
		expect(bodyOf(r)).toMatchObject({
			session_id: S1,
			type: 'text',
			text: { body: 'Hello from n8n 👋', preview_url: true },
			content: 'Hello from n8n 👋',
		});
	});

	test('media from a Code node binary, from a file read by Read/Write File, and by URL', () => {
		const images = sendsOfType('image').map(bodyOf);
		const binaryImage = images.find((b) => b.image.base64);
		expect(binaryImage!.image).toMatchObject({
			mime_type: 'image/png',
			filename: 'photo.png',
			caption: 'A picture',
		});
		expect(Buffer.from(binaryImage!.image.base64, 'base64').equals(PNG)).toBe(true);
		expect(images.find((b) => b.image.url)!.image).toMatchObject({
			url: 'https://example.com/photo.jpg',
		});

		const [doc] = sendsOfType('document').map(bodyOf);
		expect(doc.document).toMatchObject({
			mime_type: 'application/pdf',
			filename: 'invoice-42.pdf',
			caption: 'Your invoice',
		});
		expect(Buffer.from(doc.document.base64, 'base64').equals(PDF)).toBe(true);

		const [audio] = sendsOfType('audio').map(bodyOf);
		expect(audio.audio).toMatchObject({ filename: 'voice.ogg' });
		expect(audio.audio.mime_type).toMatch(/^audio\/ogg/);
		expect(Buffer.from(audio.audio.base64, 'base64').equals(OGG)).toBe(true);

		const [video] = sendsOfType('video').map(bodyOf);
		expect(video.video).toMatchObject({ url: 'https://example.com/clip.mp4', caption: 'Clip' });
	});

	test('location, contact, template, interactive (buttons, list) and poll payloads', () => {
		expect(bodyOf(sendsOfType('location')[0]).location).toMatchObject({
			lat: 51.5014,
			lng: -0.1419,
			label: 'Palace',
			address: 'London SW1A 1AA',
		});
		const contact = bodyOf(sendsOfType('contact')[0]).contact;
		expect(contact.vcard).toMatch(
			/BEGIN:VCARD[\s\S]*Ann Example[\s\S]*\+447700900999[\s\S]*END:VCARD/,
		);
		expect(bodyOf(sendsOfType('template')[0]).template).toMatchObject({
			name: 'order_update',
			language: 'en_US',
		});
		expect(JSON.stringify(bodyOf(sendsOfType('template')[0]).template.components)).toContain('#42');
		const interactive = sendsOfType('interactive').map((r) => bodyOf(r).interactive);
		const buttons = interactive.find((i) => i.type === 'button');
		expect(buttons.action.buttons.map((b: any) => b.reply.id)).toEqual(['yes', 'no']);
		const list = interactive.find((i) => i.type === 'list');
		expect(list.action.sections.map((s: any) => s.title)).toEqual(['Morning', 'Afternoon']);
		expect(bodyOf(sendsOfType('poll')[0]).poll).toEqual({
			question: 'Which day?',
			options: ['Mon', 'Tue', 'Wed'],
			allow_multiple_answers: true,
		});
	});
});

test('continue on fail: good rows are sent, bad rows come out with their error, in order', async () => {
	const before = requestsTo(fake, 'POST', '/whatsapp/send').length;
	const { run } = await home.execute(WF_BAD_ROWS);
	const out = nodeItems(run, 'Send To Rows');
	expect(out).toHaveLength(6);
	const [ok1, bad1, ok2, bad2, missing, ok3] = out.map((i) => i.json);
	for (const ok of [ok1, ok2, ok3]) {
		expect(ok.message_id).toMatch(/^msg_/);
		expect(ok.error).toBeUndefined();
	}
	for (const bad of [bad1, bad2]) {
		expect(bad.message_id).toBeUndefined();
		expect(String(bad.error)).toMatch(/To/);
	}
	expect(missing.error).toBeTruthy();
	expect(JSON.stringify(missing)).toMatch(/not.found|does not exist|session/i);

	const sent = requestsTo(fake, 'POST', '/whatsapp/send').slice(before);
	// the two invalid numbers never reach SendApi; the unknown session does (and is refused there)
	expect(sent.map((r) => bodyOf(r).to)).toEqual([
		'+447700900301',
		'+447700900302',
		'+447700900303',
		'+447700900304',
	]);
	expect(sent.map((r) => r.status)).toEqual([200, 200, 404, 200]);
});
