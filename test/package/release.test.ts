/**
 * The release workflow's own check (scripts/check-release.js): a tag is published only when it
 * names package.json's version, the CHANGELOG has a dated section for it and package.json points
 * at the GitHub repository the workflow runs in (npm provenance refuses anything else).
 */
import * as fs from 'fs';
import * as path from 'path';
import {
	changelogSection,
	githubSlug,
	releaseProblems,
	type ReleaseInput,
} from '../../scripts/check-release';

const ROOT = path.resolve(__dirname, '..', '..');
const REPO = 'acme/n8n-nodes-sendapi';

function releasable(overrides: Partial<ReleaseInput> = {}): ReleaseInput {
	return {
		pkg: {
			version: '1.2.0',
			repository: { url: `git+https://github.com/${REPO}.git` },
			bugs: { url: `https://github.com/${REPO}/issues` },
			homepage: `https://github.com/${REPO}#readme`,
		},
		changelog:
			'# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2026-12-01\n\n### Added\n- Something.\n\n## [1.1.0] - 2026-11-01\n- Older.\n',
		tag: 'v1.2.0',
		githubRepository: REPO,
		...overrides,
	};
}

test('a tag that names the version, with a dated CHANGELOG section and matching repository, may be released', () => {
	expect(releaseProblems(releasable())).toEqual([]);
});

test('a tag for another version is refused', () => {
	expect(releaseProblems(releasable({ tag: 'v1.2.1' }))).toEqual([
		'tag "v1.2.1" does not name package.json\'s version 1.2.0 (expected v1.2.0)',
	]);
});

test('a version without a dated CHANGELOG section, or with an empty one, is refused', () => {
	const undated = releasable({ changelog: '## [Unreleased]\n- Something.\n' });
	expect(releaseProblems(undated)).toEqual([
		'CHANGELOG.md has no section "## [1.2.0] - YYYY-MM-DD"',
	]);
	const empty = releasable({
		changelog: '## [1.2.0] - 2026-12-01\n\n## [1.1.0] - 2026-11-01\n- Older.\n',
	});
	expect(releaseProblems(empty)).toEqual(["CHANGELOG.md's section for 1.2.0 is empty"]);
});

test('a repository that is not the one the workflow runs in is refused (npm provenance would be)', () => {
	const problems = releaseProblems(releasable({ githubRepository: 'someone-else/fork' }));
	expect(problems).toHaveLength(1);
	expect(problems[0]).toMatch(
		/names acme\/n8n-nodes-sendapi but this workflow runs in someone-else\/fork/,
	);
	const notGithub = releasable();
	notGithub.pkg = { ...notGithub.pkg, repository: { url: 'https://gitlab.com/acme/x.git' } };
	expect(releaseProblems(notGithub)[0]).toMatch(
		/must be a https:\/\/github.com\/<owner>\/<repo> URL/,
	);
});

test('bugs and homepage must lead to the same repository', () => {
	const input = releasable();
	input.pkg = { ...input.pkg, bugs: 'https://example.com/support', homepage: 'https://sendapi.co' };
	expect(releaseProblems(input)).toEqual([
		'package.json "bugs.url" should be https://github.com/acme/n8n-nodes-sendapi/issues, got "https://example.com/support"',
		'package.json "homepage" should be the repository\'s page (https://github.com/acme/n8n-nodes-sendapi#readme), got "https://sendapi.co"',
	]);
});

test('changelog sections end at the next heading; slugs accept the forms npm writes', () => {
	expect(changelogSection(releasable().changelog, '1.2.0')).toBe('### Added\n- Something.');
	expect(changelogSection(releasable().changelog, '1.1.0')).toBe('- Older.');
	expect(githubSlug('git+https://github.com/a/b.git')).toBe('a/b');
	expect(githubSlug('https://github.com/a/b')).toBe('a/b');
	expect(githubSlug('git@github.com:a/b.git')).toBeUndefined();
});

test("this package's own repository, bugs and homepage fields pass the release check", () => {
	const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	const problems = releaseProblems({
		pkg,
		changelog: `## [${pkg.version}] - 2026-12-01\n- x\n`,
		tag: `v${pkg.version}`,
	});
	expect(problems).toEqual([]);
});
