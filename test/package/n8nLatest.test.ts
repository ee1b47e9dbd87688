/**
 * scripts/check-n8n-latest.js: the notice .ci/run prints when the registry's `latest` n8n is newer
 * than every tested version. The registry call itself is not tested (no test talks to the network);
 * the comparison and the line are.
 */
import { compareSemver, latestNotice, newestOf } from '../../scripts/check-n8n-latest';

const TESTED = ['2.41.1', '2.40.7', '1.123.81'];

test('versions compare by semver precedence, not as text', () => {
	expect(compareSemver('2.41.10', '2.41.9')).toBe(1);
	expect(compareSemver('2.9.0', '2.41.1')).toBe(-1);
	expect(compareSemver('10.0.0', '9.99.99')).toBe(1);
	expect(compareSemver('2.41.1', '2.41.1')).toBe(0);
	expect(compareSemver('v2.41.1', '2.41.1')).toBe(0);
	expect(compareSemver('2.41.1+build.5', '2.41.1')).toBe(0);
});

test('a prerelease is older than its release and ordered by its identifiers', () => {
	expect(compareSemver('2.42.0-rc.1', '2.42.0')).toBe(-1);
	expect(compareSemver('2.42.0', '2.42.0-rc.1')).toBe(1);
	expect(compareSemver('2.42.0-rc.2', '2.42.0-rc.10')).toBe(-1);
	expect(compareSemver('2.42.0-alpha', '2.42.0-alpha.1')).toBe(-1);
	expect(compareSemver('2.42.0-1', '2.42.0-alpha')).toBe(-1);
	expect(compareSemver('2.42.0-rc.1', '2.41.9')).toBe(1);
});

test('the newest tested version is found wherever it stands in the list', () => {
	expect(newestOf(['1.123.81', '2.41.1', '2.40.7'])).toBe('2.41.1');
	expect(newestOf(TESTED)).toBe('2.41.1');
});

test('a newer latest gives one notice line naming both versions', () => {
	const notice = latestNotice('2.41.3\n', TESTED);
	expect(notice).toMatch(
		/^notice: n8n 2\.41\.3 is the registry's latest, newer than the newest tested n8n 2\.41\.1/,
	);
	expect(notice).not.toContain('\n');
	expect(latestNotice('3.0.0', TESTED)).toContain('n8n 3.0.0');
});

test('a latest the matrix holds, or older, gives no notice', () => {
	expect(latestNotice('2.41.1', TESTED)).toBeUndefined();
	expect(latestNotice('2.40.7', TESTED)).toBeUndefined();
	expect(latestNotice('2.42.0-rc.1', ['2.42.0', ...TESTED])).toBeUndefined();
});

test('no answer or an answer that is not a version gives one line, never an exception', () => {
	expect(latestNotice('', TESTED)).toBe(
		"notice: could not read n8n's latest version from the registry (no answer); the newest tested n8n is 2.41.1",
	);
	expect(latestNotice('npm ERR! network', TESTED)).toMatch(/it answered "npm ERR! network"/);
});
