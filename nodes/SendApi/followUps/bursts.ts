/**
 * Which messages form a burst, from the history's timestamps alone: every execution of a burst
 * reads the same history, so every one computes the same answer (docs/follow-up-messages.md).
 * Pure: no clock, no I/O.
 */

export interface TimedMessage {
	key: string;
	time: number;
}

export interface BurstRules {
	quietMs: number;
	maxWaitMs: number;
}

/** Each message once (a repeated delivery is stored once, but a history may list it twice), by time then id. */
export function inOrder<T extends TimedMessage>(messages: T[]): T[] {
	const byKey = new Map<string, T>();
	for (const message of messages) if (!byKey.has(message.key)) byKey.set(message.key, message);
	return [...byKey.values()].sort(
		(a, b) => a.time - b.time || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
	);
}

/**
 * Splits ordered messages into bursts: a message starts a new burst when the gap to the previous
 * message is longer than the Quiet Period, or when it comes Max Wait or later after its burst's
 * first message.
 */
export function splitIntoBursts<T extends TimedMessage>(ordered: T[], rules: BurstRules): T[][] {
	const bursts: T[][] = [];
	let current: T[] = [];
	for (const message of ordered) {
		const first = current[0];
		const previous = current[current.length - 1];
		const startsNew =
			first === undefined ||
			message.time - previous.time > rules.quietMs ||
			message.time - first.time >= rules.maxWaitMs;
		if (startsNew && current.length > 0) {
			bursts.push(current);
			current = [];
		}
		current.push(message);
	}
	if (current.length > 0) bursts.push(current);
	return bursts;
}

/**
 * Where the run of messages that holds `index` certainly starts: the latest message before it
 * whose predecessor is more than the Quiet Period earlier. Undefined when that cannot be known
 * from this window: the first message read came less than a Quiet Period after the window's
 * start (`windowStart`, epoch ms; undefined = the whole history was read), so an earlier
 * message may continue the run.
 */
export function runStart(
	ordered: TimedMessage[],
	index: number,
	quietMs: number,
	windowStart: number | undefined,
): number | undefined {
	for (let i = index; i > 0; i--) {
		if (ordered[i].time - ordered[i - 1].time > quietMs) return i;
	}
	if (windowStart === undefined) return 0;
	// A second of margin: SendApi may keep whole seconds, and from_date may be exclusive.
	return ordered[0].time - windowStart > quietMs + 1000 ? 0 : undefined;
}

export type BurstVerdict<T> =
	{ kind: 'last'; burst: T[] } | { kind: 'notLast'; later: T } | { kind: 'missing' };

/**
 * The verdict for the message `key`: the last of its burst (then the whole burst), not the last
 * (a later message of its burst exists), or not in `ordered` at all. `from` is where the
 * messages' run starts (see runStart): the bursts are split from there.
 */
export function verdictFor<T extends TimedMessage>(
	ordered: T[],
	key: string,
	rules: BurstRules,
	from: number,
): BurstVerdict<T> {
	const bursts = splitIntoBursts(ordered.slice(from), rules);
	for (const burst of bursts) {
		const index = burst.findIndex((message) => message.key === key);
		if (index === -1) continue;
		if (index < burst.length - 1) return { kind: 'notLast', later: burst[burst.length - 1] };
		return { kind: 'last', burst };
	}
	return { kind: 'missing' };
}
