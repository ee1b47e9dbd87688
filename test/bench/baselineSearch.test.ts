/**
 * The bench's own reading: the Batch Interval search of the measured baseline, and the window scan
 * of the fake's accepted timeline. Both decide what the bench reports and fails on.
 */
import { searchInterval, type Trial } from '../../bench/baseline';
import { acceptedOverLimit, type AcceptedSend } from '../../bench/overLimit';

/** A sender that loses rows below `threshold` ms, one fewer for every ms closer to it. */
function losesBelow(threshold: number) {
	const tried: number[] = [];
	const trial = async (intervalMs: number): Promise<Trial> => {
		tried.push(intervalMs);
		const lost = Math.max(0, threshold - intervalMs);
		return { intervalMs, items: 100, lost, elapsedMs: intervalMs * 100, refused429: lost };
	};
	return { trial, tried };
}

describe('the Batch Interval search', () => {
	it('from a start that loses no row, finds the fastest within a notch and what one notch less loses', async () => {
		const { trial } = losesBelow(41);
		const search = await searchInterval(50, trial);
		expect(search.best?.intervalMs).toBeGreaterThanOrEqual(41);
		expect(search.best?.intervalMs).toBeLessThanOrEqual(43);
		expect(search.faster?.lost).toBeGreaterThan(0);
		expect(search.faster?.intervalMs).toBeGreaterThanOrEqual(38);
	});

	it('from a start that loses rows, goes slower until none is lost', async () => {
		const { trial, tried } = losesBelow(130);
		const search = await searchInterval(50, trial);
		expect(tried.slice(0, 3)).toEqual([50, 100, 200]);
		expect(search.best?.intervalMs).toBeGreaterThanOrEqual(130);
		expect(search.best?.intervalMs).toBeLessThanOrEqual(137);
	});

	it('reports no interval when every one tried loses rows', async () => {
		const search = await searchInterval(10, async (intervalMs) => ({
			intervalMs,
			items: 10,
			lost: 1,
			elapsedMs: 0,
			refused429: 1,
		}));
		expect(search.best).toBeUndefined();
		expect(search.trials).toHaveLength(8);
	});

	it('settles on 0 (every row at once) when even that loses nothing', async () => {
		const { trial } = losesBelow(0);
		expect((await searchInterval(5, trial)).best?.intervalMs).toBe(0);
	});
});

describe('the accepted-timeline window scan', () => {
	const limits = {
		windowMs: 1000,
		planMessagesPerWindow: 3,
		planMessagesPerDay: Infinity,
		requestsPerWindow: 2,
		sessionMessagesPerWindow: 2,
		sessionMessagesPerDay: Infinity,
	};
	const send = (at: number, sessionId: string, recipients = 1, status = 200): AcceptedSend => ({
		status,
		at,
		sessionId,
		recipients,
		replayed: false,
	});

	it('finds a window over each limit; a send that frees at exactly one window is not in it', () => {
		const over = acceptedOverLimit(
			[send(0, 'a'), send(500, 'b', 2), send(999, 'a'), send(1500, 'b', 1, 429)],
			limits,
		);
		expect(over).toEqual({ requests: 1, plan_messages: 1, session_messages: 0 });
		expect(acceptedOverLimit([send(0, 'a'), send(1000, 'a'), send(2000, 'a')], limits)).toEqual({
			requests: 0,
			plan_messages: 0,
			session_messages: 0,
		});
		expect(
			acceptedOverLimit([send(0, 'a'), send(10, 'a'), send(20, 'a')], limits).session_messages,
		).toBe(1);
	});
});
