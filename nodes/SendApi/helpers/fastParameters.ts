/**
 * Per-row parameters for Send Bulk without n8n's expression engine, for the few simple forms that
 * bulk sends use (`={{ $json.phone }}`, `=Hi {{ $json.name }}, your code is {{ $json.code }}.`).
 *
 * Why: Send Bulk reads `to` and the message fields once per row, and every `getNodeParameter` on
 * an expression builds n8n's data proxy (and a luxon DateTime) before running the expression:
 * about 0.2 ms per parameter per row, a quarter of the whole per-row CPU in
 * `bench/run.ts --only=unpaced-send-2k --profile=…`. Looking up `$json.phone` in the row does
 * not need any of that: with this reader, reading the rows fell from about 0.36 to 0.02 ms per
 * row in that profile, and the scenario's full-path CPU from about 1.75 to 1.55 ms per row.
 *
 * Scope, exactly. A parameter takes the fast path only when its raw value (from
 * `getNode().parameters`) is a string starting with `=`, and every `{{ … }}` in it holds nothing
 * but a `$json` property path, with optional spaces, tabs or line breaks around it:
 *
 *   path    = "$json" step+
 *   step    = "." identifier | "[" quoted "]" | "[" index "]"
 *   identifier = [A-Za-z_$][A-Za-z0-9_$]*      e.g. $json.a.b
 *   quoted  = "…" or '…' without that quote, \, {, } or a line break   e.g. $json["a b"]
 *   index   = 0 or [1-9][0-9]{0,8}                                      e.g. $json.list[0]
 *
 * Text between the segments is kept as it is, but may not hold `{`, `}` or `\` (n8n gives `{{`,
 * `}}` and backslashes meanings of their own); text alone (`=Hello`) is supported too. Names that
 * n8n's expression sandbox refuses, names of Object.prototype (`constructor`, `toString`…) and `$`
 * are not supported, nor is a parameter containing `constructor` anywhere (n8n refuses
 * `.constructor` even in the text).
 * Everything else — calls, operators, `??`, `?.`, `$('Node')`, `$input`, extension methods,
 * unclosed braces — is left to n8n.
 *
 * Per row, each path is looked up in that item's `json`: names only in plain objects, indexes only
 * in arrays, own properties only. The fast value is used only when every looked-up value is a
 * string, a finite number or a boolean; anything else (missing, null, an object, NaN…) sends that
 * row's read to `getNodeParameter`, so n8n decides. A parameter that is one `{{ … }}` and nothing
 * else gives the value itself (a number stays a number); any other form gives the text with each
 * value written as `String(value)`, which is what n8n's template join does for these types
 * (`1e21` → `1e+21`, `false` → `false`, `-0` → `0`). test/fastParameters.test.ts checks every
 * form against n8n's own `getNodeParameter` (on n8n's default engine, and on its QuickJS engine
 * when run with NODE_OPTIONS=--experimental-vm-modules).
 *
 * Constant (non-expression) parameters still go through `getNodeParameter`: they do not build the
 * data proxy, so they cost about 0.01 ms per read already.
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
