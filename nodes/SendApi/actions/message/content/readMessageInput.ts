/**
 * One item's message fields read into plain, unchecked values (message/input.ts); the checks
 * come after, in message/.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { ParameterReader } from '../../../helpers/fastParameters';
import { nodeParameterReader } from '../../../helpers/fastParameters';
import type { MessageInput } from '../../../message/input';
import { groupRowsIntoSections } from '../../../message/interactive';
import type { MessageType } from '../../../transport/wire/messageBodies';
import { readMedia } from './readMedia';

/**
 * One item's message fields. `read` is how a parameter is read: `getNodeParameter` by default;
 * Send Bulk passes its fast reader (helpers/fastParameters.ts), which resolves simple `$json`
 * expressions without n8n's engine.
 */
export async function readMessageInput(
	context: IExecuteFunctions,
	itemIndex: number,
	type: MessageType,
	read: ParameterReader = nodeParameterReader(context),
): Promise<MessageInput> {
	const get = (name: string, fallback: unknown = '') => read(name, itemIndex, fallback);
	switch (type) {
		case 'text':
			return { type, text: get('text'), previewUrl: get('previewUrl', false) };
		case 'image':
		case 'video':
			return { type, media: await readMedia(context, itemIndex, read), caption: get('caption') };
		case 'audio':
			return { type, media: await readMedia(context, itemIndex, read) };
		case 'document':
			return {
				type,
				media: await readMedia(context, itemIndex, read),
				fileName: get('fileName'),
				caption: get('caption'),
			};
		case 'location':
			return {
				type,
				latitude: get('latitude', undefined),
				longitude: get('longitude', undefined),
				label: get('label'),
				address: get('address'),
			};
		case 'contact':
			return get('contactFormat', 'fields') === 'vcard'
				? { type, format: 'vcard', vcard: get('vcard') }
				: { type, format: 'fields', name: get('contactName'), phone: get('contactPhone') };
		case 'template':
			return readTemplate(get);
		case 'interactive':
			return readInteractive(get);
		case 'poll':
			return {
				type,
				question: get('pollQuestion'),
				options: get('pollOptions', []),
				allowMultipleAnswers: get('allowMultipleAnswers', false),
			};
	}
}

type Getter = (name: string, fallback?: unknown) => unknown;

function readTemplate(get: Getter): MessageInput {
	const base = {
		type: 'template' as const,
		name: get('templateName'),
		language: get('templateLanguage'),
	};
	if (get('componentsSource', 'bodyVariables') === 'json') {
		// An empty editor means "no components", not an empty JSON document to refuse.
		const json = get('componentsJson', '');
		return {
			...base,
			components: typeof json === 'string' && json.trim() === '' ? undefined : json,
		};
	}
	return { ...base, bodyVariables: get('bodyVariables', []) };
}

function readInteractive(get: Getter): MessageInput {
	const frame = {
		type: 'interactive' as const,
		body: get('bodyText'),
		header: get('headerText'),
		footer: get('footerText'),
	};
	if (get('interactiveType', 'button') === 'list') {
		const rows = collectionEntries(get('listRows', {}), 'row');
		return {
			...frame,
			kind: 'list',
			button: get('listButtonText'),
			sections: groupRowsIntoSections(rows),
		};
	}
	return { ...frame, kind: 'button', buttons: collectionEntries(get('buttons', {}), 'button') };
}

/** A fixedCollection's entries (`{button: [{…}, …]}`) as a plain list. */
function collectionEntries(value: unknown, key: string): IDataObject[] {
	const entries = (value as IDataObject | undefined)?.[key];
	return Array.isArray(entries) ? (entries as IDataObject[]) : [];
}
