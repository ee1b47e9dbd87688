/**
 * Per-row parameters for Send Bulk without n8n's expression engine, for the simple forms bulk
 * sends use (`={{ $json.phone }}`, `=Hi {{ $json.name }}!`): building n8n's data proxy for every
 * row and parameter is most of a row's CPU, and a `$json` path needs none of it.
 * Only a string parameter whose every `{{ … }}` is a plain `$json` property path takes this path,
 * and only when every value it finds is a string, finite number or boolean; anything else goes to
 * `getNodeParameter`, so n8n decides. The exact grammar and why each limit exists:
 * docs/bulk-sending.md, "Fast per-row parameters"; test/actions/fastParameters.test.ts checks every
 * form against n8n's own `getNodeParameter`.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { isSafeObjectProperty } from 'n8n-workflow';

import { isPlainObject } from '../transport/json';

/** Reads a parameter for one item, as `getNodeParameter(name, itemIndex, fallback)` does. */
export type ParameterReader = (name: string, itemIndex: number, fallback?: unknown) => unknown;

/** How many reads took the fast path and how many went to n8n (for tests). */
export interface FastParameterStats {
	fast: number;
	n8n: number;
}

/** One step of a `$json` path: a property name or an array index. */
type PathStep = string | number;

/** A parsed simple expression: text pieces and `$json` paths, in order. */
export interface SimpleExpression {
	/** The parameter is exactly one `{{ … }}`: its value is returned as it is, not as text. */
	whole: boolean;
	parts: Array<string | PathStep[]>;
}

/** The plain reader: n8n resolves every read. */
export function nodeParameterReader(context: IExecuteFunctions): ParameterReader {
	return (name, itemIndex, fallback) =>
		context.getNodeParameter(name, itemIndex, fallback) as unknown;
}

/**
 * A reader that resolves the simple forms above itself and hands every other read to
 * `getNodeParameter`. Each parameter is parsed once, on its first read.
 */
export function fastParameterReader(
	context: IExecuteFunctions,
	stats?: FastParameterStats,
): ParameterReader {
	const parameters = context.getNode().parameters;
	let items: INodeExecutionData[] | undefined;
	const parsed = new Map<string, SimpleExpression | null>();
	return (name, itemIndex, fallback) => {
		let expression = parsed.get(name);
		if (expression === undefined) {
			const raw = hasOwn(parameters, name) ? parameters[name] : undefined;
			expression = typeof raw === 'string' ? parseSimpleExpression(raw) : null;
			parsed.set(name, expression);
		}
		if (expression) {
			items ??= context.getInputData();
			const json = items[itemIndex]?.json;
			const value = json === undefined ? undefined : evaluateSimpleExpression(expression, json);
			if (value !== undefined) {
				if (stats) stats.fast++;
				return value;
			}
		}
		if (stats) stats.n8n++;
		return context.getNodeParameter(name, itemIndex, fallback) as unknown;
	};
}

const SEGMENT_SPACE = /^[ \t\r\n]*([^]*?)[ \t\r\n]*$/;
const IDENTIFIER = /^\.([A-Za-z_$][\w$]*)/;
const QUOTED = /^\[(?:"([^"\\{}\r\n\u2028\u2029]*)"|'([^'\\{}\r\n\u2028\u2029]*)')\]/;
const INDEX = /^\[(0|[1-9]\d{0,8})\]/;

/**
 * The simple form of a parameter value, or null when the value is not an expression or not one
 * of the supported forms.
 */
export function parseSimpleExpression(raw: string): SimpleExpression | null {
	if (!raw.startsWith('=')) return null;
	const body = raw.slice(1);
	if (body.includes('\\') || body.includes('constructor')) return null;
	const parts: SimpleExpression['parts'] = [];
	let position = 0;
	while (position < body.length) {
		const open = body.indexOf('{{', position);
		const text = body.slice(position, open === -1 ? body.length : open);
		if (/[{}]/.test(text)) return null;
		if (text !== '') parts.push(text);
		if (open === -1) break;
		const close = body.indexOf('}}', open + 2);
		if (close === -1) return null;
		const path = parsePath(body.slice(open + 2, close));
		if (!path) return null;
		parts.push(path);
		position = close + 2;
	}
	return { whole: parts.length === 1 && typeof parts[0] !== 'string', parts };
}

function parsePath(code: string): PathStep[] | null {
	let rest = SEGMENT_SPACE.exec(code)?.[1] ?? '';
	if (!rest.startsWith('$json')) return null;
	rest = rest.slice('$json'.length);
	const steps: PathStep[] = [];
	while (rest !== '') {
		let match: RegExpExecArray | null;
		let step: PathStep;
		if ((match = IDENTIFIER.exec(rest))) step = match[1];
		else if ((match = QUOTED.exec(rest))) step = match[1] ?? match[2];
		else if ((match = INDEX.exec(rest))) step = Number(match[1]);
		else return null;
		if (typeof step === 'string' && !isPlainName(step)) return null;
		steps.push(step);
		rest = rest.slice(match[0].length);
	}
	return steps.length > 0 ? steps : null;
}

/** A name n8n reads like any other: not refused by its sandbox, not special to JavaScript. */
function isPlainName(name: string): boolean {
	if (name === '$' || name in Object.prototype) return false;
	// An n8n without this check may refuse names we cannot know: leave those to n8n.
	if (typeof isSafeObjectProperty !== 'function') return false;
	return isSafeObjectProperty(name);
}

/**
 * The expression's value for one item, or undefined when a looked-up value is not a string, a
 * finite number or a boolean (then n8n must decide).
 */
export function evaluateSimpleExpression(
	expression: SimpleExpression,
	json: IDataObject,
): string | number | boolean | undefined {
	if (expression.whole) return lookUp(json, expression.parts[0] as PathStep[]);
	let text = '';
	for (const part of expression.parts) {
		if (typeof part === 'string') {
			text += part;
			continue;
		}
		const value = lookUp(json, part);
		if (value === undefined) return undefined;
		text += String(value);
	}
	return text;
}

function lookUp(json: IDataObject, path: PathStep[]): string | number | boolean | undefined {
	let value: unknown = json;
	for (const step of path) {
		const container = typeof step === 'number' ? Array.isArray(value) : isPlainObject(value);
		if (!container || !hasOwn(value as object, step)) return undefined;
		value = (value as Record<PathStep, unknown>)[step];
	}
	if (typeof value === 'string' || typeof value === 'boolean') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	return undefined;
}

function hasOwn(object: object, key: PathStep): boolean {
	return Object.prototype.hasOwnProperty.call(object, key);
}
