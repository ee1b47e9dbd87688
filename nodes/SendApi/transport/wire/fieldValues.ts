/**
 * How the wire reads a loose field and writes an optional one: an empty string counts as absent,
 * a number may arrive as digits, and an optional field with no value is left out of a request.
 * Shared by the other files of wire/; docs/wire-format.md explains the shapes they read and write.
 */
import type { IDataObject } from 'n8n-workflow';

/** A non-empty string, else `undefined`. */
export function asString(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A finite number, or digits as text, else `undefined`. */
export function toNumber(value: unknown): number | undefined {
	const n = typeof value === 'string' ? Number(value) : value;
	return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/**
 * Optional fields are left out, never sent as null: the documented shapes mark them optional, not
 * nullable.
 */
export function withOptional(base: IDataObject, optional: Record<string, unknown>): IDataObject {
	const result: IDataObject = { ...base };
	for (const [key, value] of Object.entries(optional)) {
		if (value !== undefined) result[key] = value as IDataObject[string];
	}
	return result;
}
