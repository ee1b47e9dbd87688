/**
 * What the engine makes of a send callback's answer: a SendResult as given, anything else (or a
 * throw) as a failure that is not retried, and whether SendApi refused the request outright.
 */
import type { SendFailure, SendResult } from './types';

/** SendApi refused the request, so nothing of it was sent. */
export function isRefusal(failure: SendFailure): boolean {
	return (
		failure.refused === true ||
		failure.sessionUnavailable === true ||
		failure.planQuotaExceeded === true ||
		failure.balanceLow === true
	);
}

/** A callback that resolves to something that is not a SendResult is a caller bug: no retry. */
export function asSendResult(value: unknown): SendResult {
	if (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as SendResult).ok === 'boolean'
	) {
		return value as SendResult;
	}
	return { ok: false, retryable: false, reason: 'send callback returned no result' };
}

/**
 * The callbacks are meant to turn every HTTP outcome into a SendResult; a throw is unexpected,
 * so it is reported instead of retried (a retry could repeat a bug forever, with backoff).
 */
export function thrownAsFailure(error: unknown): SendFailure {
	const message = error instanceof Error ? error.message : String(error);
	return { ok: false, retryable: false, reason: `send failed: ${message}` };
}
