import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { runNode } from '../helpers/runWorkflow';
import { useFakeSendApi } from '../helpers/fakeServer';
import { toIsoDateTime } from '../../nodes/SendApi/helpers/dates';
import { buildMessagePayload } from '../../nodes/SendApi/message/buildMessage';
import { buildVCard } from '../../nodes/SendApi/message/contact';
import { MessageInputError } from '../../nodes/SendApi/message/inputError';
import { messageKey } from '../../nodes/SendApi/message/messageKey';

const fake = useFakeSendApi();
const byId = (value: string | number) => ({ __rl: true, mode: 'id', value: String(value) });
const TO = '+447700900001';

/** Runs Message → Send for one connected session; returns the run and the session. */
async function send(
	parameters: INodeParameters,
	items?: INodeExecutionData[],
	continueOnFail = false,
) {
	const session = fake.api.seedSession();
	const run = await runNode({
		parameters: {
			resource: 'message',
			operation: 'send',
			session: byId(session.id),
			to: TO,
			...parameters,
		},
		items,
		credentials: fake.credentials,
		continueOnFail,
	});
	return { ...run, session };
}

function binaryItem(
	data: Buffer,
	mimeType: string,
	fileName?: string,
	property = 'data',
): INodeExecutionData {
	return {
		json: {},
		binary: {
			[property]: { data: data.toString('base64'), mimeType, ...(fileName ? { fileName } : {}) },
		},
	};
}

const VCARD = 'BEGIN:VCARD\nVERSION:3.0\nFN:Ann Example\nTEL:+447700900002\nEND:VCARD';

describe('Message → Send: one request body per type (docs/wire-format.md)', () => {
	test.each<[string, INodeParameters, IDataObject]>([
		[
			'text, with the client-dialect content twin',
			{ messageType: 'text', text: 'Hello *there*\n', previewUrl: true },
			{
				type: 'text',
				text: { body: 'Hello *there*\n', preview_url: true },
				content: 'Hello *there*\n',
			},
		],
		[
			'image by URL with caption',
			{
				messageType: 'image',
				mediaSource: 'url',
				mediaUrl: 'https://cdn.example.com/p.jpg',
				caption: 'Look',
			},
			{ type: 'image', image: { url: 'https://cdn.example.com/p.jpg', caption: 'Look' } },
		],
		[
			'video by URL without caption',
			{ messageType: 'video', mediaSource: 'url', mediaUrl: 'https://cdn.example.com/v.mp4' },
			{ type: 'video', video: { url: 'https://cdn.example.com/v.mp4' } },
		],
		[
			'audio by URL (no caption field)',
			{ messageType: 'audio', mediaSource: 'url', mediaUrl: 'https://cdn.example.com/a.ogg' },
			{ type: 'audio', audio: { url: 'https://cdn.example.com/a.ogg' } },
		],
		[
			'document by URL, file name taken from the URL',
			{
				messageType: 'document',
				mediaSource: 'url',
				mediaUrl: 'https://cdn.example.com/r/Report%202024.pdf?x=1',
				caption: 'Q1',
			},
			{
				type: 'document',
				document: {
					url: 'https://cdn.example.com/r/Report%202024.pdf?x=1',
					filename: 'Report 2024.pdf',
					caption: 'Q1',
				},
			},
		],
		[
			'location',
			{
				messageType: 'location',
				latitude: 51.5072,
				longitude: -0.1276,
				label: 'Office',
				address: '1 Example St',
			},
			{
				type: 'location',
				location: { lat: 51.5072, lng: -0.1276, label: 'Office', address: '1 Example St' },
			},
		],
		[
			'contact from name and phone (vCard 3.0 built)',
			{ messageType: 'contact', contactName: 'Doe, Ann', contactPhone: '+44 7700 900002' },
			{
				type: 'contact',
				contact: {
					vcard:
						'BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe\\, Ann;;;;\r\nFN:Doe\\, Ann\r\nTEL;type=CELL;type=VOICE;waid=447700900002:+447700900002\r\nEND:VCARD',
					name: 'Doe, Ann',
					phone: '+447700900002',
				},
			},
		],
		[
			'contact from a raw vCard',
			{ messageType: 'contact', contactFormat: 'vcard', vcard: `  ${VCARD}\n` },
			{ type: 'contact', contact: { vcard: VCARD } },
		],
		[
			'template with body variables',
			{
				messageType: 'template',
				templateName: 'order_update',
				templateLanguage: 'en_GB',
				bodyVariables: ['Ann', '42'],
			},
			{
				type: 'template',
				template: {
					name: 'order_update',
					language: 'en_GB',
					components: [
						{
							type: 'body',
							parameters: [
								{ type: 'text', text: 'Ann' },
								{ type: 'text', text: '42' },
							],
						},
					],
				},
			},
		],
		[
			'template without variables',
			{ messageType: 'template', templateName: 'hello_world' },
			{ type: 'template', template: { name: 'hello_world', language: 'en_US' } },
		],
		[
			'template with components as JSON',
			{
				messageType: 'template',
				templateName: 'promo',
				componentsSource: 'json',
				componentsJson:
					'[{"type":"header","parameters":[{"type":"image","image":{"link":"https://x.io/a.png"}}]}]',
			},
			{
				type: 'template',
				template: {
					name: 'promo',
					language: 'en_US',
					components: [
						{
							type: 'header',
							parameters: [{ type: 'image', image: { link: 'https://x.io/a.png' } }],
						},
					],
				},
			},
		],
		[
			'interactive reply buttons',
			{
				messageType: 'interactive',
				bodyText: 'Confirm your slot?',
				headerText: 'Booking',
				footerText: 'Reply by 5pm',
				buttons: {
					button: [
						{ id: 'yes', title: 'Yes' },
						{ id: 'no', title: 'No' },
					],
				},
			},
			{
				type: 'interactive',
				interactive: {
					type: 'button',
					body: { text: 'Confirm your slot?' },
					header: { type: 'text', text: 'Booking' },
					footer: { text: 'Reply by 5pm' },
					action: {
						buttons: [
							{ type: 'reply', reply: { id: 'yes', title: 'Yes' } },
							{ type: 'reply', reply: { id: 'no', title: 'No' } },
						],
					},
				},
			},
		],
		[
			'interactive list, rows grouped by section',
			{
				messageType: 'interactive',
				interactiveType: 'list',
				bodyText: 'Pick a time',
				listButtonText: 'Times',
				listRows: {
					row: [
						{ section: 'Morning', id: 'am9', title: '9:00', description: 'Early' },
						{ section: 'Afternoon', id: 'pm2', title: '14:00', description: '' },
						{ section: 'Morning', id: 'am11', title: '11:00', description: '' },
					],
				},
			},
			{
				type: 'interactive',
				interactive: {
					type: 'list',
					body: { text: 'Pick a time' },
					action: {
						button: 'Times',
						sections: [
							{
								title: 'Morning',
								rows: [
									{ id: 'am9', title: '9:00', description: 'Early' },
									{ id: 'am11', title: '11:00' },
								],
							},
							{ title: 'Afternoon', rows: [{ id: 'pm2', title: '14:00' }] },
						],
					},
				},
			},
		],
		[
			'poll',
			{
				messageType: 'poll',
				pollQuestion: 'Which day?',
				pollOptions: ['Mon', ' Tue ', ''],
				allowMultipleAnswers: true,
			},
			{
				type: 'poll',
				poll: { question: 'Which day?', options: ['Mon', 'Tue'], allow_multiple_answers: true },
			},
		],
	])('%s', async (_name, parameters, fragment) => {
		const { outputs, error, session } = await send(parameters);
		expect(error).toBeUndefined();
		expect(fake.api.requests).toHaveLength(1);
		const [request] = fake.api.requests;
		expect(request.path).toBe('/v1/whatsapp/send');
		expect(request.status).toBe(200);
		expect(request.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
		expect(request.body).toEqual({ session_id: session.id, to: TO, ...fragment });
		expect(outputs[0][0].json).toMatchObject({
			message_id: expect.stringMatching(/^msg_/),
			status: 'accepted',
		});
	});
});

describe('Message → Send: media from a binary field', () => {
	const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

	test('an image item is sent as base64 with its MIME type and file name', async () => {
		const { error } = await send(
			{
				messageType: 'image',
				mediaSource: 'binary',
				binaryPropertyName: 'chart',
				caption: 'Sales',
			},
			[binaryItem(png, 'image/png', 'chart.png', 'chart')],
		);
		expect(error).toBeUndefined();
		expect(fake.api.requests[0].body).toMatchObject({
			type: 'image',
			image: {
				base64: png.toString('base64'),
				mime_type: 'image/png',
				filename: 'chart.png',
				caption: 'Sales',
			},
		});
	});

	test('a document keeps the File Name given, and an unknown MIME type is read from the extension', async () => {
		const pdf = Buffer.from('%PDF-1.4 fake');
		const { error } = await send(
			{
				messageType: 'document',
				mediaSource: 'binary',
				binaryPropertyName: 'data',
				fileName: 'Invoice 7.pdf',
			},
			[binaryItem(pdf, 'application/octet-stream', 'scan.pdf')],
		);
		expect(error).toBeUndefined();
		expect(fake.api.requests[0].body).toMatchObject({
			document: {
				base64: pdf.toString('base64'),
				mime_type: 'application/pdf',
				filename: 'Invoice 7.pdf',
			},
		});
	});

	test('a missing binary field names the item and the field, and lists what the item has', async () => {
		const { error } = await send(
			{ messageType: 'image', mediaSource: 'binary', binaryPropertyName: 'photo' },
			[binaryItem(png, 'image/png', 'a.png')],
		);
		expect(error?.message).toBe('Item 1: Input Binary Field "photo" is not on the input item');
		expect(error?.description).toMatch(/It has: data\./);
		expect(fake.api.requests).toHaveLength(0);
	});

	test('a PDF is not sent as an image', async () => {
		const { error } = await send({ messageType: 'image', mediaSource: 'binary' }, [
			binaryItem(Buffer.from('%PDF'), 'application/pdf', 'a.pdf'),
		]);
		expect(error?.message).toBe(
			'Item 1: Input Binary Field "data" holds "a.pdf" (application/pdf), not an image',
		);
		expect(fake.api.requests).toHaveLength(0);
	});
});

describe('Message → Send: validation names item and field before anything is sent', () => {
	test.each<[string, INodeParameters, RegExp | string]>([
		['empty text', { messageType: 'text', text: '  \n ' }, 'Item 1: Text is empty'],
		[
			'poll with 1 option',
			{ messageType: 'poll', pollQuestion: 'Q?', pollOptions: ['Only'] },
			'Item 1: Poll Options has 1 option; a poll needs 2 to 12',
		],
		[
			'poll with a repeated option',
			{ messageType: 'poll', pollQuestion: 'Q?', pollOptions: ['A', 'A'] },
			'Item 1: Poll Options has "A" twice',
		],
		[
			'invalid components JSON',
			{
				messageType: 'template',
				templateName: 't',
				componentsSource: 'json',
				componentsJson: '[{"type": "body",',
			},
			/^Item 1: Components \(JSON\) is not valid JSON \(.+\)$/,
		],
		[
			'components without a type',
			{
				messageType: 'template',
				templateName: 't',
				componentsSource: 'json',
				componentsJson: '[{"parameters": []}]',
			},
			'Item 1: Components (JSON) entry 1 has no "type"',
		],
		[
			'latitude out of range',
			{ messageType: 'location', latitude: '={{ $json.lat }}', longitude: 0 },
			'Item 1: Latitude is 91; it must be between -90 and 90',
		],
		[
			'longitude not a number',
			{ messageType: 'location', latitude: 1, longitude: '={{ "east" }}' },
			'Item 1: Longitude "east" is not a number',
		],
		[
			'four reply buttons',
			{
				messageType: 'interactive',
				bodyText: 'B',
				buttons: { button: ['a', 'b', 'c', 'd'].map((id) => ({ id, title: id })) },
			},
			'Item 1: Buttons has 4 buttons; WhatsApp allows 1 to 3',
		],
		[
			'a media URL that is not one',
			{ messageType: 'image', mediaUrl: 'ftp://example.com/a.png' },
			'Item 1: Media URL "ftp://example.com/a.png" is not an http(s) URL',
		],
		[
			'a contact phone without country code',
			{ messageType: 'contact', contactName: 'Ann', contactPhone: '07700 900000' },
			/^Item 1: Contact Phone "07700 900000" is a national number/,
		],
		[
			'an empty recipient',
			{ messageType: 'text', text: 'hi', to: '={{ $json.nobody }}' },
			'Item 1: To is empty',
		],
	])('%s', async (_name, parameters, expected) => {
		const { error } = await send(parameters, [{ json: { lat: 91 } }]);
		expect(error?.name).toBe('NodeOperationError');
		expect(error?.message).toEqual(
			typeof expected === 'string' ? expected : expect.stringMatching(expected),
		);
		expect(fake.api.requests).toHaveLength(0);
	});

	test('the error names the item that is wrong', async () => {
		const { error } = await send(
			{ messageType: 'location', latitude: '={{ $json.lat }}', longitude: 0 },
			[{ json: { lat: 10 } }, { json: { lat: -91 } }],
		);
		expect(error?.message).toBe('Item 2: Latitude is -91; it must be between -90 and 90');
		expect(error?.description).toMatch(/swapped/);
		expect(fake.api.requests).toHaveLength(1);
	});

	test('with Continue On Fail the bad item becomes an error item and the good one is sent', async () => {
		const { outputs, error } = await send(
			{ messageType: 'text', text: '={{ $json.text }}' },
			[{ json: { text: '' } }, { json: { text: 'Hi' } }],
			true,
		);
		expect(error).toBeUndefined();
		expect(outputs[0].map((item) => item.json.error ?? item.json.status)).toEqual([
			'Item 1: Text is empty',
			'accepted',
		]);
		expect(outputs[0].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(fake.api.requests).toHaveLength(1);
	});
});

describe('Message → Send: replying to the SendApi Trigger needs no mapping', () => {
	test('Session and To default to the trigger output', async () => {
		const session = fake.api.seedSession({ id: 42 });
		const { error } = await runNode({
			parameters: { resource: 'message', operation: 'send', text: 'Thanks!' },
			items: [
				{
					json: { event: 'message.received', session_id: 42, from: '447700900009@s.whatsapp.net' },
				},
			],
			credentials: fake.credentials,
		});
		expect(error).toBeUndefined();
		expect(fake.api.requests[0].body).toMatchObject({
			session_id: session.id,
			to: '+447700900009',
		});
	});

	test('without trigger fields the usual error names the field', async () => {
		fake.api.seedSession();
		const { error } = await runNode({
			parameters: { resource: 'message', operation: 'send', text: 'Thanks!' },
			items: [{ json: { name: 'no trigger here' } }],
			credentials: fake.credentials,
		});
		expect(error?.message).toBe('Item 1: Session is empty');
		expect(fake.api.requests).toHaveLength(0);
	});
});

describe('Message → Send: n8n’s Retry On Fail never sends twice', () => {
	const sent = () =>
		fake.api.state.messages.filter((m) => m.direction === 'out' && m.dialect !== 'seed');
	const sendKeys = () =>
		fake.api.requests
			.filter((r) => r.method === 'POST' && r.path.endsWith('/send'))
			.map((r) => r.headers['idempotency-key']);
	/** One text, with n8n's Retry On Fail on: two tries, `waitMs` apart. */
	const sendWithRetryOnFail = (sessionId: string | number, waitMs: number) =>
		runNode({
			parameters: {
				resource: 'message',
				operation: 'send',
				session: byId(sessionId),
				to: TO,
				text: 'Your code is 1234',
			},
			credentials: fake.credentials,
			nodeSettings: { retryOnFail: true, maxTries: 2, waitBetweenTries: waitMs },
		});

	test('SendApi acted but every answer was lost: the node fails, n8n retries it, the same key comes back', async () => {
		const session = fake.api.seedSession();
		// Five lost answers exhaust the transport's own retries (the node fails); the sixth request,
		// from n8n's retry of the node, is answered.
		fake.api.faults.push({ kind: 'drop', path: '/whatsapp/send', times: 5, afterProcessing: true });
		const { outputs, error } = await sendWithRetryOnFail(session.id, 10);
		expect(error).toBeUndefined();
		expect(outputs[0][0].json).toMatchObject({ status: 'accepted' });
		expect(sent()).toHaveLength(1);
		const keys = sendKeys();
		expect(keys).toHaveLength(6);
		expect(new Set(keys).size).toBe(1);
	});

	test('a refused item gets a new key on the retry, so it is really tried again', async () => {
		// A stricter SendApi might keep the refusal under the key and only replay it.
		fake.api.idempotencyKeepsRefusals = true;
		const session = fake.api.seedSession({ status: 'disconnected' });
		const running = sendWithRetryOnFail(session.id, 300);
		// The session reconnects while n8n waits to retry.
		while (fake.api.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
		fake.api.state.getSession(session.id)!.status = 'connected';
		const { outputs, error } = await running;

		expect(error).toBeUndefined();
		expect(outputs[0][0].json).toMatchObject({ status: 'accepted' });
		expect(fake.api.requests.map((r) => r.status)).toEqual([409, 200]);
		expect(new Set(sendKeys()).size).toBe(2);
		expect(sent()).toHaveLength(1);
	});

	test('keys differ per item, per content and per execution', async () => {
		const session = fake.api.seedSession();
		const parameters = {
			resource: 'message',
			operation: 'send',
			session: byId(session.id),
			to: TO,
			text: '={{ $json.text }}',
		};
		const items = [
			{ json: { text: 'same' } },
			{ json: { text: 'same' } },
			{ json: { text: 'other' } },
		];
		await runNode({ parameters, items, credentials: fake.credentials });
		await runNode({ parameters, items: items.slice(0, 1), credentials: fake.credentials });
		const keys = sendKeys();
		expect(keys).toHaveLength(4);
		expect(new Set(keys).size).toBe(4);
		expect(sent()).toHaveLength(4);
	});
});

describe('Message → Get Many and Get', () => {
	test('history across three pages with every filter', async () => {
		const session = fake.api.seedSession();
		const other = fake.api.seedSession();
		const inRange = { startAt: '2024-03-01T00:00:00Z', stepMs: 60_000 };
		const wanted = fake.api.seedMessages(session.id, 230, {
			...inRange,
			direction: 'out',
			status: 'delivered',
		});
		fake.api.seedMessages(session.id, 20, { ...inRange, direction: 'out', status: 'failed' });
		fake.api.seedMessages(session.id, 20, { ...inRange, direction: 'in' });
		fake.api.seedMessages(session.id, 20, {
			startAt: '2024-02-01T00:00:00Z',
			direction: 'out',
			status: 'delivered',
		});
		fake.api.seedMessages(other.id, 20, { ...inRange, direction: 'out', status: 'delivered' });

		const { outputs, error } = await runNode({
			parameters: {
				resource: 'message',
				operation: 'getAll',
				session: byId(session.id),
				returnAll: true,
				filters: {
					direction: 'out',
					status: 'delivered',
					fromDate: '2024-03-01T00:00:00Z',
					toDate: '2024-03-02T00:00:00+01:00',
				},
			},
			credentials: fake.credentials,
		});
		expect(error).toBeUndefined();
		expect(fake.api.requests.map((r) => r.query)).toEqual(
			['1', '2', '3'].map((page) => ({
				session_id: String(session.id),
				direction: 'out',
				status: 'delivered',
				from_date: '2024-03-01T00:00:00.000Z',
				to_date: '2024-03-01T23:00:00.000Z',
				page,
				per_page: '100',
			})),
		);
		expect(outputs[0]).toHaveLength(230);
		expect(new Set(outputs[0].map((item) => item.json.id))).toEqual(
			new Set(wanted.map((m) => m.id)),
		);
	});

	test('no session and a limit: one page of that size', async () => {
		const session = fake.api.seedSession();
		fake.api.seedMessages(session.id, 30);
		const { outputs } = await runNode({
			parameters: { resource: 'message', operation: 'getAll', returnAll: false, limit: 7 },
			credentials: fake.credentials,
		});
		expect(outputs[0]).toHaveLength(7);
		expect(fake.api.requests.map((r) => r.query)).toEqual([{ page: '1', per_page: '7' }]);
	});

	test('a date that is not one names the filter', async () => {
		const { error } = await runNode({
			parameters: {
				resource: 'message',
				operation: 'getAll',
				returnAll: true,
				filters: { fromDate: '={{ "soon" }}' },
			},
			credentials: fake.credentials,
		});
		expect(error?.message).toBe('Item 1: From Date "soon" is not a date');
	});

	test('Get reads one message by id', async () => {
		const session = fake.api.seedSession();
		const [message] = fake.api.seedMessages(session.id, 1, { direction: 'in' });
		const { outputs } = await runNode({
			parameters: { resource: 'message', operation: 'get', messageId: ` ${message.id} ` },
			credentials: fake.credentials,
		});
		expect(outputs[0][0].json).toMatchObject({
			id: message.id,
			direction: 'in',
			from: message.from,
		});
		expect(fake.api.requests[0].path).toBe(`/v1/whatsapp/messages/${message.id}`);
	});
});

describe('pure helpers', () => {
	test('the payload builder throws a typed error with field and key, for reuse per bulk row', () => {
		let caught: unknown;
		try {
			buildMessagePayload({ type: 'location', latitude: 12, longitude: 200 });
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(MessageInputError);
		expect(caught).toMatchObject({
			field: 'Longitude',
			key: 'longitude',
			problem: 'is 200; it must be between -180 and 180',
		});
	});

	test('rows with the same content share a message key whatever the key order', () => {
		const a = buildMessagePayload({
			type: 'template',
			name: 'x',
			language: 'en',
			bodyVariables: ['1'],
		});
		const b = buildMessagePayload({
			type: 'template',
			language: 'en',
			name: 'x',
			bodyVariables: '1',
		});
		expect(messageKey(a)).toBe(messageKey(b));
		expect(messageKey(a)).not.toBe(
			messageKey(buildMessagePayload({ type: 'template', name: 'x', language: 'en' })),
		);
	});

	test('vCard values are escaped', () => {
		expect(buildVCard('A;B\nC\\', '+15550100000')).toContain('FN:A\\;B\\nC\\\\\r\n');
	});

	test.each([
		['2024-07-01T09:00:00', 'Europe/London', '2024-07-01T08:00:00.000Z'],
		['2024-01-15T09:00:00', 'America/New_York', '2024-01-15T14:00:00.000Z'],
		['2024-03-31T01:30:00', 'Europe/Berlin', '2024-03-31T00:30:00.000Z'],
		['2024-05-01', 'Asia/Kolkata', '2024-04-30T18:30:00.000Z'],
		['2024-05-01T12:00:00.5', 'UTC', '2024-05-01T12:00:00.500Z'],
		['2024-05-01T12:00:00-03:00', 'Europe/London', '2024-05-01T15:00:00.000Z'],
	])('date %s in %s → %s', (value, zone, iso) => {
		expect(toIsoDateTime(value, zone)).toBe(iso);
	});

	test('dates from expressions and impossible dates', () => {
		expect(toIsoDateTime(new Date('2024-05-01T00:00:00Z'), 'UTC')).toBe('2024-05-01T00:00:00.000Z');
		expect(toIsoDateTime({ toISO: () => '2024-05-01T02:00:00.000+02:00' }, 'UTC')).toBe(
			'2024-05-01T00:00:00.000Z',
		);
		expect(toIsoDateTime('2024-02-30', 'UTC')).toBeUndefined();
		expect(toIsoDateTime('soon', 'UTC')).toBeUndefined();
	});
});
