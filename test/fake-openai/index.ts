/**
 * A fake OpenAI-compatible chat server for the AI Agent end-to-end tests: n8n's OpenAI Chat Model
 * node talks to it through its credential's Base URL, as to any local OpenAI-compatible server.
 * It serves only what a tool-calling conversation needs — `POST /v1/chat/completions` (not
 * streamed) and `GET /v1/models` — answers each completion with what the test's script says (a tool
 * call or a final text), and keeps every request it was sent, so a test can read exactly what the
 * model was shown: the tools offered and the tool results.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface ChatMessage {
	role: 'system' | 'user' | 'assistant' | 'tool';
	content: string | null | Array<{ type: string; text?: string }>;
	tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
	tool_call_id?: string;
}

export interface ChatTool {
	type: 'function';
	function: { name: string; description?: string; parameters?: { properties?: Record<string, unknown>; required?: string[] } };
}

export interface ChatRequest {
	model: string;
	messages: ChatMessage[];
	tools?: ChatTool[];
	stream?: boolean;
}

/** One answer of the model: call a tool with arguments, or say something and stop. */
export type ModelReply = { toolCall: { name: string; arguments: Record<string, unknown> } } | { text: string };

/** Decides each answer from the request (index: how many completions were asked for before). */
export type ModelScript = (request: ChatRequest, index: number) => ModelReply;

export interface LoggedChatRequest {
	path: string;
	authorization: string | undefined;
	body: ChatRequest;
}

export interface FakeOpenAi {
	/** What the credential's Base URL is set to: `http://127.0.0.1:<port>/v1`. */
	readonly baseUrl: string;
	readonly apiKey: string;
	/** Every chat completion request, in order. */
	readonly requests: LoggedChatRequest[];
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
	return request.messages.filter((message) => message.role === 'tool').map((message) => textOf(message.content));
}

function textOf(content: ChatMessage['content']): string {
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) return content.map((part) => part.text ?? '').join('');
	return '';
}

export async function startFakeOpenAi(options: { script?: ModelScript; apiKey?: string } = {}): Promise<FakeOpenAi> {
	const apiKey = options.apiKey ?? 'sk-fake-openai-key';
	const requests: LoggedChatRequest[] = [];
	let script: ModelScript = options.script ?? (() => ({ text: 'No script was set.' }));

	const server = http.createServer((req, res) => {
		let raw = '';
		req.on('data', (chunk) => (raw += chunk));
		req.on('end', () => {
			if (req.headers.authorization !== `Bearer ${apiKey}`) {
				return sendJson(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
			}
			const path = (req.url ?? '').split('?')[0];
			if (req.method === 'GET' && path === '/v1/models') {
				return sendJson(res, 200, { object: 'list', data: [{ id: FAKE_MODEL, object: 'model', created: 0, owned_by: 'fake' }] });
			}
			if (req.method !== 'POST' || path !== '/v1/chat/completions') {
				return sendJson(res, 404, { error: { message: `Unknown route ${req.method} ${path}`, type: 'invalid_request_error' } });
			}
			let body: ChatRequest;
			try {
				body = JSON.parse(raw) as ChatRequest;
			} catch {
				return sendJson(res, 400, { error: { message: 'The body is not JSON', type: 'invalid_request_error' } });
			}
			if (body.stream) {
				// n8n's agents ask without streaming unless a chat trigger streams its answer.
				return sendJson(res, 400, { error: { message: 'This fake does not stream', type: 'invalid_request_error' } });
			}
			const index = requests.length;
			requests.push({ path, authorization: req.headers.authorization, body });
			return sendJson(res, 200, completion(`chatcmpl-${index + 1}`, body.model, script(body, index), index));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;

	return {
		baseUrl: `http://127.0.0.1:${port}/v1`,
		apiKey,
		requests,
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
function assistantMessage(reply: ModelReply, index: number): { message: ChatMessage; finishReason: 'stop' | 'tool_calls' } {
	if ('text' in reply) return { message: { role: 'assistant', content: reply.text }, finishReason: 'stop' };
	const call = {
		id: `call_${index + 1}`,
		type: 'function' as const,
		function: { name: reply.toolCall.name, arguments: JSON.stringify(reply.toolCall.arguments) },
	};
	return { message: { role: 'assistant', content: null, tool_calls: [call] }, finishReason: 'tool_calls' };
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
	res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
	res.end(text);
}
