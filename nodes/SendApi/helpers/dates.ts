/**
 * n8n dateTime fields hold a wall-clock time without an offset ("2024-05-01T09:00:00") meant in
 * the workflow's time zone, or, from an expression, a Luxon DateTime, a JS Date or an ISO string.
 * SendApi wants an unambiguous ISO 8601 instant, so every form is turned into UTC here.
 */

const WALL_CLOCK =
	/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/;

/** The instant as ISO 8601 in UTC, or undefined when the value is not a date. */
export function toIsoDateTime(value: unknown, timeZone: string): string | undefined {
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
	if (hasToIso(value)) return toIsoDateTime(value.toISO(), timeZone);
	if (typeof value !== 'string' || value.trim() === '') return undefined;
	const text = value.trim();
	const wallClock = WALL_CLOCK.exec(text);
	if (wallClock) {
		const [year, month, day, hour, minute, second, fraction] = wallClock.slice(1);
		const fields = [year, month, day, hour, minute, second].map((part) => Number(part ?? 0));
		return wallClockToUtc([...fields, Number((fraction ?? '0').padEnd(3, '0'))], timeZone);
	}
	const parsed = Date.parse(text);
	return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
}

function hasToIso(value: unknown): value is { toISO: () => string | null } {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as { toISO?: unknown }).toISO === 'function'
	);
}

function wallClockToUtc(parts: number[], timeZone: string): string | undefined {
	const [year, month, day, hour, minute, second, millisecond] = parts;
	const asUtc = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
	const check = new Date(asUtc);
	// Date.UTC rolls 2024-02-30 over into March: such a date is refused, not moved.
	if (Number.isNaN(asUtc) || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
		return undefined;
	// The zone's offset at that moment; taken twice so a time next to a DST change lands right.
	const first = asUtc - offsetMs(asUtc, timeZone);
	const instant = asUtc - offsetMs(first, timeZone);
	return new Date(instant).toISOString();
}

/** How far the zone's wall clock is ahead of UTC at `instant`. */
function offsetMs(instant: number, timeZone: string): number {
	let format: Intl.DateTimeFormat;
	try {
		format = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
		});
	} catch {
		// An unknown zone name: UTC is the only reading that does not invent an offset.
		return 0;
	}
	const parts = Object.fromEntries(
		format.formatToParts(instant).map((part) => [part.type, Number(part.value)]),
	);
	const wall = Date.UTC(
		parts.year,
		parts.month - 1,
		parts.day,
		parts.hour,
		parts.minute,
		parts.second,
	);
	return wall - Math.floor(instant / 1000) * 1000;
}
