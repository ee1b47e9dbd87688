/**
 * What the e2e has to do differently per n8n version, in one place: helpers and tests ask this,
 * named by what differs, instead of comparing version numbers. Keyed by n8n's major version (the
 * differences found between the supported versions are differences between 1.x and 2.x).
 *
 * n8n 2.41.1 against 2.40.7: nothing the suite does differs (the whole suite passed on 2.41.1
 * with the 2.x entries unchanged, 2026-12-04). What is new in 2.41 concerns installing: its
 * Community Nodes installer refuses a package whose `n8n.n8nNodesApiVersion` is malformed or above
 * its level (2.40.7 checks it only when reinstalling missing packages; ours stays 1,
 * test/package/nodesApiVersion.test.ts), and its lock has Node 24.22.3 (2.40.7's 24.21.0).
 * Neither changes what a test does.
 */
import type { WorkflowNode } from './workflows';

export interface N8nDifferences {
	/** How a stopped n8n is told to run a workflow's triggers at its next start. */
	workflowActivation: WorkflowActivation;
	/**
	 * The environment variable of `n8n start` that sets the public base URL of webhooks (what a
	 * trigger registers at the service). n8n 2.x reads N8N_WEBHOOK_URL (and calls WEBHOOK_URL
	 * deprecated); n8n 1.x reads only WEBHOOK_URL.
	 */
	webhookBaseUrlEnv: 'N8N_WEBHOOK_URL' | 'WEBHOOK_URL';
	/** The AI Agent version the editor puts in new workflows (both run the Tools Agent v3). */
	aiAgentTypeVersion: number;
	/** What it takes for an error of a tool node to reach the agent's model. */
	aiToolErrorsReachAgent: AiToolErrors;
	/**
	 * Whether a waiting execution's custom data (`$execution.customData`, where Send and Wait seals
	 * its webhook's secret) still reaches the resumed webhook() after n8n restarts. 2.40.7: yes. In
	 * 1.123.81 the custom data is saved with the waiting execution (the REST API shows it), yet after
	 * `n8n start` again (which reports "Found unfinished executions" and "[Recovery] … amended
	 * execution") the resumed webhook's `$execution.customData` is empty. There the node has no
	 * signing secret and confirms a delivery through SendApi's API instead (wait/confirmed.ts): the
	 * e2e's restart test checks that the recipient's answer still resumes the run and that forged
	 * deliveries are refused for the API's reasons (unknown message, another number) rather than
	 * the signature's. Within one running n8n both versions verify by signature (memory record).
	 * The node's parameters (`$json` expressions included) resolve in the resumed webhook in both.
	 *
	 * The rest of Send and Wait behaves the same in both (checked by test/e2e/sendAndWait.e2e.ts):
	 * `getSignedResumeUrl` exists in both (1.x signs host + path + query and checks it only once
	 * the execution was marked `validateSignature`; 2.x signs path + query and also has resume
	 * tokens, which send-and-wait nodes skip in favour of the signature); a webhook() result
	 * without `workflowData` leaves the execution waiting; a time-out resumes with the node's input
	 * items (the node is disabled for that run); a finished send-and-wait execution answers its
	 * waiting URL with 200 and n8n's "no action required" page, a deleted one 404, a cancelled one 409.
	 */
	waitCustomDataSurvivesRestart: boolean;
	/**
	 * Whether n8n builds a "Human review" tool (`<package>.<node>HitlTool`) from every node with a
	 * `sendAndWait` operation and webhooks, which gates another tool of an AI Agent behind a person's
	 * approval (`createHitlTools` in the cli package's `tool-generation/hitl-tools`). n8n 2.x does;
	 * n8n 1.123.81 has no such tool generation (nor the engine's handling of it).
	 */
	humanReviewTool: boolean;
}

/**
 * AI Agent v3 has the engine run a tool node like any node. n8n 2.x hands a failed tool's error
 * message back to the agent as the tool result unless the node is set to stop the workflow
 * (`aiToolDefaultsToContinue` in its WorkflowExecute); n8n 1.x stops the workflow on the error like
 * for any node, so there a tool reaches the model with its errors only when set to Continue, and the
 * node's own error item (message and description) is then the tool result.
 */
export interface AiToolErrors {
	/** Settings a tool node needs so that its errors are handed to the model. */
	toolNodeSettings: Partial<Pick<WorkflowNode, 'onError'>>;
}

const TOOL_ERRORS_BY_DEFAULT: AiToolErrors = { toolNodeSettings: {} };
const TOOL_ERRORS_WITH_CONTINUE: AiToolErrors = {
	toolNodeSettings: { onError: 'continueRegularOutput' },
};

export interface WorkflowActivation {
	/** n8n CLI arguments that make the workflow's triggers run from the next `n8n start`. */
	publishArgs(workflowId: string): string[];
	/** The opposite. */
	unpublishArgs(workflowId: string): string[];
}

/** n8n 2.x separates saving a workflow from publishing it: the published version is what triggers run. */
const PUBLISHING: WorkflowActivation = {
	publishArgs: (id) => ['publish:workflow', `--id=${id}`],
	unpublishArgs: (id) => ['unpublish:workflow', `--id=${id}`],
};

/** n8n 1.x has no publishing: a workflow runs its triggers while its `active` flag is set. */
const ACTIVE_FLAG: WorkflowActivation = {
	publishArgs: (id) => ['update:workflow', `--id=${id}`, '--active=true'],
	unpublishArgs: (id) => ['update:workflow', `--id=${id}`, '--active=false'],
};

const BY_MAJOR: Record<number, N8nDifferences> = {
	1: {
		workflowActivation: ACTIVE_FLAG,
		webhookBaseUrlEnv: 'WEBHOOK_URL',
		aiAgentTypeVersion: 3,
		aiToolErrorsReachAgent: TOOL_ERRORS_WITH_CONTINUE,
		waitCustomDataSurvivesRestart: false,
		humanReviewTool: false,
	},
	2: {
		workflowActivation: PUBLISHING,
		webhookBaseUrlEnv: 'N8N_WEBHOOK_URL',
		aiAgentTypeVersion: 3.1,
		aiToolErrorsReachAgent: TOOL_ERRORS_BY_DEFAULT,
		waitCustomDataSurvivesRestart: true,
		humanReviewTool: true,
	},
};

export function differencesFor(n8nVersion: string): N8nDifferences {
	const major = Number(n8nVersion.split('.')[0]);
	const differences = BY_MAJOR[major];
	if (!differences)
		throw new Error(
			`the e2e helpers know no n8n ${major}.x (n8n ${n8nVersion}): add it to BY_MAJOR in n8n-differences.ts`,
		);
	return differences;
}
