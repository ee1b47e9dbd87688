/** Which events a subscription covers, and which session a listener wants them from. */

/** Does a subscription pattern (`message.received`, `message.*`, `*`) cover `event`? */
export function eventMatches(pattern: string, event: string): boolean {
	if (pattern === '*' || pattern === event) return true;
	return pattern.endsWith('.*') && event.startsWith(pattern.slice(0, -1));
}

export function matchesAnyEvent(patterns: string[], event: string): boolean {
	return patterns.some((pattern) => eventMatches(pattern, event));
}

/** Session ids are opaque strings or integers; an empty filter means every session. */
export function matchesSession(filter: string, sessionId: unknown): boolean {
	const wanted = filter.trim();
	if (!wanted) return true;
	return sessionId !== undefined && sessionId !== null && String(sessionId).trim() === wanted;
}

/** Events are a set: same members in any order means no update is needed at SendApi. */
export function sameEvents(a: string[], b: string[]): boolean {
	const left = [...new Set(a)].sort();
	const right = [...new Set(b)].sort();
	return left.length === right.length && left.every((event, index) => event === right[index]);
}
