/** Small JSON-value helpers shared by every layer above the transport. */
import type { IDataObject } from 'n8n-workflow';

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object literal (its prototype is Object's or none), so class instances are not walked into. */
export function isPlainObject(value: unknown): value is IDataObject {
	if (!isObject(value)) return false;
	const prototype = Object.getPrototypeOf(value) as unknown;
	return prototype === Object.prototype || prototype === null;
}

/**
 * JSON with object keys sorted, so the same content gives the same text in any key order. Fields
 * holding `undefined` are left out, as `JSON.stringify` leaves them out.
 */
export function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
	if (isObject(value)) {
		const fields = Object.keys(value)
			.sort()
			.filter((name) => value[name] !== undefined)
			.map((name) => `${JSON.stringify(name)}:${canonicalJson(value[name])}`);
		return `{${fields.join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}
