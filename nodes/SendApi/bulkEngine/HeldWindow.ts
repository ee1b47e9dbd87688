/**
 * A rate window for requests whose arrival at the server is not known exactly.
 *
 * SendApi counts a request when it arrives, somewhere between the moment it is dispatched and
 * the moment its answer comes back. So a request's weight is held from dispatch until its answer
 * (`reserve` … `settle`), and from the answer for one more window (the sliding window records it
 * at answer time). The server holds the same weight over [arrival, arrival + window), which lies
 * inside [dispatch, answer + window): whenever the server counts a request, this window counts it
 * too, so however slow the network, what the engine admits the server admits. The price is the
 * latency of one request per window, small against the window's length; a fixed safety margin
 * would need guessing the worst latency instead.
 */
import { SlidingWindowLimiter, type SlidingWindowLimiterOpts } from './SlidingWindowLimiter';

export class HeldWindow {
	private readonly window: SlidingWindowLimiter;

	/** Weight dispatched and not answered yet. */
	private pending = 0;

	constructor(opts: SlidingWindowLimiterOpts) {
		this.window = new SlidingWindowLimiter(opts);
	}

	get limit(): number {
		return this.window.limit;
	}

	/** Answered entries still tracked (the in-flight weight takes no entries). */
	get size(): number {
		return this.window.size;
	}

	/** Weight that may be dispatched at `now` without waiting. */
	available(now: number): number {
		return Math.max(0, this.window.available(now) - this.pending);
	}

	/**
	 * Milliseconds until `weight` fits; Infinity when only answers to requests in flight can make
	 * room (their weight stays held until then, so no amount of waiting alone frees it).
	 */
	delayUntilAllowed(now: number, weight = 1): number {
		return this.window.delayUntilAllowed(now, weight + this.pending);
	}

	/** A request of `weight` leaves now. */
	reserve(weight: number): void {
		this.pending += weight;
	}

	/** It was refused in a way SendApi does not count (nothing was sent): nothing is held. */
	release(weight: number): void {
		this.pending = Math.max(0, this.pending - weight);
	}

	/** Its answer came back (or it failed) at `now`: held for one window from here. */
	settle(now: number, weight: number): void {
		this.pending = Math.max(0, this.pending - weight);
		this.window.record(now, weight);
	}
}
