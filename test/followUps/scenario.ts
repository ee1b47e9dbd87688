/**
 * Runs Wait for Follow-up Messages on a virtual clock against the fake SendApi: messages arrive at
 * given seconds (stored with that time, as SendApi stores a message before delivering it), one
 * execution runs per message in arrival order, and the operation's waits move the clock, storing
 * every message due by then. What an execution reads is what SendApi would list at that moment.
 */
import type {
	IDataObject,
	INodeExecutionData,
	INodeParameters,
	WorkflowExecuteMode,
} from 'n8n-workflow';

import type { FakeSendApi, SimulateIncomingParams } from '../fake-sendapi';
import type { RunNodeResult } from '../helpers/runWorkflow';
import { runNode } from '../helpers/runWorkflow';
import { followUpTiming } from '../../nodes/SendApi/followUps/timing';

export const BASE = Date.parse('2026-12-01T10:00:00.000Z');

/** The fake's clock (pass `now: () => virtualClock.now` to useFakeSendApi). */
export const virtualClock = { now: BASE };

export interface Arrival extends Partial<SimulateIncomingParams> {
	/** Seconds after BASE. */
	at: number;
	from: string;
}

export interface Delivered {
	arrival: Arrival;
	item: INodeExecutionData;
}

export class Timeline {
	readonly slept: number[] = [];
	private readonly pending: Arrival[];
	readonly delivered: Delivered[] = [];

	constructor(
		private readonly fake: FakeSendApi,
		private readonly sessionId: string,
		arrivals: Arrival[],
	) {
		this.pending = [...arrivals].sort((a, b) => a.at - b.at);
	}

	/** Stores every message due by `ms` (epoch). */
	async storeUntil(ms: number): Promise<void> {
		while (this.pending.length > 0 && BASE + this.pending[0].at * 1000 <= ms) {
			const arrival = this.pending.shift() as Arrival;
			virtualClock.now = BASE + arrival.at * 1000;
			const { message } = await this.fake.simulateIncomingMessage({
				session_id: arrival.session_id ?? this.sessionId,
				text: arrival.text,
				media: arrival.media,
				from: arrival.from,
			});
			const item: IDataObject = {
				message_id: String(message.id),
				session_id: String(message.session_id),
				from: arrival.from,
				type: message.type,
				text: arrival.text,
				received_at: message.created_at,
				event: 'message.received',
			};
			this.delivered.push({ arrival, item: { json: item } });
		}
	}

	/** The execution for the n-th delivered message (0-based), its waits on this clock. */
	async execute(
		n: number,
		parameters: INodeParameters,
		credentials: { apiKey: string; baseUrl: string },
		mode: WorkflowExecuteMode = 'manual',
	): Promise<RunNodeResult> {
		const { arrival, item } = this.delivered[n];
		let clock = BASE + arrival.at * 1000;
		await this.storeUntil(clock);
		followUpTiming.sleep = async (_context, ms) => {
			this.slept.push(ms);
			clock += ms;
			await this.storeUntil(clock);
		};
		return await runNode({
			parameters: { resource: 'message', operation: 'waitForFollowUps', ...parameters },
			items: [item],
			credentials,
			mode,
		});
	}

	/** Delivers everything (in arrival order) and runs one execution per message. */
	async runAll(
		parameters: INodeParameters,
		credentials: { apiKey: string; baseUrl: string },
	): Promise<RunNodeResult[]> {
		const results: RunNodeResult[] = [];
		await this.storeUntil(BASE + (this.pending[0]?.at ?? 0) * 1000);
		for (let n = 0; n < this.delivered.length || this.pending.length > 0; n++) {
			if (n >= this.delivered.length) await this.storeUntil(BASE + this.pending[0].at * 1000);
			results.push(await this.execute(n, parameters, credentials));
		}
		return results;
	}
}
