/**
 * Runs the SendApi Trigger inside n8n-core's real node contexts, in-process:
 *
 * - `HookContext` for `webhookMethods.default.{checkExists, create, delete}`, with the
 *   `webhookData` n8n passes (its `isTest` is what makes `getNodeWebhookUrl` answer the Test URL).
 *   Requests go through n8n-core's real `httpRequestWithAuthentication`, with the credential
 *   applied by TestCredentialsHelper (see ./n8n.ts), to the fake SendApi.
 * - `WebhookContext` for `webhook()`, behind a small node:http server on 127.0.0.1 that plays
 *   n8n's webhook server: `/webhook/…` is the production URL, `/webhook-test/…` the Test URL.
 *   A delivery is therefore a real HTTP POST (e.g. from the fake's `deliverWebhook`).
 *
 * One `Workflow` instance lives as long as the harness, so the node's static data persists from
 * call to call as it does in n8n. (Real n8n hands a test run a copy of the static data; sharing
 * one object here is the stricter case: Test URL and production URL state must not clobber.)
 *
 * What the server does with the node's answer mirrors n8n's webhook-helpers: with
 * `noWebhookResponse` the node has answered itself; with `workflowData` the workflow starts
 * (recorded in `runs`) and `onReceived` answers 200; otherwise 200 with `webhookResponse`.
 * Body parsing mirrors n8n's `parseBody` (rawBody kept as a Buffer, JSON parsed into `body`): an
 * `application/json` body that does not parse is answered 422 by n8n before the node runs (seen in
 * `n8n start` 2.40.7 and 1.123.81, test/e2e/trigger.e2e.ts), so it never reaches the node. Other
 * content types (`text/plain`, …) reach the node with whatever bytes were sent.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { HookContext, WebhookContext } from 'n8n-core';
import type {
	IDataObject,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypes,
	IVersionedNodeType,
	IWebhookData,
	IWebhookDescription,
	IWebhookResponseData,
	IWorkflowExecuteAdditionalData,
	WorkflowActivateMode,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { SendApiTrigger } from '../../nodes/SendApiTrigger/SendApiTrigger.node';
import { PACKAGE, testAdditionalData } from './runWorkflow';

export const TRIGGER_TYPE = `${PACKAGE}.sendApiTrigger`;
export const TRIGGER_NODE_NAME = 'SendApi Trigger';

export type LifecycleMethod = 'checkExists' | 'create' | 'delete';

export interface TriggerHarnessOptions {
	credentials: { apiKey: string; baseUrl: string };
	/** Node parameters (`events`, `session`); node defaults fill the rest. */
	parameters?: INodeParameters;
}

export interface UrlOptions {
	/** The Test URL (`/webhook-test/…`, manual mode) instead of the production URL. */
	test?: boolean;
}

/** A workflow start the webhook produced. */
export interface TriggerRun {
	test: boolean;
	data: INodeExecutionData[][];
}

/** Every request the webhook server handled, with what the node answered. */
export interface HandledDelivery {
	test: boolean;
	status: number;
	/** Neither `result` nor `error`: n8n answered before the node ran (a body that is not JSON). */
	result?: IWebhookResponseData;
	error?: Error;
}

class TriggerNodeTypes implements INodeTypes {
	constructor(private readonly nodeType: INodeType) {}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		return this.getByNameAndVersion(nodeType);
	}

	getByNameAndVersion(nodeType: string): INodeType {
		if (nodeType !== TRIGGER_TYPE) throw new Error(`Unknown node type ${nodeType}`);
		return this.nodeType;
	}

	getKnownTypes() {
		return {};
	}
}

type WebhookRequest = http.IncomingMessage & {
	body: unknown;
	rawBody: Buffer;
	query: Record<string, string>;
	params: Record<string, string>;
	contentType?: string;
};

type WebhookResponse = http.ServerResponse & {
	status(code: number): WebhookResponse;
	json(body: unknown): WebhookResponse;
	send(body?: unknown): WebhookResponse;
};

export class TriggerHarness {
	readonly nodeType = new SendApiTrigger();
	readonly workflow: Workflow;
	readonly runs: TriggerRun[] = [];
	readonly handled: HandledDelivery[] = [];
	private readonly server: http.Server;
	private origin = '';

	private constructor(private readonly options: TriggerHarnessOptions) {
		const node: INode = {
			id: 'trigger',
			name: TRIGGER_NODE_NAME,
			type: TRIGGER_TYPE,
			typeVersion: 1,
			position: [0, 0],
			webhookId: randomUUID(),
			parameters: options.parameters ?? {},
			credentials: { sendApiApi: { id: '1', name: 'SendApi account' } },
		};
		this.workflow = new Workflow({
			id: 'wf-trigger',
			nodes: [node],
			connections: {},
			nodeTypes: new TriggerNodeTypes(this.nodeType),
			active: true,
			staticData: {},
			settings: {},
		});
		this.server = http.createServer((req, res) => void this.handle(req, res));
	}

	static async start(options: TriggerHarnessOptions): Promise<TriggerHarness> {
		const harness = new TriggerHarness(options);
		await new Promise<void>((resolve) => harness.server.listen(0, '127.0.0.1', resolve));
		const { port } = harness.server.address() as AddressInfo;
		harness.origin = `http://127.0.0.1:${port}`;
		return harness;
	}

	async close(): Promise<void> {
		await new Promise<void>((resolve) => {
			this.server.close(() => resolve());
			this.server.closeAllConnections();
		});
	}

	get node(): INode {
		const node = this.workflow.getNode(TRIGGER_NODE_NAME);
		if (!node) throw new Error('trigger node missing');
		return node;
	}

	/** Replaces the node's parameters (as editing the node and re-activating would). */
	setParameters(parameters: INodeParameters): void {
		this.node.parameters = parameters;
	}

	/** The node's static data, as the node reads it (`getWorkflowStaticData('node')`). */
	get staticData(): IDataObject {
		return this.workflow.getStaticData('node', this.node);
	}

	/** The webhook URL n8n would register, computed by n8n-core's HookContext. */
	webhookUrl(options: UrlOptions = {}): string {
		const url = this.hookContext(options).getNodeWebhookUrl('default');
		if (!url) throw new Error('no webhook URL');
		return url;
	}

	/** Calls one lifecycle method through n8n-core's real HookContext. */
	async call(method: LifecycleMethod, options: UrlOptions = {}): Promise<boolean> {
		const methods = this.nodeType.webhookMethods?.default;
		if (!methods) throw new Error('trigger has no webhookMethods.default');
		return await methods[method].call(this.hookContext(options));
	}

	/** What n8n does on activation (or on "Listen for test event"): checkExists, then create. */
	async activate(options: UrlOptions = {}): Promise<{ existed: boolean }> {
		const existed = await this.call('checkExists', options);
		if (!existed) await this.call('create', options);
		return { existed };
	}

	async deactivate(options: UrlOptions = {}): Promise<boolean> {
		return await this.call('delete', options);
	}

	/** A HookContext on the trigger node: n8n-core's real request helpers, for a transport function a test calls directly. */
	context(): HookContext {
		return this.hookContext({});
	}

	private hookContext({ test = false }: UrlOptions): HookContext {
		const additionalData = this.additionalData();
		const mode: WorkflowExecuteMode = test ? 'manual' : 'trigger';
		const activation: WorkflowActivateMode = test ? 'manual' : 'activate';
		const webhookData = this.webhookData(test, additionalData);
		return new HookContext(this.workflow, this.node, additionalData, mode, activation, webhookData);
	}

	private webhookData(test: boolean, additionalData: IWorkflowExecuteAdditionalData): IWebhookData {
		const description = this.nodeType.description.webhooks?.[0] as IWebhookDescription;
		return {
			httpMethod: 'POST',
			node: this.node.name,
			path: `${this.node.webhookId}/${String(description.path)}`,
			webhookDescription: description,
			workflowId: this.workflow.id,
			workflowExecuteAdditionalData: additionalData,
			webhookId: this.node.webhookId,
			isTest: test,
		};
	}

	private additionalData(exchange?: {
		request: WebhookRequest;
		response: WebhookResponse;
	}): IWorkflowExecuteAdditionalData {
		return testAdditionalData({
			credentials: this.options.credentials,
			origin: this.origin,
			extra: { httpRequest: exchange?.request, httpResponse: exchange?.response },
		});
	}

	/** n8n's webhook server, reduced to what a webhook trigger sees. */
	private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const rawBody = await readBody(req);
		const url = new URL(req.url ?? '/', this.origin);
		const test = url.pathname.startsWith('/webhook-test/');
		const expected = new URL(this.webhookUrl({ test })).pathname;
		if (req.method !== 'POST' || url.pathname !== expected) {
			res.writeHead(404, { 'Content-Type': 'application/json' });
			res.end(JSON.stringify({ message: 'webhook not registered' }));
			return;
		}

		const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim() || undefined;
		const parsed = parseBody(contentType, rawBody);
		const response = toWebhookResponse(res);
		if ('error' in parsed) {
			// n8n's answer (plus a stack trace outside production), before any node code runs.
			this.handled.push({ test, status: 422 });
			const answer = { code: 422, message: 'Failed to parse request body', hint: parsed.error };
			response.status(422).json(answer);
			return;
		}
		const request = toWebhookRequest(req, rawBody, url, contentType, parsed.body);
		const additionalData = this.additionalData({ request, response });
		const context = new WebhookContext(
			this.workflow,
			this.node,
			additionalData,
			test ? 'manual' : 'webhook',
			this.webhookData(test, additionalData),
			[],
			null,
		);
		const record: HandledDelivery = { test, status: 0 };
		this.handled.push(record);
		try {
			if (!this.nodeType.webhook) throw new Error('trigger has no webhook()');
			record.result = await this.nodeType.webhook.call(context);
			this.answer(record.result, response, test);
		} catch (error) {
			// n8n answers a webhook node that throws with 500 "Workflow could not be started!".
			record.error = error as Error;
			if (!res.headersSent)
				response.status(500).json({ message: 'Workflow could not be started!' });
			else res.end();
		}
		record.status = response.statusCode;
	}

	/** n8n's handling of a webhook node's result in `responseMode: 'onReceived'`. */
	private answer(result: IWebhookResponseData, response: WebhookResponse, test: boolean): void {
		if (result.workflowData !== undefined) {
			this.runs.push({ test, data: result.workflowData });
		}
		if (result.noWebhookResponse === true) {
			if (!response.writableEnded) throw new Error('node claimed to answer but did not');
			return;
		}
		const body =
			result.workflowData !== undefined
				? { message: 'Workflow was started' }
				: (result.webhookResponse ?? { message: 'Webhook call received' });
		response.status(200).json(body);
	}
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

/** An Express-like request with what n8n's body parser leaves on it. */
function toWebhookRequest(
	req: http.IncomingMessage,
	rawBody: Buffer,
	url: URL,
	contentType: string | undefined,
	body: unknown,
): WebhookRequest {
	return Object.assign(req, {
		body,
		rawBody,
		contentType,
		query: Object.fromEntries(url.searchParams),
		params: {},
	});
}

/**
 * n8n's `parseBody` for the content types a SendApi delivery may come with: JSON is parsed (after
 * a byte order mark), text kept as text, anything else left as `{}`. `error` is the JSON parse
 * error n8n answers 422 with.
 */
function parseBody(
	contentType: string | undefined,
	rawBody: Buffer,
): { body: unknown } | { error: string } {
	if (rawBody.length === 0) return { body: {} };
	const text = rawBody.toString('utf8');
	if (contentType === 'text/plain') return { body: text };
	if (contentType !== 'application/json') return { body: {} };
	try {
		return { body: JSON.parse(text.replace(/^\uFEFF/, '')) as unknown };
	} catch (error) {
		return { error: (error as Error).message };
	}
}

/** An Express-like response: the ServerResponse with `status()`, `json()` and `send()`. */
function toWebhookResponse(res: http.ServerResponse): WebhookResponse {
	const response = res as WebhookResponse;
	response.status = (code: number) => {
		response.statusCode = code;
		return response;
	};
	response.json = (body: unknown) => {
		response.setHeader('Content-Type', 'application/json');
		response.end(JSON.stringify(body));
		return response;
	};
	response.send = (body?: unknown) => {
		if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
			response.end(body);
			return response;
		}
		return response.json(body);
	};
	return response;
}
