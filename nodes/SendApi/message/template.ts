/** Template messages: name, language, and components as JSON or as body variables. */
import type { IDataObject } from 'n8n-workflow';

import { isObject } from '../transport/json';
import type { MessageContent } from '../transport/wire/messageBodies';
import type { MessageInput } from './input';
import { FIELD_LABELS, MessageInputError } from './inputError';
import { requireString } from './values';

export function validateTemplate(
	input: Extract<MessageInput, { type: 'template' }>,
): MessageContent {
	const name = requireString(input.name, FIELD_LABELS.templateName, 'name');
	const language = requireString(input.language, FIELD_LABELS.templateLanguage, 'language');
	const components =
		input.components !== undefined && input.components !== ''
			? parseComponents(input.components)
			: bodyVariableComponents(input.bodyVariables);
	return {
		type: 'template',
		name,
		language,
		components: components.length > 0 ? components : undefined,
	};
}

function parseComponents(value: unknown): IDataObject[] {
	const label = FIELD_LABELS.componentsJson;
	const example = 'e.g. [{"type":"body","parameters":[{"type":"text","text":"Ann"}]}]';
	let parsed: unknown = value;
	if (typeof value === 'string') {
		try {
			parsed = JSON.parse(value);
		} catch (error) {
			throw invalidJson(label, (error as Error).message, example);
		}
	}
	const list = Array.isArray(parsed) ? parsed : isObject(parsed) ? [parsed] : undefined;
	if (!list)
		throw new MessageInputError(
			label,
			'is not a list of components',
			`Enter a JSON array, ${example}.`,
			'components',
		);
	list.forEach((component, position) => {
		if (
			!isObject(component) ||
			typeof component.type !== 'string' ||
			component.type.trim() === ''
		) {
			throw new MessageInputError(
				label,
				`entry ${position + 1} has no "type"`,
				`Each component is an object with a type (header, body, button), ${example}.`,
				'components',
			);
		}
	});
	return list as IDataObject[];
}

function invalidJson(label: string, reason: string, example: string): MessageInputError {
	return new MessageInputError(
		label,
		`is not valid JSON (${reason})`,
		`Enter a JSON array, ${example}.`,
		'components',
	);
}

/** Body variables fill {{1}}, {{2}}… of the template body, in order. */
function bodyVariableComponents(value: unknown): IDataObject[] {
	const variables =
		value === undefined || value === null || value === ''
			? []
			: Array.isArray(value)
				? value
				: [value];
	if (variables.length === 0) return [];
	const parameters = variables.map((variable, position) => {
		const text =
			typeof variable === 'number'
				? String(variable)
				: typeof variable === 'string'
					? variable
					: '';
		if (text.trim() === '') {
			throw new MessageInputError(
				FIELD_LABELS.bodyVariables,
				`(variable ${position + 1}) is empty`,
				'WhatsApp refuses empty template variables. Fill it in or remove it.',
				'bodyVariables',
			);
		}
		return { type: 'text', text };
	});
	return [{ type: 'body', parameters }];
}
