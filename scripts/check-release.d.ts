/** Types for scripts/check-release.js (plain CommonJS, run by the release workflow). */
export interface ReleaseInput {
	pkg: {
		version: string;
		repository?: string | { url?: string };
		bugs?: string | { url?: string };
		homepage?: string;
	};
	changelog: string;
	tag: string;
	/** GITHUB_REPOSITORY of the workflow run (`owner/repo`), when known. */
	githubRepository?: string;
}
export function releaseProblems(input: ReleaseInput): string[];
export function changelogSection(changelog: string, version: string): string | undefined;
export function githubSlug(url: string | undefined): string | undefined;
