import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { useFakeSendApi } from '../helpers/fakeServer';
import { runNode } from '../helpers/runWorkflow';
import { followUpTiming } from '../../nodes/SendApi/followUps/timing';
import type { Arrival } from './scenario';
import { BASE, Timeline, virtualClock } from './scenario';

const fake = useFakeSendApi({ now: () => virtualClock.now });
const byId = (value: string | number) => ({ __rl: true, mode: 'id', value: String(value) });
const ANN = '+447700900001';
const BOB = '+447700900002';
const originalSleep = followUpTiming.sleep;
afterAll(() => (followUpTiming.sleep = originalSleep));

/** Trigger-style defaults: session and sender from the item, as after SendApi Trigger. */
const PARAMS: INodeParameters = {
	session: byId('={{ $json.session_id }}'),
	sender: '={{ $json.from }}',
	quietPeriod: 5,
	maxWait: 30,
};

async function scenario(arrivals: Arrival[], parameters: INodeParameters = {}) {
	const session = fake.api.seedSession();
	const timeline = new Timeline(fake.api, String(session.id), arrivals);
	const results = await timeline.runAll({ ...PARAMS, ...parameters }, fake.credentials);
	for (const result of results) expect(result.error).toBeUndefined();
	const outputs = results.map((result) => result.outputs[0] ?? []);
	return { outputs, timeline, session };
}

/** Which executions continued (by arrival index), and the text each continued with. */
function continued(outputs: IDataObject[][] | { json: IDataObject }[][]) {
	return outputs.flatMap((items, index) =>
		items.length === 0 ? [] : [{ index, text: (items[0] as { json: IDataObject }).json.text }],
	);
}

const historyReads = () =>
	fake.api.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/whatsapp/messages'));

describe('Message → Wait for Follow-up Messages: one execution per burst', () => {
	test('the last message of a burst continues with the whole burst; the earlier ones stop', async () => {
		const { outputs, timeline } = await scenario([
			{ at: 0, from: ANN, text: 'Hi' },
			{ at: 1, from: ANN, text: 'I ordered on Monday' },
			{ at: 2, from: ANN, text: 'order 4411' },
		]);
		expect(outputs.map((items) => items.length)).toEqual([0, 0, 1]);
		const json = outputs[2][0].json;
		expect(json).toMatchObject({
			from: ANN,
			text: 'Hi\nI ordered on Monday\norder 4411',
			count: 3,
			first_message_at: new Date(BASE).toISOString(),
			last_message_at: new Date(BASE + 2000).toISOString(),
			history: 'read',
		});
		const ids = timeline.delivered.map((d) => d.item.json.message_id);
		expect((json.messages as IDataObject[]).map((m) => m.id)).toEqual(ids);
		expect(json.message_id).toBe(ids[2]);
		expect((json.messages as IDataObject[])[1]).toMatchObject({
			type: 'text',
			text: 'I ordered on Monday',
			time: new Date(BASE + 1000).toISOString(),
		});
		expect(json.session_id).toBe(timeline.delivered[0].item.json.session_id);
		// Each execution waited one Quiet Period plus grace, and read the history once.
		expect(timeline.slept).toEqual([5000, 5000, 5000].map((ms) => ms + followUpTiming.graceMs));
		expect(historyReads()).toHaveLength(3);
		expect(historyReads()[0].query).toMatchObject({ direction: 'in' });
	});

	test('every new message starts the Quiet Period again; a longer silence ends the burst', async () => {
		const { outputs } = await scenario([
			{ at: 0, from: ANN, text: 'one' },
			{ at: 4, from: ANN, text: 'two' },
			{ at: 8, from: ANN, text: 'three' },
			{ at: 14, from: ANN, text: 'four' },
		]);
		expect(continued(outputs)).toEqual([
			{ index: 2, text: 'one\ntwo\nthree' },
			{ index: 3, text: 'four' },
		]);
	});

	test('Max Wait cuts a never-ending burst: a chatty sender is answered every Max Wait', async () => {
		const arrivals = Array.from({ length: 16 }, (_, n) => ({
			at: n * 3,
			from: ANN,
			text: `m${n * 3}`,
		}));
		const { outputs } = await scenario(arrivals, { maxWait: 20 });
		// Bursts start at 0, 21 and 42 s: a message 20 s or more after its burst's first starts a new one.
		expect(continued(outputs)).toEqual([
			{ index: 6, text: 'm0\nm3\nm6\nm9\nm12\nm15\nm18' },
			{ index: 13, text: 'm21\nm24\nm27\nm30\nm33\nm36\nm39' },
			{ index: 15, text: 'm42\nm45' },
		]);
	});

	test('a run longer than the first read is followed back, so every execution splits it alike', async () => {
		const arrivals = Array.from({ length: 21 }, (_, n) => ({
			at: n * 4,
			from: ANN,
			text: `m${n * 4}`,
		}));
		const { outputs } = await scenario(arrivals, { maxWait: 20 });
		expect(continued(outputs).map((c) => c.index)).toEqual([4, 9, 14, 19, 20]);
		expect(continued(outputs)[3].text).toBe('m60\nm64\nm68\nm72\nm76');
		// The later executions needed an older slice: more reads than executions.
		expect(historyReads().length).toBeGreaterThan(arrivals.length);
		expect(historyReads().some((r) => r.query.to_date !== undefined)).toBe(true);
	});

	test('a long Max Wait: the first read is short, older slices are read only when needed', async () => {
		const arrivals = Array.from({ length: 25 }, (_, n) => ({
			at: n * 4,
			from: ANN,
			text: `m${n}`,
		}));
		const { outputs } = await scenario(arrivals, { maxWait: 600 });
		expect(continued(outputs)).toEqual([
			{ index: 24, text: arrivals.map((a) => a.text).join('\n') },
		]);
		const firstRead = historyReads()[0].query;
		expect(Date.parse(String(firstRead.from_date))).toBe(BASE - 70_000);
	});

	test('two senders interleaved are two bursts, each with only its own texts', async () => {
		const { outputs } = await scenario([
			{ at: 0, from: ANN, text: 'Ann 1' },
			{ at: 0.5, from: BOB, text: 'Bob 1' },
			{ at: 1, from: ANN, text: 'Ann 2' },
			{ at: 1.5, from: BOB, text: 'Bob 2' },
		]);
		expect(continued(outputs)).toEqual([
			{ index: 2, text: 'Ann 1\nAnn 2' },
			{ index: 3, text: 'Bob 1\nBob 2' },
		]);
		expect(outputs[3][0].json.from).toBe(BOB);
	});

	test('the same sender on two sessions is two bursts', async () => {
		const other = fake.api.seedSession();
		const { outputs, session } = await scenario([
			{ at: 0, from: ANN, text: 'first here' },
			{ at: 1, from: ANN, text: 'over there', session_id: other.id },
			{ at: 2, from: ANN, text: 'second here' },
		]);
		expect(continued(outputs)).toEqual([
			{ index: 1, text: 'over there' },
			{ index: 2, text: 'first here\nsecond here' },
		]);
		expect(outputs[1][0].json.session_id).toBe(String(other.id));
		expect(outputs[2][0].json.session_id).toBe(String(session.id));
	});
});

describe('Message → Wait for Follow-up Messages: repeats and a missing history', () => {
	test('a repeated delivery of the last message continues once, and no message is doubled', async () => {
		const session = fake.api.seedSession();
		const timeline = new Timeline(fake.api, String(session.id), [
			{ at: 0, from: ANN, text: 'Hi' },
			{ at: 1, from: ANN, text: 'there' },
		]);
		await timeline.storeUntil(BASE + 1000);
		// A history that lists the first message twice.
		fake.api.state.messages.push({ ...fake.api.state.messages[0] });
		const first = await timeline.execute(1, PARAMS, fake.credentials, 'webhook');
		const again = await timeline.execute(1, PARAMS, fake.credentials, 'webhook');
		expect(first.outputs[0]).toHaveLength(1);
		expect(first.outputs[0][0].json).toMatchObject({ text: 'Hi\nthere', count: 2 });
		expect(again.error).toBeUndefined();
		expect(again.outputs[0] ?? []).toHaveLength(0);
		// The repeated earlier message stops as before: it is not the burst's last.
		const early = await timeline.execute(0, PARAMS, fake.credentials, 'webhook');
		expect(early.outputs[0] ?? []).toHaveLength(0);
	});

	test('history unavailable: the execution continues with its own message, marked', async () => {
		const session = fake.api.seedSession();
		const timeline = new Timeline(fake.api, String(session.id), [{ at: 0, from: ANN, text: 'Hi' }]);
		await timeline.storeUntil(BASE);
		fake.api.faults.push({ kind: '503', path: '/whatsapp/messages', times: Infinity });
		const run = await timeline.execute(0, PARAMS, fake.credentials);
		fake.api.faults.clear();
		expect(run.error).toBeUndefined();
		expect(run.outputs[0]).toHaveLength(1);
		expect(run.outputs[0][0].json).toMatchObject({
			text: 'Hi',
			count: 1,
			from: ANN,
			history: 'unavailable',
			message_id: timeline.delivered[0].item.json.message_id,
		});
		expect(String(run.outputs[0][0].json.history_error)).toMatch(/503|unavailable|Service/i);
	});

	test('a history that does not list the message: one more grace, then its own message', async () => {
		const session = fake.api.seedSession();
		const timeline = new Timeline(fake.api, String(session.id), [{ at: 0, from: ANN, text: 'Hi' }]);
		await timeline.storeUntil(BASE);
		fake.api.state.messages.length = 0;
		const run = await timeline.execute(0, PARAMS, fake.credentials);
		expect(timeline.slept).toEqual([5000 + followUpTiming.graceMs, followUpTiming.graceMs]);
		expect(historyReads()).toHaveLength(2);
		expect(run.outputs[0][0].json).toMatchObject({ text: 'Hi', count: 1, history: 'unavailable' });
		expect(String(run.outputs[0][0].json.history_error)).toMatch(/does not list/);
	});
});

describe('Message → Wait for Follow-up Messages: media and input', () => {
	test('the files of the burst’s media messages come along, captions in the text', async () => {
		const { outputs } = await scenario([
			{ at: 0, from: ANN, text: 'Look at this' },
			{ at: 1, from: ANN, text: 'the box', media: { type: 'image' } },
			{ at: 2, from: ANN, media: { type: 'document' } },
		]);
		const item = outputs[2][0];
		expect(item.json.text).toBe('Look at this\nthe box');
		const messages = item.json.messages as IDataObject[];
		expect(messages[1]).toMatchObject({
			type: 'image',
			caption: 'the box',
			binary_property: 'data',
		});
		expect(messages[2]).toMatchObject({ type: 'document', binary_property: 'data_1' });
		expect(Object.keys(item.binary ?? {})).toEqual(['data', 'data_1']);
		expect(item.binary?.data.mimeType).toMatch(/^image\//);
	});

	test('Max Media Size: a larger file is not downloaded, media_error says why', async () => {
		const { outputs } = await scenario(
			[{ at: 0, from: ANN, text: 'big', media: { type: 'image' } }],
			{ maxMediaSize: 0.0001 },
		);
		const item = outputs[0][0];
		expect(item.binary).toBeUndefined();
		expect((item.json.messages as IDataObject[])[0].media_error).toMatch(/Max Media Size/);
	});

	test.each([
		[{ quietPeriod: 0 }, /Quiet Period must be more than 0 and at most 60 seconds/],
		[{ quietPeriod: 61 }, /Quiet Period must be more than 0 and at most 60 seconds/],
		[{ maxWait: 0 }, /Max Wait must be more than 0/],
	])('bad %j is refused, naming the field', async (parameters, message) => {
		const run = await runNode({
			parameters: { resource: 'message', operation: 'waitForFollowUps', ...PARAMS, ...parameters },
			items: [{ json: { message_id: 'msg_1', session_id: 'sess_1', from: ANN } }],
			credentials: fake.credentials,
		});
		expect(run.error?.message).toMatch(message);
		expect(run.error?.message).toMatch(/^Item 1: /);
	});

	test('an input without message_id is refused with what to do', async () => {
		const run = await runNode({
			parameters: { resource: 'message', operation: 'waitForFollowUps', ...PARAMS },
			items: [{ json: { session_id: 'sess_1', from: ANN } }],
			credentials: fake.credentials,
		});
		expect(run.error?.message).toMatch(/Input has no message_id/);
		expect(run.error?.description).toMatch(/right after SendApi Trigger/);
	});
});
