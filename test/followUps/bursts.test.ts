import {
	inOrder,
	runStart,
	splitIntoBursts,
	verdictFor,
} from '../../nodes/SendApi/followUps/bursts';
import { phoneDigits } from '../../nodes/SendApi/followUps/senderHistory';
import { parseMessageTime, readHistoryMessage } from '../../nodes/SendApi/transport/wire/history';

const at = (seconds: number[]) => seconds.map((s, i) => ({ key: `m${i}`, time: s * 1000 }));
const rules = { quietMs: 5000, maxWaitMs: 20_000 };
const keys = (bursts: { key: string }[][]) => bursts.map((b) => b.map((m) => m.key));

describe('bursts from timestamps alone', () => {
	test('a gap longer than the Quiet Period, or Max Wait since the first, starts a new burst', () => {
		// A gap of exactly the Quiet Period stays in; 20 s after the first (Max Wait) starts anew.
		expect(keys(splitIntoBursts(at([0, 5, 10.5, 14, 18, 21, 25, 29, 30.5]), rules))).toEqual([
			['m0', 'm1'],
			['m2', 'm3', 'm4', 'm5', 'm6', 'm7'],
			['m8'],
		]);
		expect(keys(splitIntoBursts(at([0, 4, 8, 12, 16, 20]), rules))).toEqual([
			['m0', 'm1', 'm2', 'm3', 'm4'],
			['m5'],
		]);
	});

	test('each message once, by time then id', () => {
		const messages = [
			{ key: 'b', time: 1000 },
			{ key: 'a', time: 1000 },
			{ key: 'c', time: 0 },
			{ key: 'a', time: 1000 },
		];
		expect(inOrder(messages).map((m) => m.key)).toEqual(['c', 'a', 'b']);
	});

	test('where a run starts is known only from a gap, or from a window reaching a Quiet Period (and a second) further back', () => {
		const ordered = at([10, 12, 20, 22]);
		expect(runStart(ordered, 3, 5000, 0)).toBe(2);
		expect(runStart(ordered, 1, 5000, 3_000)).toBe(0);
		expect(runStart(ordered, 1, 5000, 5_000)).toBeUndefined();
		expect(runStart(ordered, 1, 5000, undefined)).toBe(0);
	});

	test('the verdict: last of its burst, not last, or missing', () => {
		const ordered = at([0, 2, 9]);
		expect(verdictFor(ordered, 'm0', rules, 0).kind).toBe('notLast');
		expect(verdictFor(ordered, 'm1', rules, 0)).toEqual({
			kind: 'last',
			burst: ordered.slice(0, 2),
		});
		expect(verdictFor(ordered, 'm9', rules, 0).kind).toBe('missing');
	});
});

describe('reading the history', () => {
	test.each([
		['2026-12-01T10:00:00Z', Date.parse('2026-12-01T10:00:00Z')],
		[1_764_583_200, 1_764_583_200_000],
		['1764583200000', 1_764_583_200_000],
		['', undefined],
		['not a date', undefined],
	])('time %j', (value, expected) => {
		expect(parseMessageTime(value)).toBe(expected);
	});

	test('a media message stored with the event data as content is read with its file and caption', () => {
		const message = readHistoryMessage({
			id: 7,
			direction: 'in',
			from: '+447700900001',
			type: 'image',
			content: { type: 'image', image: { url: 'https://x/y.jpg', caption: 'the box' } },
			created_at: '2026-12-01T10:00:00Z',
		});
		expect(message).toMatchObject({ key: '7', type: 'image', incoming: true });
		expect(message?.media).toMatchObject({ type: 'image', caption: 'the box' });
		expect(message?.text).toBeUndefined();
		expect(readHistoryMessage({ content: { body: 'no id' } })).toBeUndefined();
	});

	test('one sender, however the number is written', () => {
		expect(phoneDigits('+44 7700 900001')).toBe('447700900001');
		expect(phoneDigits('447700900001@s.whatsapp.net')).toBe('447700900001');
		expect(phoneDigits(undefined)).toBe('');
	});
});
