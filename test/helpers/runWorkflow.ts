/**
 * Runs this package's nodes inside n8n-core's real workflow engine, in-process: WorkflowExecute,
 * ExecuteContext and n8n-core's real request helpers (httpRequestWithAuthentication → axios over
 * loopback). What n8n's `cli` package would provide (the credentials store) is supplied here by
 * TestCredentialsHelper, which applies the credential type's own generic `authenticate` block
 * through n8n-workflow's real expression engine — as n8n's CredentialsHelper does.
 */
import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	INodeTypes,
	IRun,
	IRunExecutionData,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
	Workflow as WorkflowType,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import {
	createRunExecutionData,
	ICredentialsHelper,
	NodeConnectionTypes,
	Workflow,
} from 'n8n-workflow';

import { SendApiApi } from '../../credentials/SendApiApi.credentials';
import { SendApi } from '../../nodes/SendApi/SendApi.node';

export const PACKAGE = 'n8n-nodes-sendapi';
export const SENDAPI_TYPE = `${PACKAGE}.sendApi`;
/** The type n8n gives the node's AI Agent tool variant ("SendApi Tool"), which runs the same node. */
export const SENDAPI_TOOL_TYPE = `${SENDAPI_TYPE}Tool`;
const INPUT_TYPE = 'test.input';

const credentialTypes: Record<string, ICredentialType> = { sendApiApi: new SendApiApi() };

export class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly store: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
		workflow: WorkflowType,
		node: INode,
	): Promise<IHttpRequestOptions> {
		const authenticate = credentialTypes[typeName]?.authenticate;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		if (!authenticate || authenticate.type !== 'generic') return requestOptions;
		const resolve = (value: unknown) =>
			workflow.expression.getParameterValue(
				value as string,
				null,
				0,
				0,
				node.name,
				[],
				'internal',
				{
					$credentials: credentials,
				},
			);
		const target = requestOptions as unknown as Record<string, IDataObject | undefined>;
		for (const [section, values] of Object.entries(authenticate.properties)) {
			target[section] = { ...(target[section] ?? {}) };
			for (const [key, value] of Object.entries(values as IDataObject)) {
				(target[section] as IDataObject)[key] = resolve(value) as IDataObject[string];
			}
		}
		return requestOptions;
	}

	async preAuthentication() {
		return undefined;
	}

	async runPreAuthentication() {
		return undefined;
	}

	getCredentialsProperties() {
		return [];
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const credentials = this.store[type];
		if (!credentials) throw new Error(`No test credentials of type ${type}`);
		return { ...credentials };
	}

	async getCredentials(): Promise<never> {
		throw new Error('not used by these tests');
	}

	async updateCredentials() {}

	async updateCredentialsOauthTokenData() {}

	getOAuth2Options() {
		return undefined;
	}

	isCredentialUsableByNode() {
		return true;
	}
}

/** A source node that emits the test's items (with their binary data) as its output. */
function inputNodeType(items: INodeExecutionData[]): INodeType {
	return {
		description: {
			displayName: 'Test Input',
			name: INPUT_TYPE,
			group: ['input'],
			version: 1,
			description: 'Emits fixed items',
			defaults: { name: 'Input' },
			inputs: [],
			outputs: [NodeConnectionTypes.Main],
			properties: [],
		},
		async execute(this: IExecuteFunctions) {
			return [items.map((item, index) => ({ ...item, pairedItem: { item: index } }))];
		},
	};
}

class TestNodeTypes implements INodeTypes {
	constructor(private readonly types: Record<string, INodeType>) {}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		return this.getByNameAndVersion(nodeType);
	}

	getByNameAndVersion(nodeType: string): INodeType {
		const type = this.types[nodeType];
		if (!type) throw new Error(`Unknown node type ${nodeType}`);
		return type;
	}

	getKnownTypes() {
		return {};
	}
}

/**
 * What n8n's server hands a node context besides the workflow: URLs, the credentials store and
 * callbacks these tests never use (they throw, so a test cannot silently depend on them).
 */
export function testAdditionalData(options: {
	credentials: { apiKey: string; baseUrl: string };
	origin: string;
	extra?: IDataObject;
}): IWorkflowExecuteAdditionalData {
	const { origin } = options;
	return {
		credentialsHelper: new TestCredentialsHelper({ sendApiApi: { ...options.credentials } }),
		executionId: undefined,
		restApiUrl: `${origin}/rest`,
		instanceBaseUrl: `${origin}/`,
		webhookBaseUrl: `${origin}/webhook`,
		webhookWaitingBaseUrl: `${origin}/webhook-waiting`,
		webhookTestBaseUrl: `${origin}/webhook-test`,
		formWaitingBaseUrl: `${origin}/form-waiting`,
		variables: {},
		currentNodeParameters: undefined,
		executeWorkflow: async () => {
			throw new Error('not supported in tests');
		},
		getRunExecutionData: async () => undefined,
		logAiEvent: () => {},
		startRunnerTask: async () => {
			throw new Error('not supported in tests');
		},
		...(options.extra ?? {}),
	} as unknown as IWorkflowExecuteAdditionalData;
}

export interface RunNodeOptions {
	parameters: INodeParameters;
	items?: INodeExecutionData[];
	credentials: { apiKey: string; baseUrl: string };
	continueOnFail?: boolean;
	nodeType?: INodeType;
	/** The node's type version (default 1), for a `nodeType` from another package. */
	typeVersion?: number;
	/** Abort the execution (cancel) with this signal. */
	abortSignal?: AbortSignal;
	/** Node settings such as n8n's Retry On Fail (`retryOnFail`, `maxTries`, `waitBetweenTries`). */
	nodeSettings?: Partial<Pick<INode, 'retryOnFail' | 'maxTries' | 'waitBetweenTries'>>;
	/**
	 * Run the node as an AI Agent's tool the way AI Agent v3 has n8n's engine run it: as the type
	 * `<package>.sendApiTool` (n8n loads that type by running this same node), its output logged as
	 * `ai_tool`, which is what the agent reads back (`outputs` are then that output's).
	 */
	asAiTool?: boolean;
	/** How the execution started (default `manual`, as from the editor; `webhook` as from a trigger). */
	mode?: WorkflowExecuteMode;
}

let executions = 0;

export interface RunNodeResult {
	/** The node's outputs (one array per output), when it succeeded. */
	outputs: INodeExecutionData[][];
	/** The error that stopped the node, when it failed. */
	error?: Error & { description?: string; context?: IDataObject; httpCode?: string };
	run: IRun;
}

/** Runs `Input → SendApi` through n8n-core's WorkflowExecute and returns what the node output. */
export async function runNode(options: RunNodeOptions): Promise<RunNodeResult> {
	const nodeType = options.nodeType ?? new SendApi();
	const type = options.asAiTool ? SENDAPI_TOOL_TYPE : SENDAPI_TYPE;
	const nodeTypes = new TestNodeTypes({
		[INPUT_TYPE]: inputNodeType(options.items ?? [{ json: {} }]),
		[type]: nodeType,
	});
	const nodes: INode[] = [
		{
			id: 'input',
			name: 'Input',
			type: INPUT_TYPE,
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
		{
			id: 'sendapi',
			name: 'SendApi',
			type,
			typeVersion: options.typeVersion ?? 1,
			position: [200, 0],
			parameters: options.parameters,
			credentials: { sendApiApi: { id: '1', name: 'SendApi account' } },
			...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
			...(options.asAiTool ? { rewireOutputLogTo: NodeConnectionTypes.AiTool } : {}),
			...options.nodeSettings,
		},
	];
	const connections = {
		Input: { main: [[{ node: 'SendApi', type: NodeConnectionTypes.Main, index: 0 }]] },
	};
	const workflow = new Workflow({
		id: 'wf-test',
		nodes,
		connections,
		nodeTypes,
		active: false,
		settings: {},
	});

	// Every run is a new execution, as in n8n (Idempotency-Keys are derived from its id).
	const executionId = `exec-test-${++executions}`;
	const mode = options.mode ?? 'manual';
	const hooks = new ExecutionLifecycleHooks(mode, executionId, {
		id: 'wf-test',
		name: 'test',
		nodes,
		connections,
		active: false,
		isArchived: false,
		activeVersionId: null,
		createdAt: new Date(),
		updatedAt: new Date(),
		settings: {},
	} as never);
	let resolveFinished!: (run: IRun) => void;
	const finished = new Promise<IRun>((resolve) => (resolveFinished = resolve));
	hooks.addHandler('workflowExecuteAfter', (run) => resolveFinished(run));

	const additionalData = testAdditionalData({
		credentials: options.credentials,
		origin: 'http://127.0.0.1:5678',
		extra: { hooks, executionId },
	});

	const runExecutionData: IRunExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: nodes[0], data: { main: [[{ json: {} }]] }, source: null }],
		},
	});

	const execute = new WorkflowExecute(additionalData, mode, runExecutionData);
	const running = execute.processRunExecutionData(workflow);
	if (options.abortSignal) options.abortSignal.addEventListener('abort', () => running.cancel());
	await running;
	const run = await finished;

	const taskData = run.data.resultData.runData.SendApi?.[0];
	const error = (taskData?.error ?? run.data.resultData.error) as RunNodeResult['error'];
	const logged =
		taskData?.data?.[options.asAiTool ? NodeConnectionTypes.AiTool : NodeConnectionTypes.Main];
	const outputs = (logged ?? []).map((output: INodeExecutionData[] | null) => output ?? []);
	return { outputs, error, run };
}
