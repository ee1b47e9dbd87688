/** Types for scripts/check-n8n-latest.js (plain CommonJS, run by .ci/run). */
export function parseSemver(version: string): { core: number[]; pre: string[] } | undefined;
export function compareSemver(a: string, b: string): -1 | 0 | 1;
export function newestOf(versions: string[]): string;
export function latestNotice(latest: string, testedVersions: string[]): string | undefined;
