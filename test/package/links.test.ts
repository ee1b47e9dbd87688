/**
 * Every relative link in the README, CONTRIBUTING.md, the CHANGELOG and docs/ leads to a file of the
 * repository, and an #anchor into a markdown file to one of its headings (by GitHub's slug rules),
 * so that moving a file or renaming a heading cannot leave a guide pointing nowhere. Links with a
 * scheme (https:, mailto:) are not followed: no network.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Folders that exist only where something was built or run: a link into them breaks on GitHub and npm. */
const GENERATED = ['node_modules', 'dist', '.cache', '.e2e', 'coverage'];

function markdownUnder(dir: string): string[] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return markdownUnder(full);
		return entry.name.endsWith('.md') ? [full] : [];
	});
}

/** The checked documents: the markdown files at the root and everything under docs/. */
function documents(): string[] {
	const atRoot = fs
		.readdirSync(ROOT)
		.filter((name) => name.endsWith('.md'))
		.map((name) => path.join(ROOT, name));
	return [...atRoot, ...markdownUnder(path.join(ROOT, 'docs'))];
}

const blank = (s: string) => s.replace(/[^\n]/g, ' ');

/** The text with fenced code blocks blanked out (newlines kept, so line numbers stay). */
function withoutFences(markdown: string): string {
	let fence: string | undefined;
	const lines = markdown.split('\n').map((line) => {
		const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line);
		if (fence === undefined) {
			if (!marker) return line;
			fence = marker[1];
		} else if (marker && marker[1][0] === fence[0] && marker[1].length >= fence.length) {
			fence = undefined;
		}
		return blank(line);
	});
	return lines.join('\n');
}

/** The text outside code: fenced blocks and inline code spans blanked out. */
function prose(markdown: string): string {
	return withoutFences(markdown).replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, blank);
}

/** GitHub's heading ids (github-slugger): lower case, punctuation and symbols dropped, spaces to hyphens. */
function githubSlug(heading: string): string {
	const text = heading
		.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
		.replace(/<[^>]+>/g, '')
		.replace(/[`*]/g, '');
	return text
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
		.replace(/ /g, '-');
}

/** The anchors a markdown document offers: its headings' slugs (repeats numbered as GitHub does). */
function anchorsOf(markdown: string): Set<string> {
	const lines = withoutFences(markdown).split('\n');
	const headings: string[] = [];
	lines.forEach((line, i) => {
		if (line.trim() === '') return;
		const atx = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
		if (atx) headings.push(atx[1]);
		const underline = /^ {0,3}(=+|-+)[ \t]*$/.test(lines[i + 1] ?? '');
		if (!atx && underline && !/^ {0,3}([-*+] |\d+\. |\|)/.test(line)) headings.push(line);
	});
	const seen = new Map<string, number>();
	const anchors = new Set<string>();
	for (const heading of headings) {
		const slug = githubSlug(heading);
		const count = seen.get(slug) ?? 0;
		seen.set(slug, count + 1);
		anchors.add(count === 0 ? slug : `${slug}-${count}`);
	}
	for (const m of markdown.matchAll(/<a\s[^>]*?(?:name|id)="([^"]+)"/g)) anchors.add(m[1]);
	return anchors;
}

interface Link {
	line: number;
	target: string;
}

/** Inline links and images, reference definitions and HTML href/src, outside code. */
function linksIn(markdown: string): Link[] {
	const text = prose(markdown);
	const lineAt = (index: number) => text.slice(0, index).split('\n').length;
	const patterns = [
		/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g,
		/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm,
		/<(?:a|img)\s[^>]*?(?:href|src)="([^"]*)"/g,
	];
	const links = patterns.flatMap((pattern) =>
		[...text.matchAll(pattern)].map((m) => ({ line: lineAt(m.index ?? 0), target: m[1] })),
	);
	return links.sort((a, b) => a.line - b.line);
}

const isExternal = (target: string) =>
	/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** What is wrong with one relative link of `fromFile` (a path under root), or undefined. */
function problemWith(
	target: string,
	fromFile: string,
	markdown: string,
	root: string,
): string | undefined {
	if (target === '') return 'empty link';
	if (target.startsWith('/'))
		return 'starts with "/": write it relative to this file (npm does not resolve it)';
	const hash = target.indexOf('#');
	const filePart = decodeURI(hash === -1 ? target : target.slice(0, hash));
	const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
	const resolved = filePart === '' ? fromFile : path.resolve(path.dirname(fromFile), filePart);
	const inRepo = path.relative(root, resolved);
	if (inRepo.startsWith('..') || path.isAbsolute(inRepo)) return 'leads out of the repository';
	if (GENERATED.includes(inRepo.split(path.sep)[0]))
		return `leads into ${inRepo.split(path.sep)[0]}/, which is not in the repository`;
	if (!fs.existsSync(resolved)) return `no such file: ${inRepo}`;
	if (anchor === undefined || !resolved.endsWith('.md')) return undefined;
	const text = resolved === fromFile ? markdown : fs.readFileSync(resolved, 'utf8');
	if (!anchorsOf(text).has(anchor)) {
		return `${inRepo || 'this file'} has no heading #${anchor}`;
	}
	return undefined;
}

/** Every broken relative link of one markdown file, as "file:line: target: problem". */
function brokenLinks(markdown: string, fromFile: string, root = ROOT): string[] {
	const name = path.relative(root, fromFile);
	return linksIn(markdown)
		.filter((link) => !isExternal(link.target))
		.flatMap((link) => {
			const problem = problemWith(link.target, fromFile, markdown, root);
			return problem ? [`${name}:${link.line}: ${link.target}: ${problem}`] : [];
		});
}

const DOCS = documents();

test('the checked documents include the README, CONTRIBUTING.md and the guides in docs/', () => {
	const names = DOCS.map((file) => path.relative(ROOT, file));
	expect(names).toEqual(
		expect.arrayContaining(['README.md', 'CONTRIBUTING.md', path.join('docs', 'wire-format.md')]),
	);
	expect(names.filter((name) => name.startsWith('docs')).length).toBeGreaterThan(1);
});

test.each(DOCS.map((file) => [path.relative(ROOT, file), file]))(
	'every relative link in %s resolves',
	(_name, file) => {
		expect(brokenLinks(fs.readFileSync(file, 'utf8'), file)).toEqual([]);
	},
);

test('the README links to its guides and example workflows (the check is not vacuous)', () => {
	const targets = linksIn(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).map(
		(l) => l.target,
	);
	expect(targets).toEqual(
		expect.arrayContaining(['CONTRIBUTING.md', 'CHANGELOG.md', 'docs/sandbox.md']),
	);
	expect(
		targets.filter((t) => t.startsWith('test/e2e/workflows/examples/')).length,
	).toBeGreaterThan(0);
	expect(targets.filter((t) => t.startsWith('#')).length).toBeGreaterThan(0);
});

describe('the checker', () => {
	const here = path.join(ROOT, 'README.md');

	test('reports a missing file, a missing heading, and links that leave the repository', () => {
		const doc = [
			'# Title',
			'[ok](#title) [gone](docs/no-such-guide.md) [bad anchor](CHANGELOG.md#no-such-heading)',
			'[out](../elsewhere.md) [built](dist/index.js) [rooted](/README.md)',
		].join('\n');
		expect(brokenLinks(doc, here)).toEqual([
			'README.md:2: docs/no-such-guide.md: no such file: docs/no-such-guide.md',
			'README.md:2: CHANGELOG.md#no-such-heading: CHANGELOG.md has no heading #no-such-heading',
			'README.md:3: ../elsewhere.md: leads out of the repository',
			'README.md:3: dist/index.js: leads into dist/, which is not in the repository',
			'README.md:3: /README.md: starts with "/": write it relative to this file (npm does not resolve it)',
		]);
	});

	test('ignores external links and anything in code', () => {
		const doc = [
			'[site](https://example.com/x.md) [mail](mailto:a@b.c)',
			'`[code](nowhere.md)`',
			'```',
			'[fenced](nowhere.md)',
			'```',
		].join('\n');
		expect(brokenLinks(doc, here)).toEqual([]);
	});

	test('reads reference definitions, images and HTML links', () => {
		const doc = '![icon](missing.svg)\n\n[ref]: missing.md\n\n<a href="missing.html">x</a>\n';
		expect(linksIn(doc).map((l) => l.target)).toEqual([
			'missing.svg',
			'missing.md',
			'missing.html',
		]);
	});

	test.each([
		['Queue mode (`npm run test:e2e:queue`)', 'queue-mode-npm-run-teste2equeue'],
		['Example: voice note → transcription → reply', 'example-voice-note--transcription--reply'],
		['Measured: one run (`npm run bench`)', 'measured-one-run-npm-run-bench'],
		[
			'What the fake server answers (our choice where SendApi is silent)',
			'what-the-fake-server-answers-our-choice-where-sendapi-is-silent',
		],
		['Items, errors and ids', 'items-errors-and-ids'],
		['[Unreleased]', 'unreleased'],
		['snake_case and **bold**', 'snake_case-and-bold'],
	])('slugs %j as GitHub does: #%s', (heading, slug) => {
		expect(githubSlug(heading)).toBe(slug);
	});

	test('numbers repeated headings as GitHub does', () => {
		expect([...anchorsOf('# Usage\n## Usage\n```\n# not a heading\n```\nSetext\n---\n')]).toEqual([
			'usage',
			'usage-1',
			'setext',
		]);
	});
});
