/** Scripted failures: the first matching fault with times > 0 fires and is decremented. */

export type FaultKind = '429' | '500' | '503' | 'drop' | 'slow' | 'malformedJson';

export interface Fault {
	/** HTTP method to match (any when omitted). */
	method?: string;
	/** Path to match: a string matches the exact path with or without the `/v1` prefix; a RegExp is tested on the full path. */
	path?: string | RegExp;
	kind: FaultKind;
	/** How many requests it fires for (default 1; Infinity for "always"). */
	times?: number;
	/** '429': Retry-After seconds (default 1). */
	retryAfterSeconds?: number;
	/** '429': exact wait; sets Retry-After-Ms (and Retry-After = ceil(ms/1000), min 1, unless retryAfterSeconds). */
	retryAfterMs?: number;
	/** '429': the error type (default rate_limit_exceeded; sending_limited is a session's own limit). */
	errorType?: 'rate_limit_exceeded' | 'sending_limited';
	/** 'slow': delay before the (normal) answer, default 1000 ms. */
	delayMs?: number;
	/**
	 * Process the request normally (messages created, idempotent answer stored) and only then
	 * replace the answer by the fault ('drop': the answer is lost; '500'/'503'/'429'/'malformedJson').
	 */
	afterProcessing?: boolean;
}

export interface ArmedFault extends Fault {
	remaining: number;
}

export class FaultQueue {
	private readonly list: ArmedFault[] = [];
	/** How many faults have fired so far. */
	fired = 0;

	push(...faults: Fault[]): this {
		for (const f of faults) this.list.push({ ...f, remaining: f.times ?? 1 });
		return this;
	}

	clear(): void {
		this.list.length = 0;
	}

	/** Faults that can still fire. */
	get pending(): readonly ArmedFault[] {
		return this.list.filter((f) => f.remaining > 0);
	}

	/** Finds, consumes and returns the fault for this request, if any. */
	take(method: string, path: string): ArmedFault | undefined {
		for (const f of this.list) {
			if (f.remaining <= 0) continue;
			if (f.method && f.method.toUpperCase() !== method.toUpperCase()) continue;
			if (f.path !== undefined) {
				if (typeof f.path === 'string') {
					if (path !== f.path && path !== `/v1${f.path}`) continue;
				} else {
					f.path.lastIndex = 0;
					if (!f.path.test(path)) continue;
				}
			}
			f.remaining -= 1;
			this.fired += 1;
			return f;
		}
		return undefined;
	}

	reset(): void {
		this.clear();
		this.fired = 0;
	}
}
