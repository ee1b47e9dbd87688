/** Types for scripts/sandbox/sandbox-cache.js (plain CommonJS, the change detection behind scripts/sandbox/start.js). */

/**
 * Every file under `root/rel` (recursively), as sorted paths relative to `root`; [] when it does not exist.
 * Symbolic links: 'follow' (default) lists a link to a file as a file and walks a link to a folder
 * (loops skipped); 'skip' leaves links out, as `npm pack` does.
 */
export function listFiles(
	root: string,
	rel: string,
	opts?: { symlinks?: 'follow' | 'skip' },
): string[];
/** sha256 (hex) over the relative path and content of each file; a missing file hashes as missing. */
export function hashFiles(root: string, relPaths: readonly string[]): string;
/** sha256 (hex) of JSON.stringify(value): key order counts. */
export function hashJson(value: unknown): string;
/** Hash of everything `npm run build` reads (nodes/, credentials/, tsconfig.json, gulpfile.js, package.json, package-lock.json). */
export function buildInputsHash(root: string): string;
/** Hash of dist/. */
export function distHash(root: string): string;
/**
 * The files `npm pack` ships, relative to root and sorted: package.json, root README/COPYING/LICENSE/LICENCE*,
 * the `files` entries (no symbolic links, no names npm always drops) and the `main`/`browser`/`bin` targets;
 * null when package.json's `files` holds a glob.
 */
export function packedFiles(root: string): string[] | null;
/** Hash of packedFiles(root); null when that set is unknown (then pack every time). */
export function packageHash(root: string): string | null;
/** A JSON record of a previous run, or {} when there is none or it is unreadable. */
export function readRecord(file: string): Record<string, any>;
/** Writes a JSON record atomically, creating its folder. */
export function writeRecord(file: string, value: unknown): void;

/** Whether `npm run build` must run: forced, or `now` (sources, dist/) hashes otherwise than the `last` build recorded. */
export function needsBuild(
	last: { inputs?: string; dist?: string },
	now: { inputs: string; dist: string },
	force?: boolean,
): boolean;

/** Whether to pack and install again: forced, the packed set unknown (`current` null), another hash than `recorded`, or not `installed`. */
export function needsInstall(state: {
	recorded: string | undefined;
	current: string | null;
	installed: boolean;
	force?: boolean;
}): boolean;

/** What the last import of an item recorded: its content hash and n8n's stamp on it (updatedAt / versionId). */
export interface ImportRecord {
	hash?: string;
	stamp?: string;
}
/**
 * Whether to import an item: the database lacks it (`stamp` undefined), or, unless it is imported `once`,
 * its `hash` or n8n's `stamp` differs from `last`.
 */
export function needsImport(item: {
	stamp: string | undefined;
	hash: string;
	last?: ImportRecord;
	once?: boolean;
}): boolean;

export interface DbState {
	/** workflow id → versionId */
	workflows: Map<string, string>;
	/** credential id → updatedAt */
	credentials: Map<string, string>;
}
/** Reads an n8n SQLite database with n8n's own Node (`nodeBin`) and sqlite3 module (`sqlite3Dir`); empty when the file does not exist. */
export function readDbState(dbFile: string, opts: { nodeBin: string; sqlite3Dir: string }): DbState;
