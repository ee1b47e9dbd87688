/**
 * Builds workflow JSON for `n8n import:workflow` (fixed ids, the node types as the Community Nodes
 * installer registers them: `n8n-nodes-sendapi.<name>`).
 */
export const PACKAGE = 'n8n-nodes-sendapi';
export const SENDAPI = `${PACKAGE}.sendApi`;
export const SENDAPI_TRIGGER = `${PACKAGE}.sendApiTrigger`;
export const MANUAL_TRIGGER = 'n8n-nodes-base.manualTrigger';
export const CODE = 'n8n-nodes-base.code';
export const SET = 'n8n-nodes-base.set';
export const READ_WRITE_FILE = 'n8n-nodes-base.readWriteFile';
/** The SendApi node's AI Agent tool variant, as n8n registers it for a `usableAsTool` node. */
export const SENDAPI_TOOL = `${PACKAGE}.sendApiTool`;
/** n8n's AI nodes ship with n8n itself (package @n8n/n8n-nodes-langchain). */
export const AI_AGENT = '@n8n/n8n-nodes-langchain.agent';
export const OPENAI_CHAT_MODEL = '@n8n/n8n-nodes-langchain.lmChatOpenAi';

export interface WorkflowNode {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	webhookId?: string;
	continueOnFail?: boolean;
	onError?: 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';
	alwaysOutputData?: boolean;
}

export interface Workflow {
	id: string;
	name: string;
	active: boolean;
	nodes: WorkflowNode[];
	/** By source node, then connection type (`main`, or `ai_languageModel`, `ai_tool`, … into an agent). */
	connections: Record<
		string,
		Record<string, Array<Array<{ node: string; type: string; index: number }>>>
	>;
	settings: Record<string, unknown>;
	pinData?: Record<string, unknown>;
}

export interface CredentialRef {
	id: string;
	name: string;
}

/** n8n ids are 16 characters [A-Za-z0-9]; this pads/trims a readable stem to that. */
export function wfId(stem: string): string {
	const clean = stem.replace(/[^A-Za-z0-9]/g, '');
	return (clean + '0000000000000000').slice(0, 16);
}

let nodeSeq = 0;
export function node(
	name: string,
	type: string,
	parameters: Record<string, unknown> = {},
	extra: Partial<WorkflowNode> = {},
): WorkflowNode {
	nodeSeq += 1;
	const typeVersion =
		type === CODE
			? 2
			: type === SET
				? 3.4
				: type === READ_WRITE_FILE
					? 1
					: type === MANUAL_TRIGGER
						? 1
						: 1;
	return {
		id: `00000000-0000-4000-8000-${String(nodeSeq).padStart(12, '0')}`,
		name,
		type,
		typeVersion,
		position: [nodeSeq * 220, 0],
		parameters,
		...extra,
	};
}

export function manualTrigger(name = 'Start'): WorkflowNode {
	return node(name, MANUAL_TRIGGER);
}

export function code(
	name: string,
	jsCode: string,
	extra: Partial<WorkflowNode> = {},
): WorkflowNode {
	return node(name, CODE, { mode: 'runOnceForAllItems', language: 'javaScript', jsCode }, extra);
}

/** A session resource locator value `By ID`. */
export function byId(value: string | number): { __rl: true; mode: 'id'; value: string } {
	return { __rl: true, mode: 'id', value: String(value) };
}

export function sendApi(
	name: string,
	cred: CredentialRef,
	parameters: Record<string, unknown>,
	extra: Partial<WorkflowNode> = {},
): WorkflowNode {
	return node(name, SENDAPI, parameters, {
		credentials: { sendApiApi: { id: cred.id, name: cred.name } },
		...extra,
	});
}

/** A workflow whose nodes run in the given order (each connected to the next). */
export function chain(
	id: string,
	name: string,
	nodes: WorkflowNode[],
	settings: Record<string, unknown> = {},
): Workflow {
	const connections: Workflow['connections'] = {};
	for (let i = 0; i + 1 < nodes.length; i++) {
		connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	}
	return {
		id,
		name,
		active: false,
		nodes,
		connections,
		settings: { executionOrder: 'v1', ...settings },
	};
}

/** A workflow with explicit edges `[from, to]` (output 0 → input 0); a node may feed several. */
export function graph(
	id: string,
	name: string,
	nodes: WorkflowNode[],
	edges: Array<[string, string]>,
	settings: Record<string, unknown> = {},
): Workflow {
	const names = new Set(nodes.map((n) => n.name));
	const connections: Workflow['connections'] = {};
	for (const [from, to] of edges) {
		if (!names.has(from) || !names.has(to)) throw new Error(`edge ${from} → ${to}: unknown node`);
		connections[from] ??= { main: [[]] };
		connections[from].main[0].push({ node: to, type: 'main', index: 0 });
	}
	return {
		id,
		name,
		active: false,
		nodes,
		connections,
		settings: { executionOrder: 'v1', ...settings },
	};
}

/** Read/Write File node reading one file into the binary field `data`. */
export function readFile(name: string, fileSelector: string): WorkflowNode {
	return node(name, READ_WRITE_FILE, {
		operation: 'read',
		fileSelector,
		options: { dataPropertyName: 'data' },
	});
}

/**
 * An AI Agent (Tools Agent) whose prompt is `prompt`, as the editor makes one after a manual
 * trigger ("Define below"). `typeVersion`: the agent version the n8n under test puts in new workflows.
 */
export function aiAgent(name: string, prompt: string, typeVersion: number): WorkflowNode {
	return node(name, AI_AGENT, { promptType: 'define', text: prompt, options: {} }, { typeVersion });
}

/**
 * n8n's OpenAI Chat Model with a model typed in by ID and the Chat Completions API (the Responses
 * API switched off, as for a local OpenAI-compatible server); the credential's Base URL says where.
 */
export function openAiChatModel(name: string, cred: CredentialRef, model: string): WorkflowNode {
	return node(
		name,
		OPENAI_CHAT_MODEL,
		{ model: { __rl: true, mode: 'id', value: model }, responsesApiEnabled: false, options: {} },
		{ typeVersion: 1.3, credentials: { openAiApi: { id: cred.id, name: cred.name } } },
	);
}

/** The SendApi node attached to an agent as a tool ("SendApi Tool"). */
export function sendApiTool(
	name: string,
	cred: CredentialRef,
	parameters: Record<string, unknown>,
	extra: Partial<WorkflowNode> = {},
): WorkflowNode {
	return node(name, SENDAPI_TOOL, parameters, {
		credentials: { sendApiApi: { id: cred.id, name: cred.name } },
		...extra,
	});
}

/**
 * What the editor writes for a parameter set to "Let the model define this parameter": the model
 * fills it in through the tool's argument `key`.
 */
export function fromAi(
	key: string,
	description = '',
	type: 'string' | 'number' | 'boolean' = 'string',
): string {
	if (!/^[A-Za-z0-9_-]{1,64}$/.test(key) || description.includes('`'))
		throw new Error(`fromAi: unusable key or description ${key}`);
	return `={{ /*n8n-auto-generated-fromAI-override*/ $fromAI('${key}', \`${description}\`, '${type}') }}`;
}

/** Connects a sub-node (model, tool, …) to the node it serves, e.g. `ai_tool` into an agent. */
export function connectSubNode(
	workflow: Workflow,
	from: string,
	to: string,
	type: `ai_${string}`,
): Workflow {
	const names = new Set(workflow.nodes.map((n) => n.name));
	if (!names.has(from) || !names.has(to)) throw new Error(`${type} ${from} → ${to}: unknown node`);
	workflow.connections[from] ??= {};
	(workflow.connections[from][type] ??= [[]])[0].push({ node: to, type, index: 0 });
	return workflow;
}

/**
 * SendApi Trigger (Message Received, one session) → Wait for Follow-up Messages (Session and Sender
 * left at their defaults) → Send, whose text quotes the burst: the e2e and queue-mode tests' workflow.
 */
export function burstReplyWorkflow(
	id: string,
	cred: CredentialRef,
	options: { session: string; webhookId: string; quietPeriod: number },
): Workflow {
	const credentials = { sendApiApi: { id: cred.id, name: cred.name } };
	return chain(id, 'e2e SendApi Trigger → Wait for Follow-up Messages → Send', [
		node(
			'SendApi Trigger',
			SENDAPI_TRIGGER,
			{ events: ['message.received'], session: byId(options.session) },
			{ webhookId: options.webhookId, credentials },
		),
		sendApi('Wait for Follow-up Messages', cred, {
			resource: 'message',
			operation: 'waitForFollowUps',
			quietPeriod: options.quietPeriod,
			maxWait: 30,
		}),
		sendApi('Reply', cred, {
			resource: 'message',
			operation: 'send',
			messageType: 'text',
			text: '=You wrote {{ $json.count }}:\n{{ $json.text }}',
		}),
	]);
}
