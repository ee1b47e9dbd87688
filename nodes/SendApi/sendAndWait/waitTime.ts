/**
 * Limit Wait Time, as n8n's own send-and-wait operations offer it: after an interval, or at a
 * date and time. Without a limit the execution waits until answered (n8n's WAIT_INDEFINITELY).
 */
import type { IDataObject } from 'n8n-workflow';

export type WaitLimit =
	| {
			limitType: 'afterTimeInterval';
			resumeAmount: number;
			resumeUnit: 'minutes' | 'hours' | 'days';
	  }
	| { limitType: 'atSpecifiedTime'; maxDateAndTime: string };

const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;

/** The limit chosen in Options → Limit Wait Time, or undefined when there is none. */
export function readWaitLimit(options: IDataObject): WaitLimit | undefined {
	const limit = options.limitWaitTime;
	const values =
		typeof limit === 'object' && limit !== null ? (limit as IDataObject).values : undefined;
	if (typeof values !== 'object' || values === null) return undefined;
	const v = values as IDataObject;
	if (v.limitType === 'atSpecifiedTime') {
		return { limitType: 'atSpecifiedTime', maxDateAndTime: String(v.maxDateAndTime ?? '') };
	}
	const unit = v.resumeUnit === 'minutes' || v.resumeUnit === 'days' ? v.resumeUnit : 'hours';
	return {
		limitType: 'afterTimeInterval',
		resumeAmount: Number(v.resumeAmount ?? 1),
		resumeUnit: unit,
	};
}

/**
 * When the wait ends (epoch ms), or a problem to tell the user. `isoAt` turns the date field into
 * an instant in the workflow's time zone (helpers/dates.ts).
 */
export function waitDeadline(
	limit: WaitLimit,
	now: number,
	isoAt: (value: string) => string | undefined,
): { deadline: number } | { problem: string } {
	if (limit.limitType === 'afterTimeInterval') {
		if (!Number.isFinite(limit.resumeAmount) || limit.resumeAmount <= 0) {
			return { problem: 'Amount must be a positive number' };
		}
		return { deadline: now + limit.resumeAmount * UNIT_MS[limit.resumeUnit] };
	}
	const iso = isoAt(limit.maxDateAndTime);
	if (iso === undefined) return { problem: 'Max Date and Time is not a date' };
	const deadline = Date.parse(iso);
	if (deadline <= now) return { problem: 'Max Date and Time is in the past' };
	return { deadline };
}
