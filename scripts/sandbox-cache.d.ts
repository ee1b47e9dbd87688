/** Types for scripts/sandbox-cache.js (plain CommonJS, the change detection behind scripts/start.js). */

/** Every file under `root/rel` (recursively), as sorted paths relative to `root`; [] when it does not exist. */
export function listFiles(root: string, rel: string): string[];
/** sha256 (hex) over the relative path and content of each file; a missing file hashes as missing. */
export function hashFiles(root: string, relPaths: readonly string[]): string;
/** sha256 (hex) of JSON.stringify(value): key order counts. */
export function hashJson(value: unknown): string;
/** Hash of everything `npm run build` reads (nodes/, credentials/, tsconfig.json, gulpfile.js, package.json, package-lock.json). */
export function buildInputsHash(root: string): string;
/** Hash of dist/. */
export function distHash(root: string): string;
/** The files `npm pack` ships, relative to root; null when package.json's `files` holds a glob. */
export function packedFiles(root: string): string[] | null;
/** Hash of packedFiles(root); null when that set is unknown (then pack every time). */
export function packageHash(root: string): string | null;
/** A JSON record of a previous run, or {} when there is none or it is unreadable. */
export function readRecord(file: string): Record<string, any>;
/** Writes a JSON record atomically, creating its folder. */
export function writeRecord(file: string, value: unknown): void;

export interface DbState {
	/** workflow id → versionId */
	workflows: Map<string, string>;
	/** credential id → updatedAt */
	credentials: Map<string, string>;
}
/** Reads an n8n SQLite database with n8n's own Node (`nodeBin`) and sqlite3 module (`sqlite3Dir`); empty when the file does not exist. */
export function readDbState(dbFile: string, opts: { nodeBin: string; sqlite3Dir: string }): DbState;
