/**
 * How long Wait for Follow-up Messages waits, and the limits of its fields. The wait runs in the
 * execution, as n8n's Wait node does for waits under 65 seconds: an execution only ever waits one
 * Quiet Period (plus grace), whatever Max Wait is (docs/follow-up-messages.md).
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { waitUnlessCancelled } from '../transport';

/**
 * Module-level so tests can run on a virtual clock; nodes never change it. `graceMs` covers a
 * history that lists a message a moment after delivering it.
 */
export const followUpTiming = {
	graceMs: 1500,
	sleep: async (context: IExecuteFunctions, ms: number): Promise<void> =>
		await waitUnlessCancelled(context, ms),
};

/** Longest Quiet Period: the wait then stays under n8n's 65-second in-process limit. */
export const MAX_QUIET_PERIOD_S = 60;
/** Longest Max Wait: one day. */
export const MAX_MAX_WAIT_S = 86_400;
/** How much of Max Wait the first history read covers: a long Max Wait must not make every read long. */
export const FIRST_READ_MAX_WAIT_MS = 60_000;
/** How far back a read looks for the start of a sender's run of messages, beyond Max Wait. */
export const MAX_LOOKBACK_MS = 3_600_000;
