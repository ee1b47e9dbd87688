/**
 * A sliding-window counter: at any instant `t`, the weight recorded in the half-open interval
 * `(t - windowMs, t]` must not exceed `limit`. An event recorded at `ts` therefore frees its
 * weight exactly at `ts + windowMs`: a burst at 0 and a burst at `windowMs` never share a window.
 *
 * Pure questions (`used`, `available`, `delayUntilAllowed`) never change state; only `record`
 * does. Entries live in a growable ring buffer together with a running cumulative weight, so both
 * "how much is in the window" and "when will enough have expired" are binary searches (O(log n))
 * and expired entries are dropped on every `record`: memory follows the number of distinct
 * timestamps inside one window, never the length of the run.
 */

export interface SlidingWindowLimiterOpts {
	/** Most weight the window may hold: a positive integer, or Infinity for "no limit". */
	limit: number;
	/** Window length in milliseconds: a positive finite number. */
	windowMs: number;
	/** Starting ring size; it doubles when full. */
	initialCapacity?: number;
}

const DEFAULT_INITIAL_CAPACITY = 16;

export class SlidingWindowLimiter {
	readonly limit: number;

	readonly windowMs: number;

	private timestamps: Float64Array;

	/** cumulative[i] = total weight recorded up to and including entry i (physical slot). */
	private cumulative: Float64Array;

	private head = 0;

	private count = 0;

	/** Cumulative weight of everything already dropped: the "prefix" before the first entry. */
	private droppedWeight = 0;

	private totalWeight = 0;

	constructor(opts: SlidingWindowLimiterOpts) {
		assertLimiterOpts(opts);
		this.limit = opts.limit;
		this.windowMs = opts.windowMs;
		const capacity = opts.initialCapacity ?? DEFAULT_INITIAL_CAPACITY;
		this.timestamps = new Float64Array(capacity);
		this.cumulative = new Float64Array(capacity);
	}

	/** Entries currently held (expired ones are only dropped by `record`). */
	get size(): number {
		return this.count;
	}

	/** Slots allocated: the high-water mark of `size`, rounded up to a power of two. */
	get capacity(): number {
		return this.timestamps.length;
	}

	/** Weight inside the window ending at `now`. */
	used(now: number): number {
		return this.totalWeight - this.cumulativeBefore(this.firstLive(now));
	}

	/** Weight that may still be recorded at `now` without waiting (never negative). */
	available(now: number): number {
		return Math.max(0, this.limit - this.used(now));
	}

	/**
	 * Milliseconds from `now` until `weight` fits: 0 when it fits now, Infinity when it can never
	 * fit (weight above the limit). The answer assumes nothing else is recorded meanwhile.
	 */
	delayUntilAllowed(now: number, weight = 1): number {
		assertWeight(weight);
		if (weight > this.limit) return Infinity;
		const first = this.firstLive(now);
		const before = this.cumulativeBefore(first);
		const excess = this.totalWeight - before + weight - this.limit;
		if (excess <= 0) return 0;
		// The window frees weight entry by entry, oldest first: find the first entry whose
		// expiry releases at least `excess`.
		const releasing = this.firstReachingCumulative(first, before + excess);
		return Math.max(0, this.timestampAt(releasing) + this.windowMs - now);
	}

	/**
	 * Counts `weight` at `now`. Callers are expected to have asked `delayUntilAllowed` first; a
	 * record over the limit is still kept (it happened), and simply delays what comes next.
	 */
	record(now: number, weight = 1): void {
		assertWeight(weight);
		if (this.limit === Infinity) return;
		this.dropExpired(now);
		// A clock that steps back must not break the sorted order the searches rely on: keeping
		// the entry at the newest timestamp holds it longer, which errs on the safe side.
		const at = this.count > 0 ? Math.max(now, this.timestampAt(this.count - 1)) : now;
		this.totalWeight += weight;
		if (this.count > 0 && this.timestampAt(this.count - 1) === at) {
			// Same instant as the last entry (bursts, virtual clocks): merge instead of growing.
			this.cumulative[this.physical(this.count - 1)] = this.totalWeight;
			return;
		}
		if (this.count === this.timestamps.length) this.grow();
		const slot = this.physical(this.count);
		this.timestamps[slot] = at;
		this.cumulative[slot] = this.totalWeight;
		this.count++;
	}

	/** Drops entries that no longer count at `now`. `record` does this on its own. */
	dropExpired(now: number): void {
		const first = this.firstLive(now);
		if (first === 0) return;
		this.droppedWeight = this.cumulativeBefore(first);
		this.head = this.physical(first);
		this.count -= first;
	}

	private physical(logical: number): number {
		return (this.head + logical) % this.timestamps.length;
	}

	private timestampAt(logical: number): number {
		return this.timestamps[this.physical(logical)];
	}

	private cumulativeBefore(logical: number): number {
		return logical === 0 ? this.droppedWeight : this.cumulative[this.physical(logical - 1)];
	}

	/** Logical index of the first entry still inside the window at `now` (count if none). */
	private firstLive(now: number): number {
		let low = 0;
		let high = this.count;
		while (low < high) {
			const mid = (low + high) >>> 1;
			if (this.timestampAt(mid) + this.windowMs <= now) low = mid + 1;
			else high = mid;
		}
		return low;
	}

	/** Logical index (≥ from) of the first entry whose cumulative weight reaches `target`. */
	private firstReachingCumulative(from: number, target: number): number {
		let low = from;
		let high = this.count - 1;
		while (low < high) {
			const mid = (low + high) >>> 1;
			if (this.cumulative[this.physical(mid)] < target) low = mid + 1;
			else high = mid;
		}
		return low;
	}

	private grow(): void {
		const size = this.timestamps.length * 2;
		const timestamps = new Float64Array(size);
		const cumulative = new Float64Array(size);
		for (let i = 0; i < this.count; i++) {
			timestamps[i] = this.timestampAt(i);
			cumulative[i] = this.cumulative[this.physical(i)];
		}
		this.timestamps = timestamps;
		this.cumulative = cumulative;
		this.head = 0;
	}
}

function assertLimiterOpts(opts: SlidingWindowLimiterOpts): void {
	if (typeof opts !== 'object' || opts === null) {
		throw new TypeError('SlidingWindowLimiter: options object expected');
	}
	const { limit, windowMs } = opts;
	if (!isPositiveIntegerOrInfinity(limit)) {
		throw new TypeError(
			`SlidingWindowLimiter: limit must be a positive integer or Infinity, got ${String(limit)}`,
		);
	}
	if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0) {
		throw new TypeError(
			`SlidingWindowLimiter: windowMs must be a positive finite number, got ${String(windowMs)}`,
		);
	}
	const capacity = opts.initialCapacity;
	if (capacity !== undefined && (!Number.isInteger(capacity) || capacity < 1)) {
		throw new TypeError(
			`SlidingWindowLimiter: initialCapacity must be a positive integer, got ${String(capacity)}`,
		);
	}
}

function assertWeight(weight: number): void {
	// One comparison chain: this runs on every question, and NaN fails `> 0`.
	if (!(weight > 0 && weight < Infinity)) {
		throw new TypeError(
			`SlidingWindowLimiter: weight must be a positive finite number, got ${String(weight)}`,
		);
	}
}

export function isPositiveIntegerOrInfinity(value: unknown): value is number {
	return value === Infinity || (Number.isInteger(value) && (value as number) > 0);
}
