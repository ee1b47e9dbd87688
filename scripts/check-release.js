#!/usr/bin/env node
'use strict';
/**
 * Checks that a version tag may be published: `node scripts/check-release.js v1.2.3` (the release
 * workflow passes the tag it runs for; without an argument it reads GITHUB_REF_NAME).
 *
 * Why each check exists:
 * - the tag names the version in package.json: otherwise npm publishes a version nobody tagged;
 * - CHANGELOG.md has a dated section for that version: users and n8n's reviewers read it;
 * - `repository.url` is the GitHub repository the workflow runs in (GITHUB_REPOSITORY): npm refuses a
 *   provenance publish whose package.json names another repository, and n8n's verification gate
 *   downloads the attested source from exactly that repository;
 * - `bugs` and `homepage` point at that repository, so the npm page leads users to the tracker.
 * Exit code 1 with every problem listed. Plain CommonJS, no dependencies.
 */
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');

/** `git+https://github.com/owner/repo.git` → `owner/repo` (undefined when not a GitHub URL). */
function githubSlug(url) {
	const m =
		/^(?:git\+)?https:\/\/github\.com\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(
			url || '',
		);
	return m ? `${m[1]}/${m[2]}` : undefined;
}

function urlOf(field) {
	return typeof field === 'string' ? field : field && field.url;
}

/** The body of `## [version] - YYYY-MM-DD` in a Keep-a-Changelog file, or undefined. */
function changelogSection(changelog, version) {
	const escaped = version.replace(/[.+]/g, '\\$&');
	const heading = new RegExp(`^## \\[${escaped}\\] - \\d{4}-\\d{2}-\\d{2}[ \\t]*$`, 'm');
	const m = heading.exec(changelog);
	if (!m) return undefined;
	const rest = changelog.slice(m.index + m[0].length);
	const next = rest.search(/^## /m);
	return (next === -1 ? rest : rest.slice(0, next)).trim();
}

/**
 * Every reason the tag cannot be released, as sentences (empty when it can).
 * @param {{pkg: any, changelog: string, tag: string, githubRepository?: string}} input
 */
function releaseProblems({ pkg, changelog, tag, githubRepository }) {
	const problems = [];
	if (tag !== `v${pkg.version}`)
		problems.push(
			`tag "${tag}" does not name package.json's version ${pkg.version} (expected v${pkg.version})`,
		);
	const section = changelogSection(changelog, pkg.version);
	if (section === undefined)
		problems.push(`CHANGELOG.md has no section "## [${pkg.version}] - YYYY-MM-DD"`);
	else if (!section) problems.push(`CHANGELOG.md's section for ${pkg.version} is empty`);

	const repo = githubSlug(urlOf(pkg.repository));
	if (!repo)
		problems.push(
			`package.json "repository.url" must be a https://github.com/<owner>/<repo> URL (npm provenance), got ${JSON.stringify(urlOf(pkg.repository))}`,
		);
	else if (githubRepository && repo.toLowerCase() !== githubRepository.toLowerCase()) {
		problems.push(
			`package.json "repository.url" names ${repo} but this workflow runs in ${githubRepository}: npm refuses provenance for another repository`,
		);
	}
	if (repo) {
		const bugs = urlOf(pkg.bugs) || '';
		if (!bugs.toLowerCase().startsWith(`https://github.com/${repo.toLowerCase()}/issues`)) {
			problems.push(
				`package.json "bugs.url" should be https://github.com/${repo}/issues, got ${JSON.stringify(bugs)}`,
			);
		}
		if (
			!(pkg.homepage || '').toLowerCase().startsWith(`https://github.com/${repo.toLowerCase()}`)
		) {
			problems.push(
				`package.json "homepage" should be the repository's page (https://github.com/${repo}#readme), got ${JSON.stringify(pkg.homepage)}`,
			);
		}
	}
	return problems;
}

function main() {
	const tag = process.argv[2] || process.env.GITHUB_REF_NAME || '';
	const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	const changelogPath = path.join(ROOT, 'CHANGELOG.md');
	const changelog = fs.existsSync(changelogPath) ? fs.readFileSync(changelogPath, 'utf8') : '';
	const problems = releaseProblems({
		pkg,
		changelog,
		tag,
		githubRepository: process.env.GITHUB_REPOSITORY,
	});
	if (problems.length) {
		for (const p of problems) console.error(`check-release: ${p}`);
		return 1;
	}
	console.log(`check-release: ${pkg.name}@${pkg.version} may be published from ${tag}`);
	return 0;
}

module.exports = { releaseProblems, changelogSection, githubSlug };

if (require.main === module) process.exitCode = main();
