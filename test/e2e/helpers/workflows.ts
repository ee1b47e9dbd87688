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
	connections: Record<string, { main: Array<Array<{ node: string; type: 'main'; index: number }>> }>;
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
export function node(name: string, type: string, parameters: Record<string, unknown> = {}, extra: Partial<WorkflowNode> = {}): WorkflowNode {
	nodeSeq += 1;
	const typeVersion =
		type === CODE ? 2 : type === SET ? 3.4 : type === READ_WRITE_FILE ? 1 : type === MANUAL_TRIGGER ? 1 : 1;
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

export function code(name: string, jsCode: string, extra: Partial<WorkflowNode> = {}): WorkflowNode {
	return node(name, CODE, { mode: 'runOnceForAllItems', language: 'javaScript', jsCode }, extra);
}

/** A session resource locator value `By ID`. */
export function byId(value: string | number): { __rl: true; mode: 'id'; value: string } {
	return { __rl: true, mode: 'id', value: String(value) };
}

export function sendApi(name: string, cred: CredentialRef, parameters: Record<string, unknown>, extra: Partial<WorkflowNode> = {}): WorkflowNode {
	return node(name, SENDAPI, parameters, { credentials: { sendApiApi: { id: cred.id, name: cred.name } }, ...extra });
}

/** A workflow whose nodes run in the given order (each connected to the next). */
export function chain(id: string, name: string, nodes: WorkflowNode[], settings: Record<string, unknown> = {}): Workflow {
	const connections: Workflow['connections'] = {};
	for (let i = 0; i + 1 < nodes.length; i++) {
		connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	}
	return { id, name, active: false, nodes, connections, settings: { executionOrder: 'v1', ...settings } };
}

/** A workflow with explicit edges `[from, to]` (output 0 → input 0); a node may feed several. */
export function graph(id: string, name: string, nodes: WorkflowNode[], edges: Array<[string, string]>, settings: Record<string, unknown> = {}): Workflow {
	const names = new Set(nodes.map((n) => n.name));
	const connections: Workflow['connections'] = {};
	for (const [from, to] of edges) {
		if (!names.has(from) || !names.has(to)) throw new Error(`edge ${from} → ${to}: unknown node`);
		connections[from] ??= { main: [[]] };
		connections[from].main[0].push({ node: to, type: 'main', index: 0 });
	}
	return { id, name, active: false, nodes, connections, settings: { executionOrder: 'v1', ...settings } };
}

/** Read/Write File node reading one file into the binary field `data`. */
export function readFile(name: string, fileSelector: string): WorkflowNode {
	return node(name, READ_WRITE_FILE, { operation: 'read', fileSelector, options: { dataPropertyName: 'data' } });
}
