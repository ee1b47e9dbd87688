/**
 * The fake OpenAI-compatible server of the AI Agent end-to-end test speaks the Chat Completions
 * protocol as OpenAI clients read it: a bearer key, tool calls with JSON-string arguments and
 * `finish_reason: tool_calls`, then a text once a tool result is in the conversation.
 */
import {
	callToolThenAnswer,
	FAKE_MODEL,
	startFakeOpenAi,
	toolResults,
	type ChatRequest,
	type FakeOpenAi,
} from '../fake-openai';

let openAi: FakeOpenAi;

beforeAll(async () => {
	openAi = await startFakeOpenAi({
		script: callToolThenAnswer('Send_it', { To: '+447700900001' }),
	});
});

afterAll(async () => {
	await openAi.close();
});

async function complete(body: Partial<ChatRequest>, apiKey = openAi.apiKey) {
	const response = await fetch(`${openAi.baseUrl}/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
		body: JSON.stringify({ model: FAKE_MODEL, ...body }),
	});
	return { status: response.status, json: (await response.json()) as any };
}

const userTurn: ChatRequest['messages'] = [{ role: 'user', content: 'Tell Ann' }];

test('a wrong key is refused as OpenAI refuses it, and not logged', async () => {
	const before = openAi.requests.length;
	const { status, json } = await complete({ messages: userTurn }, 'sk-wrong');
	expect(status).toBe(401);
	expect(json.error.code).toBe('invalid_api_key');
	expect(openAi.requests).toHaveLength(before);
});

test('the first turn calls the tool; after its result the model answers with a text quoting it', async () => {
	const first = await complete({
		messages: userTurn,
		tools: [{ type: 'function', function: { name: 'Send_it' } }],
	});
	expect(first.status).toBe(200);
	const [choice] = first.json.choices;
	expect(choice.finish_reason).toBe('tool_calls');
	const [call] = choice.message.tool_calls;
	expect(call).toMatchObject({ type: 'function', function: { name: 'Send_it' } });
	expect(JSON.parse(call.function.arguments)).toEqual({ To: '+447700900001' });

	const messages: ChatRequest['messages'] = [
		...userTurn,
		{ role: 'assistant', content: null, tool_calls: [call] },
		{ role: 'tool', tool_call_id: call.id, content: '[{"error":"To is wrong"}]' },
	];
	const second = await complete({ messages });
	expect(second.json.choices[0]).toMatchObject({
		finish_reason: 'stop',
		message: { role: 'assistant', content: 'The tool answered: [{"error":"To is wrong"}]' },
	});
	expect(toolResults(openAi.requests.at(-1)!.body)).toEqual(['[{"error":"To is wrong"}]']);
	expect(second.json.id).not.toBe(first.json.id);
});

test('streaming is refused rather than answered in a shape the client would not read', async () => {
	const { status } = await complete({ messages: userTurn, stream: true });
	expect(status).toBe(400);
});

test('GET /v1/models lists the fake model (what the editor lists in the model picker)', async () => {
	const response = await fetch(`${openAi.baseUrl}/models`, {
		headers: { authorization: `Bearer ${openAi.apiKey}` },
	});
	expect(((await response.json()) as any).data.map((m: { id: string }) => m.id)).toEqual([
		FAKE_MODEL,
	]);
});

test('a transcription takes the multipart upload as n8n’s OpenAI node sends it and names the file it got', async () => {
	const audio = Buffer.from([0x4f, 0x67, 0x67, 0x53, 0x00, 0xff, 0x0d, 0x0a, 0x2d, 0x2d]);
	const form = new FormData();
	form.append('model', 'whisper-1');
	form.append('file', new Blob([audio], { type: 'audio/ogg' }), 'msg_1.ogg');
	const response = await fetch(`${openAi.baseUrl}/audio/transcriptions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${openAi.apiKey}` },
		body: form,
	});
	expect(response.status).toBe(200);
	expect(await response.json()).toEqual({ text: 'Transcript of msg_1.ogg (10 bytes)' });
	const [upload] = openAi.transcriptions.slice(-1);
	expect(upload).toMatchObject({
		fileName: 'msg_1.ogg',
		contentType: 'audio/ogg',
		fields: { model: 'whisper-1' },
	});
	expect(upload.bytes).toEqual(audio);

	const noFile = new FormData();
	noFile.append('model', 'whisper-1');
	const refused = await fetch(`${openAi.baseUrl}/audio/transcriptions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${openAi.apiKey}` },
		body: noFile,
	});
	expect(refused.status).toBe(400);

	// Like OpenAI, the format is told by the extension: the same bytes named .bin are refused.
	const unnamed = new FormData();
	unnamed.append('model', 'whisper-1');
	unnamed.append('file', new Blob([audio], { type: 'audio/ogg' }), 'msg_1.bin');
	const bin = await fetch(`${openAi.baseUrl}/audio/transcriptions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${openAi.apiKey}` },
		body: unnamed,
	});
	expect(bin.status).toBe(400);
	expect(((await bin.json()) as any).error.message).toMatch(/^Invalid file format/);
});
