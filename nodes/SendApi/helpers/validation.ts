import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { normalisePhone, PHONE_FIX, splitPhoneList } from './phone';

/** How the message of every error of one input item starts: "Item 2: ", 1-based as the n8n UI counts. */
export function itemPrefix(itemIndex: number): string {
	return `Item ${itemIndex + 1}: `;
}

/** The message without the "Item 2: " that itemPrefix put in front of it. */
export function withoutItemPrefix(message: string): string {
	return message.replace(/^Item \d+: /, '');
}

/** The text ending as a sentence, so a fix can follow it. */
export function asSentence(text: string): string {
	return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** Bad input: names the item (1-based, as the n8n UI counts) and the field, and says what to change. */
export function inputError(
	context: IExecuteFunctions,
	itemIndex: number,
	field: string,
	problem: string,
	fix?: string,
): NodeOperationError {
	return new NodeOperationError(context.getNode(), `${itemPrefix(itemIndex)}${field} ${problem}`, {
		itemIndex,
		description: fix,
	});
}

export function requirePhone(
	context: IExecuteFunctions,
	value: unknown,
	itemIndex: number,
	field: string,
): string {
	const parsed = normalisePhone(value);
	if (parsed.ok) return parsed.e164;
	throw inputError(context, itemIndex, field, parsed.reason, PHONE_FIX);
}

export function requirePhoneList(
	context: IExecuteFunctions,
	value: unknown,
	itemIndex: number,
	field: string,
	{ min = 1, max = Infinity }: { min?: number; max?: number } = {},
): string[] {
	const numbers = splitPhoneList(value).map((entry, position) =>
		requirePhone(context, entry, itemIndex, `${field} (entry ${position + 1})`),
	);
	const unique = [...new Set(numbers)];
	if (unique.length < min) {
		throw inputError(
			context,
			itemIndex,
			field,
			`needs at least ${min} phone number${min > 1 ? 's' : ''}`,
		);
	}
	if (unique.length > max) {
		throw inputError(
			context,
			itemIndex,
			field,
			`has ${unique.length} numbers; at most ${max} are allowed`,
		);
	}
	return unique;
}

export function requireText(
	context: IExecuteFunctions,
	value: unknown,
	itemIndex: number,
	field: string,
	{ maxLength }: { maxLength?: number } = {},
): string {
	const text =
		typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	if (text === '')
		throw inputError(context, itemIndex, field, 'is empty', `Enter a value for ${field}.`);
	if (maxLength !== undefined && text.length > maxLength) {
		throw inputError(
			context,
			itemIndex,
			field,
			`is ${text.length} characters long; at most ${maxLength} are allowed`,
		);
	}
	return text;
}
