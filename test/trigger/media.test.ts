/**
 * SendApi Trigger, incoming media: which event shapes carry a file (transport/wire/incomingMedia.ts), and,
 * through n8n-core's real WebhookContext and request helpers, signed deliveries from the fake
 * SendApi whose files are downloaded into n8n binary data (or not, with `media_error`).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IBinaryData, IDataObject, INodeParameters } from 'n8n-workflow';

import { fileType, mediaFileName } from '../../nodes/SendApi/inbound/incomingMedia';
import { readIncomingMedia } from '../../nodes/SendApi/transport/wire/incomingMedia';
import {
	decodeBase64Media,
	fetchMedia,
	MEDIA_TIMEOUT_MS,
} from '../../nodes/SendApi/transport/mediaDownload';
import { mimeTypeOfBytes } from '../../nodes/SendApi/transport/mime';
import {
	type FakeSendApi,
	type IncomingMediaOptions,
	PNG_SIGNATURE,
	sampleFile,
	startFakeSendApi,
} from '../fake-sendapi';
import { TriggerHarness } from '../helpers/runTrigger';

describe('readIncomingMedia (the shapes we read)', () => {
	const file = {
		url: 'https://sendapi.co/v1/whatsapp/media/m1',
		mime_type: 'image/jpeg',
		size: 10,
	};

	it('finds the media object under <type>, content, media or flat on the data', () => {
		const expected = {
			type: 'image',
			voice: false,
			source: { url: file.url },
			mimeType: 'image/jpeg',
			size: 10,
		};
		expect(readIncomingMedia({ type: 'image', image: file })).toMatchObject(expected);
		expect(readIncomingMedia({ type: 'image', content: file })).toMatchObject(expected);
		expect(readIncomingMedia({ type: 'image', media: file })).toMatchObject(expected);
		expect(
			readIncomingMedia({
				type: 'image',
				media_url: file.url,
				mimetype: 'image/jpeg',
				file_length: '10',
			}),
		).toMatchObject(expected);
	});

	it('reads base64 and data URLs, voice notes, document names and captions', () => {
		expect(
			readIncomingMedia({
				type: 'audio',
				audio: { base64: 'T2dn', mime_type: 'audio/ogg', ptt: true },
			}),
		).toMatchObject({
			type: 'audio',
			voice: true,
			source: { base64: 'T2dn' },
		});
		expect(
			readIncomingMedia({ type: 'voice', content: { url: 'data:audio/ogg;base64,T2dn' } }),
		).toMatchObject({
			type: 'audio',
			voice: true,
			mimeType: 'audio/ogg',
			source: { base64: 'data:audio/ogg;base64,T2dn' },
		});
		expect(
			readIncomingMedia({
				type: 'document',
				document: { link: 'https://x/y', file_name: 'a.pdf', caption: 'Here' },
			}),
		).toMatchObject({
			type: 'document',
			fileName: 'a.pdf',
			caption: 'Here',
			source: { url: 'https://x/y' },
		});
	});

	it('finds nothing in text, location or media messages without a link or bytes', () => {
		expect(readIncomingMedia({ type: 'text', content: { body: 'hi' } })).toBeUndefined();
		expect(readIncomingMedia({ type: 'location', location: { lat: 1, lng: 2 } })).toBeUndefined();
		expect(readIncomingMedia({ type: 'image', content: { caption: 'no file' } })).toBeUndefined();
		expect(readIncomingMedia({ content: { url: 'https://x/y' } })).toBeUndefined();
	});
});

describe('media file names and base64', () => {
	it('keeps the sender’s name for documents; <message id>.<extension> otherwise', () => {
		expect(mediaFileName({ type: 'document', fileName: 'Q3.pdf' }, undefined, 'msg_1', 'pdf')).toBe(
			'Q3.pdf',
		);
		expect(mediaFileName({ type: 'document' }, 'from-header.pdf', 'msg_1', 'pdf')).toBe(
			'from-header.pdf',
		);
		expect(mediaFileName({ type: 'document' }, undefined, 'msg_1', 'pdf')).toBe('msg_1.pdf');
		expect(mediaFileName({ type: 'image', fileName: 'IMG.jpg' }, undefined, 'msg_2', 'jpg')).toBe(
			'msg_2.jpg',
		);
		expect(mediaFileName({ type: 'sticker' }, undefined, 'msg/4', 'bin')).toBe('msg_4.bin');
	});

	const link = (path: string) => ({ url: `https://cdn.example${path}` });
	const NO_BYTES = Buffer.alloc(0);

	it('the extension comes from the MIME type without its parameters; the type is kept as declared', () => {
		expect(fileType({ mimeType: 'audio/ogg; codecs=opus', source: link('/f') }, NO_BYTES)).toEqual({
			mimeType: 'audio/ogg; codecs=opus',
			extension: 'ogg',
		});
		expect(fileType({ mimeType: 'audio/mpeg', source: link('/f') }, NO_BYTES)).toEqual({
			mimeType: 'audio/mpeg',
			extension: 'mp3',
		});
		expect(
			fileType({ mimeType: 'IMAGE/JPEG; charset=binary', source: link('/f.png') }, NO_BYTES),
		).toEqual({ mimeType: 'IMAGE/JPEG; charset=binary', extension: 'jpg' });
		// The event says nothing: the download's Content-Type counts.
		expect(fileType({ source: link('/f') }, NO_BYTES, 'video/mp4')).toEqual({
			mimeType: 'video/mp4',
			extension: 'mp4',
		});
	});

	it('then the link’s extension, then the first bytes, then the subtype; else bin', () => {
		const pdf = sampleFile('document').bytes;
		expect(fileType({ source: link('/files/Invoice.PDF?sig=x') }, NO_BYTES)).toEqual({
			mimeType: 'application/pdf',
			extension: 'pdf',
		});
		expect(
			fileType({ mimeType: 'application/octet-stream', source: link('/x.pdf') }, NO_BYTES),
		).toEqual({ mimeType: 'application/pdf', extension: 'pdf' });
		// An extension the table does not know says nothing; the bytes do.
		expect(fileType({ source: link('/download.php') }, pdf)).toEqual({
			mimeType: 'application/pdf',
			extension: 'pdf',
		});
		expect(fileType({ source: { base64: 'x' } }, sampleFile('voice').bytes)).toEqual({
			mimeType: 'audio/ogg',
			extension: 'ogg',
		});
		expect(fileType({ mimeType: 'image/heic', source: link('/f') }, NO_BYTES)).toEqual({
			mimeType: 'image/heic',
			extension: 'heic',
		});
		expect(fileType({ source: link('/f') }, Buffer.from('plain text'))).toEqual({
			mimeType: 'application/octet-stream',
			extension: 'bin',
		});
	});

	it.each<[string, string, string | undefined]>([
		['Ogg', 'OggS\0\x02', 'audio/ogg'],
		['MP3 with an ID3 tag', 'ID3\x04\0', 'audio/mpeg'],
		['MP3 frame', '\xff\xfb\x90\x64', 'audio/mpeg'],
		['M4A', '\0\0\0\x20ftypM4A \0\0\0\0', 'audio/mp4'],
		['MP4', '\0\0\0\x18ftypmp42', 'video/mp4'],
		['3GP', '\0\0\0\x14ftyp3gp4', 'video/3gpp'],
		['JPEG', '\xff\xd8\xff\xe0\0\x10JFIF', 'image/jpeg'],
		['PNG', '\x89PNG\r\n\x1a\n', 'image/png'],
		['WebP', 'RIFF\x24\0\0\0WEBPVP8 ', 'image/webp'],
		['WAV', 'RIFF\x24\0\0\0WAVEfmt ', 'audio/wav'],
		['GIF', 'GIF89a\x01\0', 'image/gif'],
		['PDF', '%PDF-1.7', 'application/pdf'],
		['AMR', '#!AMR\n', 'audio/amr'],
		['AAC (ADTS)', '\xff\xf1\x50\x80', 'audio/aac'],
		['text', 'hello', undefined],
		['nothing', '', undefined],
	])('first bytes: %s', (_, head, mimeType) => {
		expect(mimeTypeOfBytes(Buffer.from(head, 'latin1'))).toBe(mimeType);
	});

	it('decodes base64 within the limit and refuses more before decoding', () => {
		const bytes = Buffer.from('hello media');
		expect(decodeBase64Media(bytes.toString('base64'), 100)).toEqual({ ok: true, data: bytes });
		expect(decodeBase64Media(`data:text/plain;base64,${bytes.toString('base64')}`, 100)).toEqual({
			ok: true,
			data: bytes,
		});
		expect(decodeBase64Media(Buffer.alloc(300).toString('base64'), 100)).toMatchObject({
			ok: false,
			reason: 'too_large',
		});
		expect(decodeBase64Media('not base64!', 100)).toMatchObject({ ok: false, reason: 'invalid' });
	});
});

describe('SendApiTrigger downloads incoming media in n8n-core', () => {
	const SESSION = 'sess_media';
	let fake: FakeSendApi;
	let harness: TriggerHarness;

	beforeAll(async () => {
		fake = await startFakeSendApi();
	});

	afterAll(async () => {
		await fake.close();
	});

	async function start(parameters: INodeParameters = {}) {
		harness = await TriggerHarness.start({
			credentials: { apiKey: fake.apiKey, baseUrl: fake.baseUrl },
			parameters: { events: ['message.received'], ...parameters },
		});
		await harness.activate();
	}

	beforeEach(async () => {
		fake.reset();
		fake.seedSession({ id: SESSION });
		await start();
	});

	afterEach(async () => {
		await harness.close();
	});

	/** The secret of this harness's webhook (a restarted harness registers another URL). */
	const secret = () => {
		const hook = [...fake.state.webhooks.values()].find((h) => h.url === harness.webhookUrl());
		if (!hook) throw new Error('the trigger registered no webhook');
		return hook.secret;
	};

	/** Delivers one signed media message; returns the answer and the workflow's item. */
	async function deliverMedia(
		options: IncomingMediaOptions,
		signature: 'valid' | 'forged' = 'valid',
	) {
		const data = fake.incomingMediaData({ ...options, session_id: SESSION, from: '+447700900001' });
		const response = await fake.deliverWebhook(harness.webhookUrl(), data, {
			secret: secret(),
			signature,
			envelope: 'event',
		});
		const run = harness.runs.at(-1);
		return { data, response, item: run?.data[0][0] };
	}

	const bytesOf = (binary: IBinaryData | undefined) => Buffer.from(binary?.data ?? '', 'base64');
	/** Waits for what the fake server sees a little after the node's answer (bounded by the test's time-out). */
	const until = async (done: () => boolean) => {
		while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
	};
	const mediaRequests = () => fake.requests.filter((r) => r.path.startsWith('/v1/whatsapp/media/'));

	it('an image linked on SendApi’s host is fetched with the API key', async () => {
		const { data, response, item } = await deliverMedia({ type: 'image', shape: 'typed' });
		expect(response.status).toBe(200);
		expect(harness.runs).toHaveLength(1);
		const binary = item?.binary?.data;
		expect(bytesOf(binary)).toEqual(sampleFile('image').bytes);
		expect(bytesOf(binary).subarray(0, 8)).toEqual(PNG_SIGNATURE);
		expect(binary).toMatchObject({
			mimeType: 'image/png',
			fileName: `${String(data.message_id)}.png`,
		});
		expect(item?.json.media).toMatchObject({
			type: 'image',
			voice: false,
			mime_type: 'image/png',
			size: sampleFile('image').bytes.length,
		});
		expect(item?.json.media_error).toBeUndefined();
		expect(mediaRequests()).toHaveLength(1);
		expect(mediaRequests()[0].headers.authorization).toBe(`Bearer ${fake.apiKey}`);
	});

	it('a voice note (audio/ogg; codecs=opus) on another host is fetched without the API key, named .ogg', async () => {
		const { data, item } = await deliverMedia({ type: 'voice', shape: 'content', host: 'public' });
		expect(data.content).toMatchObject({ mime_type: 'audio/ogg; codecs=opus', voice: true });
		expect(bytesOf(item?.binary?.data)).toEqual(sampleFile('voice').bytes);
		expect(item?.binary?.data).toMatchObject({
			mimeType: 'audio/ogg; codecs=opus',
			fileName: `${String(data.message_id)}.ogg`,
		});
		expect(item?.json.media).toMatchObject({
			type: 'audio',
			voice: true,
			mime_type: 'audio/ogg; codecs=opus',
			file_name: `${String(data.message_id)}.ogg`,
		});
		expect(fake.publicMediaRequests).toHaveLength(1);
		expect(fake.publicMediaRequests[0].headers.authorization).toBeUndefined();
	});

	it('a voice note in the flat ptt shape is named .ogg too', async () => {
		const { data, item } = await deliverMedia({ type: 'voice', shape: 'flat', voiceAs: 'ptt' });
		expect(data).toMatchObject({ type: 'ptt', mime_type: 'audio/ogg; codecs=opus' });
		expect(item?.binary?.data).toMatchObject({
			mimeType: 'audio/ogg; codecs=opus',
			fileName: `${String(data.message_id)}.ogg`,
		});
		expect(item?.json.media).toMatchObject({ type: 'audio', voice: true });
	});

	it('audio/mpeg is named .mp3, image/jpeg; charset=binary .jpg', async () => {
		const mp3 = await deliverMedia({ type: 'audio' });
		expect(mp3.item?.binary?.data).toMatchObject({
			mimeType: 'audio/mpeg',
			fileName: `${String(mp3.data.message_id)}.mp3`,
		});
		const jpeg = {
			bytes: Buffer.from('\xff\xd8\xff\xe0\0\x10JFIF\0', 'latin1'),
			mimeType: 'image/jpeg; charset=binary',
		};
		const photo = await deliverMedia({ type: 'image', file: jpeg, host: 'public' });
		expect(bytesOf(photo.item?.binary?.data)).toEqual(jpeg.bytes);
		expect(photo.item?.binary?.data).toMatchObject({
			mimeType: 'image/jpeg; charset=binary',
			fileName: `${String(photo.data.message_id)}.jpg`,
		});
	});

	it('no MIME type anywhere: a .pdf link names the file and its type', async () => {
		const unnamed = { bytes: sampleFile('document').bytes };
		const { data, item } = await deliverMedia({
			type: 'document',
			file: unnamed,
			host: 'public',
			linkExtension: 'pdf',
		});
		expect(JSON.stringify(data)).not.toContain('mime');
		expect(item?.binary?.data).toMatchObject({
			mimeType: 'application/pdf',
			fileName: `${String(data.message_id)}.pdf`,
		});
		expect(item?.json.media).toMatchObject({ mime_type: 'application/pdf' });
	});

	it('no MIME type and no extension: the first bytes tell (an Ogg voice note)', async () => {
		const { data, item } = await deliverMedia({
			type: 'voice',
			file: { bytes: sampleFile('voice').bytes },
		});
		expect(item?.binary?.data).toMatchObject({
			mimeType: 'audio/ogg',
			fileName: `${String(data.message_id)}.ogg`,
		});
	});

	it('a PDF (flat shape) keeps the sender’s file name', async () => {
		const { item } = await deliverMedia({ type: 'document', shape: 'flat' });
		expect(bytesOf(item?.binary?.data)).toEqual(sampleFile('document').bytes);
		expect(item?.binary?.data).toMatchObject({
			mimeType: 'application/pdf',
			fileName: 'Invoice 2026-11.pdf',
		});
		expect(item?.json.media).toMatchObject({ type: 'document', file_name: 'Invoice 2026-11.pdf' });
	});

	it('base64 in the event (plain or as a data URL) needs no download', async () => {
		const plain = await deliverMedia({ type: 'sticker', shape: 'typed', source: 'base64' });
		expect(bytesOf(plain.item?.binary?.data)).toEqual(sampleFile('sticker').bytes);
		expect(plain.item?.binary?.data).toMatchObject({ mimeType: 'image/webp' });
		const dataUrl = await deliverMedia({
			type: 'video',
			shape: 'media',
			source: 'dataUrl',
			caption: 'look',
		});
		expect(bytesOf(dataUrl.item?.binary?.data)).toEqual(sampleFile('video').bytes);
		expect(dataUrl.item?.json.text).toBe('look');
		expect(mediaRequests()).toHaveLength(0);
		expect(fake.publicMediaRequests).toHaveLength(0);
	});

	it('a link on SendApi’s host that redirects elsewhere does not take the key along', async () => {
		const { item } = await deliverMedia({ type: 'image', host: 'redirect' });
		expect(bytesOf(item?.binary?.data)).toEqual(sampleFile('image').bytes);
		expect(mediaRequests()[0].headers.authorization).toBe(`Bearer ${fake.apiKey}`);
		expect(fake.publicMediaRequests).toHaveLength(1);
		expect(fake.publicMediaRequests[0].headers.authorization).toBeUndefined();
	});

	it('puts the file in the binary field the user named', async () => {
		await harness.close();
		await start({ binaryPropertyName: 'voiceNote' });
		const { item } = await deliverMedia({ type: 'voice' });
		expect(Object.keys(item?.binary ?? {})).toEqual(['voiceNote']);
	});

	it('with Download Media off the item describes the file and nothing is fetched', async () => {
		await harness.close();
		await start({ downloadMedia: false });
		const { item } = await deliverMedia({ type: 'image' });
		expect(item?.binary).toBeUndefined();
		expect(item?.json.media).toMatchObject({
			type: 'image',
			mime_type: 'image/png',
			url: expect.stringContaining('/media/'),
		});
		expect(mediaRequests()).toHaveLength(0);
	});

	describe('files that cannot be had still start the workflow, with media_error and no binary', () => {
		it('declared too large in the event: not requested at all', async () => {
			await harness.close();
			await start({ maxMediaSize: 0.01 });
			const big = {
				bytes: Buffer.alloc(20_000, 1),
				mimeType: 'application/pdf',
				fileName: 'big.pdf',
			};
			const { response, item } = await deliverMedia({ type: 'document', file: big });
			expect(response.status).toBe(200);
			expect(harness.runs).toHaveLength(1);
			expect(item?.binary).toBeUndefined();
			expect(item?.json.media_error).toMatch(
				/19\.5 KB\).*larger than the Max Media Size of 10\.2 KB/,
			);
			expect(mediaRequests()).toHaveLength(0);
		});

		it('too large by its Content-Length, or by what arrives when nothing is declared', async () => {
			await harness.close();
			await start({ maxMediaSize: 0.01 });
			const big = { bytes: Buffer.alloc(300_000, 2), mimeType: 'image/png' };
			const byLength = await deliverMedia({ type: 'image', file: big, declareSize: false });
			expect(byLength.item?.binary).toBeUndefined();
			expect(byLength.item?.json.media_error).toMatch(/larger than the Max Media Size of 10\.2 KB/);
			const streamed = await deliverMedia({
				type: 'image',
				file: big,
				declareSize: false,
				declareLength: false,
				host: 'public',
			});
			expect(streamed.response.status).toBe(200);
			expect(streamed.item?.binary).toBeUndefined();
			expect(streamed.item?.json.media_error).toMatch(/larger than the Max Media Size of 10\.2 KB/);
			expect(harness.runs).toHaveLength(2);
		});

		it(
			'refused for its Content-Length: the connection is closed at once, not held until the time-out',
			async () => {
				await harness.close();
				await start({ maxMediaSize: 0.01 });
				const big = { bytes: Buffer.alloc(300_000, 2), mimeType: 'audio/ogg' };
				// The link sends its headers and a few bytes, then holds the rest: only the client can end it.
				const { item } = await deliverMedia({
					type: 'voice',
					file: big,
					declareSize: false,
					stall: true,
				});
				expect(item?.json.media_error).toMatch(
					/293 KB\).*larger than the Max Media Size of 10\.2 KB/,
				);
				// The server saw the client close the connection, well before the download's time-out
				// (this test's own limit is half of it).
				await until(() => fake.media.downloads[0]?.end !== 'open');
				expect(fake.media.downloads).toEqual([
					{ fileId: expect.any(String), end: 'closed_by_client' },
				]);
			},
			MEDIA_TIMEOUT_MS / 2,
		);

		it('a download that times out says so, while its body arrives or before its answer', async () => {
			const context = harness.context();
			const stuck = fake.incomingMediaData({
				type: 'voice',
				session_id: SESSION,
				from: '+447700900001',
				host: 'public',
				stall: true,
			});
			const source = readIncomingMedia(stuck as IDataObject)!.source;
			const whileReading = await fetchMedia.call(context, source, {
				maxBytes: 1e6,
				timeoutMs: 300,
			});
			expect(whileReading).toEqual({
				ok: false,
				reason: 'timeout',
				message: `Could not download the media from ${new URL(fake.publicUrl).host}: it timed out after 0.3 s`,
			});
			await until(() => fake.media.downloads[0]?.end !== 'open');
			expect(fake.media.downloads[0].end).toBe('closed_by_client');

			fake.faults.push({ kind: 'slow', method: 'GET', path: /\/media\//, delayMs: 2_000 });
			const slow = fake.incomingMediaData({
				type: 'image',
				session_id: SESSION,
				from: '+447700900001',
			});
			const beforeAnswer = await fetchMedia.call(
				context,
				readIncomingMedia(slow as IDataObject)!.source,
				{
					maxBytes: 1e6,
					timeoutMs: 300,
				},
			);
			expect(beforeAnswer).toMatchObject({
				reason: 'timeout',
				message: expect.stringMatching(/: it timed out after 0\.3 s$/),
			});
		});

		it('a broken link (404)', async () => {
			const { response, item } = await deliverMedia({ type: 'voice', broken: true });
			expect(response.status).toBe(200);
			expect(harness.runs).toHaveLength(1);
			expect(item?.binary).toBeUndefined();
			expect(item?.json.media_error).toMatch(/HTTP 404/);
			expect(item?.json).toMatchObject({
				from: '+447700900001',
				session_id: SESSION,
				media: { type: 'audio', voice: true },
			});
		});

		it('a host that refuses the connection', async () => {
			const closed = http.createServer();
			await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
			const { port } = closed.address() as AddressInfo;
			await new Promise<void>((resolve) => closed.close(() => resolve()));
			const data: IDataObject = {
				message_id: 'msg_refused',
				session_id: SESSION,
				from: '+447700900001',
				type: 'image',
				image: { url: `http://127.0.0.1:${port}/gone.png`, mime_type: 'image/png' },
			};
			const response = await fake.deliverWebhook(harness.webhookUrl(), data, {
				secret: secret(),
				envelope: 'event',
			});
			expect(response.status).toBe(200);
			const item = harness.runs.at(-1)?.data[0][0];
			expect(item?.binary).toBeUndefined();
			expect(item?.json.media_error).toMatch(/Could not download the media from 127\.0\.0\.1/);
		});
	});

	it('a forged delivery is refused before anything is downloaded', async () => {
		const { response } = await deliverMedia({ type: 'image' }, 'forged');
		expect(response.status).toBe(401);
		expect(harness.runs).toHaveLength(0);
		expect(mediaRequests()).toHaveLength(0);
	});

	it('the same media message delivered twice runs (and downloads) once', async () => {
		const data = fake.incomingMediaData({
			type: 'image',
			session_id: SESSION,
			from: '+447700900001',
		});
		const options = { secret: secret(), envelope: 'event' as const };
		await fake.deliverWebhook(harness.webhookUrl(), data, options);
		await fake.deliverWebhook(harness.webhookUrl(), data, options);
		expect(harness.runs).toHaveLength(1);
		expect(mediaRequests()).toHaveLength(1);
	});

	it('the fake’s own simulated incoming media message starts the workflow with its file', async () => {
		const { deliveries } = await fake.simulateIncomingMessage({
			session_id: SESSION,
			from: '+447700900002',
			text: 'my receipt',
			media: { type: 'image', shape: 'content' },
		});
		expect(deliveries.map((d) => d.status)).toEqual([200]);
		const item = harness.runs.at(-1)?.data[0][0];
		expect(bytesOf(item?.binary?.data)).toEqual(sampleFile('image').bytes);
		expect(item?.json).toMatchObject({ text: 'my receipt', from: '+447700900002' });
	});
});
