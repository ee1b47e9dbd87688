/**
 * What one execution of Wait for Follow-up Messages decides for its message: wait a Quiet Period
 * (plus grace) on the execution's own clock, read the sender's history, then stop (a later message
 * of the same burst exists: its execution answers) or continue with the whole burst (this message
 * is the burst's last). SendApi stores a message before delivering it, so any later message of the
 * burst is listed by then. Without a usable history the execution continues with its own message
 * only, marked `history: 'unavailable'`: nothing is lost, at the cost of answering that message
 * alone (docs/follow-up-messages.md).
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { verdictFor } from './bursts';
import { claimBurst } from './claims';
import type { FollowUpRequest, TimedHistoryMessage } from './senderHistory';
import { phoneDigits, readSenderChain } from './senderHistory';
import { followUpTiming } from './timing';

export type BurstOutcome =
	| { kind: 'stop'; reason: 'later message' | 'already answered'; reads: number }
	| { kind: 'burst'; burst: TimedHistoryMessage[]; reads: number }
	| { kind: 'unavailable'; reason: string; reads: number };

export async function awaitBurst(
	this: IExecuteFunctions,
	request: FollowUpRequest,
	itemIndex: number,
): Promise<BurstOutcome> {
	await followUpTiming.sleep(this, request.quietMs + followUpTiming.graceMs);
	let reads = 0;
	for (let attempt = 0; attempt < 2; attempt++) {
		// A history slower than the grace gets one more grace before the fallback.
		if (attempt > 0) await followUpTiming.sleep(this, followUpTiming.graceMs);
		let chain;
		try {
			chain = await readSenderChain.call(this, request, itemIndex);
		} catch (error) {
			return { kind: 'unavailable', reason: (error as Error).message, reads: reads + 1 };
		}
		reads += chain.reads;
		if (chain.kind === 'missing') continue;
		const verdict = verdictFor(chain.ordered, chain.key, request, chain.start);
		if (verdict.kind === 'notLast') return { kind: 'stop', reason: 'later message', reads };
		if (verdict.kind === 'missing') continue;
		return claimed(this, request, chain.key)
			? { kind: 'burst', burst: verdict.burst, reads }
			: { kind: 'stop', reason: 'already answered', reads };
	}
	return {
		kind: 'unavailable',
		reason: 'SendApi’s message history does not list this message',
		reads,
	};
}

/**
 * Two executions for one last message (a repeated delivery) must not both answer. Manual runs in
 * the editor are left out: running a pinned message again there is meant to answer again.
 */
function claimed(context: IExecuteFunctions, request: FollowUpRequest, key: string): boolean {
	if (context.getMode() === 'manual') return true;
	const burstKey = `${request.sessionId}|${phoneDigits(request.sender)}|${key}`;
	return claimBurst(burstKey, String(context.getExecutionId() ?? ''));
}
