/** Types for scripts/n8n-runtime.js (plain CommonJS, used by scripts/start.js and the e2e tests). */
import type { ChildProcess, StdioOptions } from 'child_process';

export interface RuntimeMarker {
	n8nVersion: string;
	nodeVersion: string;
	installMs: number;
	rebuildMs: number;
	totalMs: number;
	sizeMb: number;
	completedAt: string;
}
export interface RuntimeInfo {
	dir: string;
	nodeBin: string;
	n8nBin: string;
	n8nVersion: string;
	nodeVersion: string | undefined;
	marker: RuntimeMarker | null;
}
export interface RunN8nOptions {
	/** N8N_USER_FOLDER (n8n keeps its data in `<userFolder>/.n8n/`) */
	userFolder?: string;
	/** extra environment, overrides the defaults of n8nEnv() */
	env?: Record<string, string | undefined>;
	cwd?: string;
	stdio?: StdioOptions;
	detached?: boolean;
}
export interface ExecN8nOptions extends RunN8nOptions {
	allowFail?: boolean;
	timeoutMs?: number;
}
export interface ExecN8nResult {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
	ms: number;
}

export const N8N_VERSION: string;
export const ROOT: string;
export const CACHE_ROOT: string;
export const N8N_DIR: string;
export const NODE_BIN: string;
export const N8N_BIN: string;
export const PACKAGE_NAME: string;
export function ensureN8n(): Promise<RuntimeInfo>;
export function n8nEnv(userFolder: string, extra?: Record<string, string | undefined>): NodeJS.ProcessEnv;
export function runN8n(args: string[], opts?: RunN8nOptions): ChildProcess;
export function execN8n(args: string[], opts?: ExecN8nOptions): Promise<ExecN8nResult>;
export function installPackageLikeCommunityNodes(
	userFolder: string,
	tarballPath: string,
): { dir: string; version: string; nodes: string[] };
/** Makes the next `n8n start` re-register the webhooks of published workflows (n8n stopped); returns webhook rows removed. */
export function clearWebhookRegistrations(userFolder: string): number;
export function buildPackage(opts?: { quiet?: boolean }): { ms: number };
export function packPackage(destDir?: string): string;
export function cleanNpmEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
export function freePort(): Promise<number>;
/** The run object printed by `n8n execute --rawOutput` (null when none was printed). */
export function parseRunOutput(stdout: string): N8nRun | null;

export interface N8nTaskData {
	startTime: number;
	executionTime: number;
	executionStatus?: string;
	error?: { message: string; description?: string; [k: string]: unknown };
	data?: { main: Array<Array<N8nItem> | null> };
	[k: string]: unknown;
}
export interface N8nItem {
	json: Record<string, any>;
	binary?: Record<string, { data: string; mimeType: string; fileName?: string; fileExtension?: string; fileSize?: string; id?: string; [k: string]: unknown }>;
	error?: unknown;
	pairedItem?: unknown;
}
export interface N8nRun {
	data: {
		resultData: {
			runData: Record<string, N8nTaskData[]>;
			lastNodeExecuted?: string;
			error?: { message: string; [k: string]: unknown };
		};
		[k: string]: unknown;
	};
	mode: string;
	status: string;
	finished: boolean;
	[k: string]: unknown;
}
