/**
 * A fake OpenAI-compatible chat server for the AI Agent end-to-end tests: n8n's OpenAI Chat Model
 * node talks to it through its credential's Base URL, as to any local OpenAI-compatible server.
 * It serves what a tool-calling conversation needs — `POST /v1/chat/completions` (not
 * streamed) and `GET /v1/models` — and `POST /v1/audio/transcriptions` (multipart, as n8n's OpenAI
 * node "Transcribe a recording" sends it), answering that with a transcript that names the file it
 * got; like OpenAI it tells the format by the file name's extension and refuses one it does not
 * support (a voice note named `….bin` is refused). It answers each completion with what the test's script says (a tool
 * call or a final text), and keeps every request it was sent, so a test can read exactly what the
 * model was shown: the tools offered and the tool results.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface ChatMessage {
	role: 'system' | 'user' | 'assistant' | 'tool';
	content: string | null | Array<{ type: string; text?: string }>;
	tool_calls?: Array<{
		id: string;
		type: 'function';
		function: { name: string; arguments: string };
	}>;
	tool_call_id?: string;
}

export interface ChatTool {
	type: 'function';
	function: {
		name: string;
		description?: string;
		parameters?: { properties?: Record<string, unknown>; required?: string[] };
	};
}

export interface ChatRequest {
	model: string;
	messages: ChatMessage[];
	tools?: ChatTool[];
	stream?: boolean;
}

/** One answer of the model: call a tool with arguments, or say something and stop. */
export type ModelReply =
	{ toolCall: { name: string; arguments: Record<string, unknown> } } | { text: string };

/** Decides each answer from the request (index: how many completions were asked for before). */
export type ModelScript = (request: ChatRequest, index: number) => ModelReply;

export interface LoggedChatRequest {
	path: string;
	authorization: string | undefined;
	body: ChatRequest;
}

/** One `POST /v1/audio/transcriptions`: the multipart fields and the uploaded file. */
export interface LoggedTranscription {
	authorization: string | undefined;
	fields: Record<string, string>;
	fileName?: string;
	contentType?: string;
	bytes: Buffer;
}

/** What the fake hears in a recording; by default it names the file and its size. */
export type TranscriptScript = (upload: LoggedTranscription) => string;

export const defaultTranscript: TranscriptScript = (upload) =>
	`Transcript of ${upload.fileName ?? 'a recording'} (${upload.bytes.length} bytes)`;

export interface FakeOpenAi {
	/** What the credential's Base URL is set to: `http://127.0.0.1:<port>/v1`. */
	readonly baseUrl: string;
	readonly apiKey: string;
	/** Every chat completion request, in order. */
	readonly requests: LoggedChatRequest[];
	/** Every transcription request, in order. */
	readonly transcriptions: LoggedTranscription[];
	/** Replaces the script from the next request on. */
	setScript(script: ModelScript): void;
	close(): Promise<void>;
}

export const FAKE_MODEL = 'gpt-fake';

/**
 * The script of one tool use: the first completion of a conversation (no tool result yet) calls the
 * offered tool `toolName` with `args`; once a tool result is in the conversation, the answer is a
 * text quoting it, so the agent finishes.
 */
export function callToolThenAnswer(toolName: string, args: Record<string, unknown>): ModelScript {
	return (request) => {
		const result = toolResults(request).at(-1);
		if (result === undefined) return { toolCall: { name: toolName, arguments: args } };
		return { text: `The tool answered: ${result}` };
	};
}

/** The contents of the tool results (role `tool`) of a request, as text. */
export function toolResults(request: ChatRequest): string[] {
	return request.messages
		.filter((message) => message.role === 'tool')
		.map((message) => textOf(message.content));
}

/** What the user said in a request (its `user` messages, one a line), as text. */
export function userText(request: ChatRequest): string {
	return request.messages
		.filter((message) => message.role === 'user')
		.map((message) => textOf(message.content))
		.join('\n');
}

function textOf(content: ChatMessage['content']): string {
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) return content.map((part) => part.text ?? '').join('');
	return '';
}

export async function startFakeOpenAi(
	options: { script?: ModelScript; apiKey?: string; transcript?: TranscriptScript } = {},
): Promise<FakeOpenAi> {
	const apiKey = options.apiKey ?? 'sk-fake-openai-key';
	const requests: LoggedChatRequest[] = [];
	const transcriptions: LoggedTranscription[] = [];
	let script: ModelScript = options.script ?? (() => ({ text: 'No script was set.' }));
	const transcript = options.transcript ?? defaultTranscript;

	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const received = Buffer.concat(chunks);
			const raw = received.toString('utf8');
			if (req.headers.authorization !== `Bearer ${apiKey}`) {
				return sendJson(res, 401, {
					error: {
						message: 'Incorrect API key provided',
						type: 'invalid_request_error',
						code: 'invalid_api_key',
					},
				});
			}
			const path = (req.url ?? '').split('?')[0];
			if (req.method === 'GET' && path === '/v1/models') {
				return sendJson(res, 200, {
					object: 'list',
					data: [{ id: FAKE_MODEL, object: 'model', created: 0, owned_by: 'fake' }],
				});
			}
			if (req.method === 'POST' && path === '/v1/audio/transcriptions') {
				const upload = readTranscriptionUpload(req, received);
				if (!upload) {
					return sendJson(res, 400, {
						error: {
							message: 'Expected multipart/form-data with a file and a model',
							type: 'invalid_request_error',
						},
					});
				}
				transcriptions.push(upload);
				if (!hasAudioExtension(upload.fileName)) {
					return sendJson(res, 400, {
						error: {
							message: `Invalid file format. Supported formats: ${JSON.stringify(AUDIO_EXTENSIONS)}`,
							type: 'invalid_request_error',
							param: null,
							code: null,
						},
					});
				}
				return sendJson(res, 200, { text: transcript(upload) });
			}
			if (req.method !== 'POST' || path !== '/v1/chat/completions') {
				return sendJson(res, 404, {
					error: { message: `Unknown route ${req.method} ${path}`, type: 'invalid_request_error' },
				});
			}
			let body: ChatRequest;
			try {
				body = JSON.parse(raw) as ChatRequest;
			} catch {
				return sendJson(res, 400, {
					error: { message: 'The body is not JSON', type: 'invalid_request_error' },
				});
			}
			if (body.stream) {
				// n8n's agents ask without streaming unless a chat trigger streams its answer.
				return sendJson(res, 400, {
					error: { message: 'This fake does not stream', type: 'invalid_request_error' },
				});
			}
			const index = requests.length;
			requests.push({ path, authorization: req.headers.authorization, body });
			return sendJson(
				res,
				200,
				completion(`chatcmpl-${index + 1}`, body.model, script(body, index), index),
			);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;

	return {
		baseUrl: `http://127.0.0.1:${port}/v1`,
		apiKey,
		requests,
		transcriptions,
		setScript(next) {
			script = next;
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

/** The assistant message of a reply; tool calls get ids `call_<n>` unique over the server's life. */
function assistantMessage(
	reply: ModelReply,
	index: number,
): { message: ChatMessage; finishReason: 'stop' | 'tool_calls' } {
	if ('text' in reply)
		return { message: { role: 'assistant', content: reply.text }, finishReason: 'stop' };
	const call = {
		id: `call_${index + 1}`,
		type: 'function' as const,
		function: { name: reply.toolCall.name, arguments: JSON.stringify(reply.toolCall.arguments) },
	};
	return {
		message: { role: 'assistant', content: null, tool_calls: [call] },
		finishReason: 'tool_calls',
	};
}

const USAGE = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

function completion(id: string, model: string, reply: ModelReply, index: number) {
	const { message, finishReason } = assistantMessage(reply, index);
	return {
		id,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model,
		choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
		usage: USAGE,
	};
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(status, {
		'content-type': 'application/json',
		'content-length': Buffer.byteLength(text),
	});
	res.end(text);
}

/** The formats OpenAI's transcription accepts, which it tells by the file name's extension. */
const AUDIO_EXTENSIONS = ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm'];

function hasAudioExtension(fileName: string | undefined): boolean {
	const extension = /\.([^.]+)$/.exec(fileName ?? '')?.[1]?.toLowerCase();
	return extension !== undefined && AUDIO_EXTENSIONS.includes(extension);
}

/** The multipart upload of a transcription request; `undefined` without a file or a model. */
function readTranscriptionUpload(
	req: http.IncomingMessage,
	body: Buffer,
): LoggedTranscription | undefined {
	const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(
		String(req.headers['content-type'] ?? ''),
	);
	if (!boundary) return undefined;
	const upload: LoggedTranscription = {
		authorization: req.headers.authorization,
		fields: {},
		bytes: Buffer.alloc(0),
	};
	let hasFile = false;
	for (const part of multipartParts(body, boundary[1] ?? boundary[2])) {
		const name = /name="([^"]*)"/i.exec(part.headers)?.[1];
		const fileName = /filename="([^"]*)"/i.exec(part.headers)?.[1];
		if (name === 'file' && fileName !== undefined) {
			hasFile = true;
			upload.fileName = fileName;
			upload.contentType = /content-type:\s*([^\r\n]+)/i.exec(part.headers)?.[1].trim();
			upload.bytes = part.body;
		} else if (name !== undefined) {
			upload.fields[name] = part.body.toString('utf8');
		}
	}
	return hasFile && upload.fields.model ? upload : undefined;
}

/** Splits a multipart body into its parts' header text and raw bytes. */
function multipartParts(body: Buffer, boundary: string): Array<{ headers: string; body: Buffer }> {
	const delimiter = Buffer.from(`--${boundary}`);
	const parts: Array<{ headers: string; body: Buffer }> = [];
	let start = body.indexOf(delimiter);
	while (start !== -1) {
		const next = body.indexOf(delimiter, start + delimiter.length);
		if (next === -1) break;
		// Each part sits between "\r\n" after one delimiter and "\r\n" before the next.
		const part = body.subarray(start + delimiter.length + 2, next - 2);
		const headerEnd = part.indexOf('\r\n\r\n');
		if (headerEnd !== -1)
			parts.push({
				headers: part.subarray(0, headerEnd).toString('utf8'),
				body: part.subarray(headerEnd + 4),
			});
		start = next;
	}
	return parts;
}
