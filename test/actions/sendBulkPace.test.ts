/**
 * Too slow fails: Send Bulk, run inside n8n-core's engine against the fake SendApi, must finish
 * within 1.3× the limit-optimal time. The time is read from the fake's own timeline (first to
 * last accepted send, as the server logged their arrival), not from a stopwatch around the test,
 * and the window is a scaled "minute" of a full second, so a machine busy enough to delay each
 * window's sends by a few hundred milliseconds still passes, while a run paced at half the allowed
 * rate (two windows per window's worth) cannot.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { useFakeSendApi } from '../helpers/fakeServer';
import { runNode } from '../helpers/runWorkflow';

const fake = useFakeSendApi();

/** The scaled "minute". */
const WINDOW_MS = 1_000;

/** Growth's numbers, as literals: 60 messages a window for the plan, 30 per session. */
const PLAN_PER_WINDOW = 60;
const SESSION_PER_WINDOW = 30;

/** What the optimum allows: each window's worth all at once, so (N - 1) / rate windows. */
const MAX_RATIO = 1.3;

function items(count: number): INodeExecutionData[] {
	return Array.from({ length: count }, (_, row) => ({
		json: { phone: `+4477009${String(20_000 + row).padStart(5, '0')}`, name: `Ann ${row}` },
	}));
}

/** First to last accepted send, as the fake logged their arrival. */
function acceptedSpanMs(): number {
	const accepted = fake.api.requests
		.filter((r) => r.method === 'POST' && r.path.endsWith('/send') && r.status === 200)
		.map((r) => r.at)
		.sort((a, b) => a - b);
	return accepted[accepted.length - 1] - accepted[0];
}

describe('Send Bulk: pace against the optimum', () => {
	test('Growth on one session (30 a window) sends 91 personalised rows in at most 1.3× the optimum', async () => {
		fake.api.setLimits({
			windowMs: WINDOW_MS,
			planMessagesPerWindow: PLAN_PER_WINDOW,
			requestsPerWindow: 300,
			sessionMessagesPerWindow: SESSION_PER_WINDOW,
		});
		const session = fake.api.seedSession();
		const rows = 91;
		const { outputs, error } = await runNode({
			parameters: {
				resource: 'message',
				operation: 'sendBulk',
				sessions: { session: [{ id: { __rl: true, mode: 'id', value: String(session.id) } }] },
				to: '={{ $json.phone }}',
				messageType: 'text',
				text: '=Hi {{ $json.name }}',
				plan: 'growth',
				options: { rateWindowMs: WINDOW_MS },
			},
			items: items(rows),
			credentials: fake.credentials,
		});

		expect(error).toBeUndefined();
		expect(outputs[0].filter((item) => item.json.status === 'sent')).toHaveLength(rows);
		expect(fake.api.refused429).toBe(0);
		// 91 rows at 30 a window: 30 at once, then 30 at 1, 2 and 3 windows (the last one alone).
		const optimalMs = 3 * WINDOW_MS;
		const span = acceptedSpanMs();
		expect(span).toBeGreaterThanOrEqual(optimalMs);
		expect(span / optimalMs).toBeLessThanOrEqual(MAX_RATIO);
	});
});
