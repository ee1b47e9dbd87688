/** Types for scripts/sandbox/n8n-runtime.js (plain CommonJS, used by scripts/sandbox/start.js and the e2e tests). */
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
	/** one of SUPPORTED_N8N_VERSIONS; default DEFAULT_N8N_VERSION */
	n8nVersion?: string;
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

/** One supported n8n version: the Node binary package it runs on, npm overrides its install needs, its own env. */
export interface N8nVersionSpec {
	nodePackage: string;
	overrides?: Record<string, string>;
	/** environment only this version's n8n processes get */
	env?: Record<string, string>;
}
/** Everything of one n8n version's cached install (see runtimeFor). */
export interface VersionRuntime {
	version: string;
	nodePackage: string;
	overrides: Record<string, string>;
	env: Record<string, string>;
	/** `.cache/n8n-<version>/` */
	dir: string;
	marker: string;
	lockDir: string;
	nodeDir: string;
	nodeBin: string;
	n8nBin: string;
	/** `scripts/sandbox/n8n-<version>.lock.json` */
	lockFile: string;
}

/** The n8n versions the package is tested on, newest first. */
export const N8N_VERSIONS: Readonly<Record<string, N8nVersionSpec>>;
export const SUPPORTED_N8N_VERSIONS: readonly string[];
/** The first of SUPPORTED_N8N_VERSIONS: what every function uses when given no version. */
export const DEFAULT_N8N_VERSION: string;
/** Paths of one version (default: DEFAULT_N8N_VERSION); throws for a version not in N8N_VERSIONS. */
export function runtimeFor(n8nVersion?: string): VersionRuntime;
/**
 * The versions a comma-separated selection names: exact versions or a dot-prefix picking one
 * (`1` → the supported 1.x). Empty/undefined → all of SUPPORTED_N8N_VERSIONS. Throws on unknown/ambiguous.
 */
export function selectN8nVersions(selection?: string): string[];
/** The default version and its paths (N8N_VERSION === DEFAULT_N8N_VERSION). */
export const N8N_VERSION: string;
export const ROOT: string;
export const CACHE_ROOT: string;
export const N8N_DIR: string;
export const NODE_BIN: string;
export const N8N_BIN: string;
export const PACKAGE_NAME: string;
export function ensureN8n(n8nVersion?: string): Promise<RuntimeInfo>;
export function n8nEnv(
	userFolder: string,
	extra?: Record<string, string | undefined>,
	n8nVersion?: string,
): NodeJS.ProcessEnv;
export function runN8n(args: string[], opts?: RunN8nOptions): ChildProcess;
export function execN8n(args: string[], opts?: ExecN8nOptions): Promise<ExecN8nResult>;
export function installPackageLikeCommunityNodes(
	userFolder: string,
	tarballPath: string,
): { dir: string; version: string; nodes: string[] };
/** Makes the next `n8n start` re-register the webhooks of published workflows (n8n stopped); returns webhook rows removed. */
export function clearWebhookRegistrations(userFolder: string, n8nVersion?: string): number;
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
	binary?: Record<
		string,
		{
			data: string;
			mimeType: string;
			fileName?: string;
			fileExtension?: string;
			fileSize?: string;
			id?: string;
			[k: string]: unknown;
		}
	>;
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
