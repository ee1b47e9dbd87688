/**
 * What the e2e has to do differently per n8n version, in one place: helpers and tests ask this,
 * named by what differs, instead of comparing version numbers. Keyed by n8n's major version (the
 * differences found between the supported versions are differences between 1.x and 2.x).
 */
export interface N8nDifferences {
	/** How a stopped n8n is told to run a workflow's triggers at its next start. */
	workflowActivation: WorkflowActivation;
	/**
	 * The environment variable of `n8n start` that sets the public base URL of webhooks (what a
	 * trigger registers at the service). n8n 2.x reads N8N_WEBHOOK_URL (and calls WEBHOOK_URL
	 * deprecated); n8n 1.x reads only WEBHOOK_URL.
	 */
	webhookBaseUrlEnv: 'N8N_WEBHOOK_URL' | 'WEBHOOK_URL';
}

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
	1: { workflowActivation: ACTIVE_FLAG, webhookBaseUrlEnv: 'WEBHOOK_URL' },
	2: { workflowActivation: PUBLISHING, webhookBaseUrlEnv: 'N8N_WEBHOOK_URL' },
};

export function differencesFor(n8nVersion: string): N8nDifferences {
	const major = Number(n8nVersion.split('.')[0]);
	const differences = BY_MAJOR[major];
	if (!differences) throw new Error(`the e2e helpers know no n8n ${major}.x (n8n ${n8nVersion}): add it to BY_MAJOR in n8n-differences.ts`);
	return differences;
}
