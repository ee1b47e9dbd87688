/**
 * The message-content fields shared by Send and Send Bulk (each shows the types it supports), and
 * how one item's values are read from them into the pure payload builder.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { readBinaryMedia } from '../../helpers/binary';
import type { ParameterReader } from '../../helpers/fastParameters';
import { nodeParameterReader } from '../../helpers/fastParameters';
import type { MediaInput, MessageInput } from '../../helpers/messagePayload';
import {
	buildMessagePayload,
	FIELD_LABELS,
	groupRowsIntoSections,
} from '../../helpers/messagePayload';
import { asInputError } from '../../helpers/validation';
import type { MessageFragment, MessageType } from '../../transport/wire/messageBodies';

const MEDIA_TYPES: MessageType[] = ['image', 'video', 'audio', 'document'];

const TYPE_OPTIONS: Array<{ name: string; value: MessageType; description: string }> = [
	{ name: 'Audio', value: 'audio', description: 'A voice note or audio file' },
	{ name: 'Contact', value: 'contact', description: 'A contact card (vCard)' },
	{ name: 'Document', value: 'document', description: 'A file such as a PDF, with its file name' },
	{ name: 'Image', value: 'image', description: 'A picture with an optional caption' },
	{
		name: 'Interactive',
		value: 'interactive',
		description: 'Reply buttons or a list to pick from',
	},
	{ name: 'Location', value: 'location', description: 'A pin on the map' },
	{ name: 'Poll', value: 'poll', description: 'A question with 2 to 12 options to vote on' },
	{ name: 'Template', value: 'template', description: 'A pre-approved WhatsApp template' },
	{ name: 'Text', value: 'text', description: 'A plain text message' },
	{ name: 'Video', value: 'video', description: 'A video with an optional caption' },
];

export function messageTypeField(types: readonly MessageType[]): INodeProperties {
	return {
		displayName: 'Message Type',
		name: 'messageType',
		type: 'options',
		noDataExpression: true,
		options: TYPE_OPTIONS.filter((option) => types.includes(option.value)),
		default: 'text',
	};
}

/** A field shown for some message types (and, optionally, further conditions). */
interface ContentField {
	types: MessageType[];
	property: INodeProperties;
}

const contentFields: ContentField[] = [
	{
		types: ['text'],
		property: {
			displayName: FIELD_LABELS.text,
			name: 'text',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			required: true,
			description: 'The message. WhatsApp formatting works: *bold*, _italic_, ~strikethrough~.',
		},
	},
	{
		types: ['text'],
		property: {
			displayName: 'Link Preview',
			name: 'previewUrl',
			type: 'boolean',
			default: false,
			description: 'Whether WhatsApp shows a preview of the first link in the text',
		},
	},
	{
		types: MEDIA_TYPES,
		property: {
			displayName: 'Media Source',
			name: 'mediaSource',
			type: 'options',
			options: [
				{
					name: 'Binary Field',
					value: 'binary',
					description: 'A file from an earlier node, sent as base64',
				},
				{ name: 'URL', value: 'url', description: 'A public link that SendApi downloads' },
			],
			default: 'url',
		},
	},
	{
		types: MEDIA_TYPES,
		property: {
			displayName: FIELD_LABELS.mediaUrl,
			name: 'mediaUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://example.com/photo.jpg',
			description: 'Public http(s) link to the file',
			displayOptions: { show: { mediaSource: ['url'] } },
		},
	},
	{
		types: MEDIA_TYPES,
		property: {
			displayName: FIELD_LABELS.binaryPropertyName,
			name: 'binaryPropertyName',
			type: 'string',
			default: 'data',
			required: true,
			hint: 'The name of the input binary field containing the file to be sent',
			displayOptions: { show: { mediaSource: ['binary'] } },
		},
	},
	{
		types: ['image', 'video', 'document'],
		property: {
			displayName: 'Caption',
			name: 'caption',
			type: 'string',
			typeOptions: { rows: 2 },
			default: '',
			description: 'Text shown under the media',
		},
	},
	{
		types: ['document'],
		property: {
			displayName: FIELD_LABELS.fileName,
			name: 'fileName',
			type: 'string',
			default: '',
			placeholder: 'invoice.pdf',
			description:
				"The file name the recipient sees, with its extension. Defaults to the binary file's name or the last part of the URL.",
		},
	},
	{
		types: ['location'],
		property: {
			displayName: FIELD_LABELS.latitude,
			name: 'latitude',
			type: 'number',
			typeOptions: { minValue: -90, maxValue: 90, numberPrecision: 6 },
			default: 0,
			required: true,
			description: 'Decimal degrees, -90 (south) to 90 (north)',
		},
	},
	{
		types: ['location'],
		property: {
			displayName: FIELD_LABELS.longitude,
			name: 'longitude',
			type: 'number',
			typeOptions: { minValue: -180, maxValue: 180, numberPrecision: 6 },
			default: 0,
			required: true,
			description: 'Decimal degrees, -180 (west) to 180 (east)',
		},
	},
	{
		types: ['location'],
		property: {
			displayName: 'Label',
			name: 'label',
			type: 'string',
			default: '',
			placeholder: 'Head office',
			description: 'Name of the place, shown above the address',
		},
	},
	{
		types: ['location'],
		property: {
			displayName: 'Address',
			name: 'address',
			type: 'string',
			default: '',
			placeholder: '1 Example Street, London',
		},
	},
	{
		types: ['contact'],
		property: {
			displayName: 'Contact Format',
			name: 'contactFormat',
			type: 'options',
			options: [
				{ name: 'Name and Phone', value: 'fields', description: 'The node writes the vCard' },
				{ name: 'Raw vCard', value: 'vcard', description: 'Paste or map a whole vCard' },
			],
			default: 'fields',
		},
	},
	{
		types: ['contact'],
		property: {
			displayName: FIELD_LABELS.contactName,
			name: 'contactName',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'Ann Example',
			displayOptions: { show: { contactFormat: ['fields'] } },
		},
	},
	{
		types: ['contact'],
		property: {
			displayName: FIELD_LABELS.contactPhone,
			name: 'contactPhone',
			type: 'string',
			default: '',
			required: true,
			placeholder: '+447700900000',
			description: 'With country code',
			displayOptions: { show: { contactFormat: ['fields'] } },
		},
	},
	{
		types: ['contact'],
		property: {
			displayName: FIELD_LABELS.vcard,
			name: 'vcard',
			type: 'string',
			typeOptions: { rows: 6 },
			default: '',
			required: true,
			placeholder: 'BEGIN:VCARD\nVERSION:3.0\nFN:Ann Example\nTEL:+447700900000\nEND:VCARD',
			displayOptions: { show: { contactFormat: ['vcard'] } },
		},
	},
	{
		types: ['template'],
		property: {
			displayName: FIELD_LABELS.templateName,
			name: 'templateName',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'order_update',
			description: 'The name of the approved template',
		},
	},
	{
		types: ['template'],
		property: {
			displayName: FIELD_LABELS.templateLanguage,
			name: 'templateLanguage',
			type: 'string',
			default: 'en_US',
			required: true,
			description: 'The language code the template was approved in, e.g. en_US or pt_BR',
		},
	},
	{
		types: ['template'],
		property: {
			displayName: 'Components',
			name: 'componentsSource',
			type: 'options',
			options: [
				{
					name: 'Body Variables',
					value: 'bodyVariables',
					description: 'Fill {{1}}, {{2}}… of the template body',
				},
				{
					name: 'JSON',
					value: 'json',
					description: 'Write the components array yourself (headers, buttons…)',
				},
			],
			default: 'bodyVariables',
		},
	},
	{
		types: ['template'],
		property: {
			displayName: FIELD_LABELS.bodyVariables,
			name: 'bodyVariables',
			type: 'string',
			typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Variable' },
			default: [],
			description:
				'Values for {{1}}, {{2}}… in order. Leave empty for a template without variables.',
			displayOptions: { show: { componentsSource: ['bodyVariables'] } },
		},
	},
	{
		types: ['template'],
		property: {
			displayName: FIELD_LABELS.componentsJson,
			name: 'componentsJson',
			type: 'json',
			default: '[]',
			description: 'The template components, as in the WhatsApp template API',
			placeholder: '[{"type":"body","parameters":[{"type":"text","text":"Ann"}]}]',
			displayOptions: { show: { componentsSource: ['json'] } },
		},
	},
	{
		types: ['interactive'],
		property: {
			displayName: 'Interactive Type',
			name: 'interactiveType',
			type: 'options',
			options: [
				{
					name: 'Reply Buttons',
					value: 'button',
					description: 'Up to 3 buttons under the message',
				},
				{ name: 'List', value: 'list', description: 'A button that opens a list of choices' },
			],
			default: 'button',
		},
	},
	{
		types: ['interactive'],
		property: {
			displayName: FIELD_LABELS.bodyText,
			name: 'bodyText',
			type: 'string',
			typeOptions: { rows: 3 },
			default: '',
			required: true,
			description: 'The message above the buttons or list',
		},
	},
	{
		types: ['interactive'],
		property: {
			displayName: 'Header Text',
			name: 'headerText',
			type: 'string',
			default: '',
			description: 'Optional bold line above the body',
		},
	},
	{
		types: ['interactive'],
		property: {
			displayName: 'Footer Text',
			name: 'footerText',
			type: 'string',
			default: '',
			description: 'Optional small print below the body',
		},
	},
	{
		types: ['interactive'],
		property: {
			displayName: FIELD_LABELS.buttons,
			name: 'buttons',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: 'Add Button',
			default: {},
			description: '1 to 3 reply buttons. The reply carries the ID of the button pressed.',
			displayOptions: { show: { interactiveType: ['button'] } },
			options: [
				{
					displayName: 'Button',
					name: 'button',
					values: [
						{ displayName: 'ID', name: 'id', type: 'string', default: '', placeholder: 'yes' },
						{
							displayName: 'Title',
							name: 'title',
							type: 'string',
							default: '',
							placeholder: 'Yes, please',
						},
					],
				},
			],
		},
	},
	{
		types: ['interactive'],
		property: {
			displayName: FIELD_LABELS.listButtonText,
			name: 'listButtonText',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'Choose a slot',
			description: 'Label of the button that opens the list',
			displayOptions: { show: { interactiveType: ['list'] } },
		},
	},
	{
		types: ['interactive'],
		property: {
			displayName: FIELD_LABELS.listRows,
			name: 'listRows',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: 'Add Row',
			default: {},
			description:
				'The choices. Rows with the same Section Title are grouped under it. The reply carries the ID of the row picked.',
			displayOptions: { show: { interactiveType: ['list'] } },
			options: [
				{
					displayName: 'Row',
					name: 'row',
					values: [
						{
							displayName: 'Section Title',
							name: 'section',
							type: 'string',
							default: '',
							placeholder: 'Morning',
						},
						{ displayName: 'ID', name: 'id', type: 'string', default: '', placeholder: 'slot_9am' },
						{
							displayName: 'Title',
							name: 'title',
							type: 'string',
							default: '',
							placeholder: '9:00',
						},
						{ displayName: 'Description', name: 'description', type: 'string', default: '' },
					],
				},
			],
		},
	},
	{
		types: ['poll'],
		property: {
			displayName: FIELD_LABELS.pollQuestion,
			name: 'pollQuestion',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'Which day suits you?',
		},
	},
	{
		types: ['poll'],
		property: {
			displayName: FIELD_LABELS.pollOptions,
			name: 'pollOptions',
			type: 'string',
			typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Poll Option' },
			default: [],
			description: '2 to 12 different answers to vote on',
		},
	},
	{
		types: ['poll'],
		property: {
			displayName: 'Allow Multiple Answers',
			name: 'allowMultipleAnswers',
			type: 'boolean',
			default: false,
			description: 'Whether a voter may pick more than one option',
		},
	},
];

/** The content fields for `types`, each shown only for the types it belongs to. */
export function messageContentFields(types: readonly MessageType[]): INodeProperties[] {
	return contentFields
		.map(({ types: fieldTypes, property }) => ({
			property,
			shownFor: fieldTypes.filter((t) => types.includes(t)),
		}))
		.filter(({ shownFor }) => shownFor.length > 0)
		.map(({ property, shownFor }) => ({
			...property,
			displayOptions: { show: { ...(property.displayOptions?.show ?? {}), messageType: shownFor } },
		}));
}

/**
 * One item's message fragment, checked before anything is sent. A bad value becomes an error that
 * names the item and the field.
 */
export async function messagePayloadForItem(
	context: IExecuteFunctions,
	itemIndex: number,
	type: MessageType,
): Promise<MessageFragment> {
	const input = await readMessageInput(context, itemIndex, type);
	try {
		return buildMessagePayload(input);
	} catch (error) {
		throw asInputError(context, itemIndex, error);
	}
}

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

async function readMedia(
	context: IExecuteFunctions,
	itemIndex: number,
	read: ParameterReader,
): Promise<MediaInput> {
	const source = read('mediaSource', itemIndex, 'url');
	if (source === 'url') return { source: 'url', url: read('mediaUrl', itemIndex, '') };
	const property = String(read('binaryPropertyName', itemIndex, 'data') ?? '');
	return await readBinaryMedia(context, itemIndex, property, FIELD_LABELS.binaryPropertyName);
}

/** A fixedCollection's entries (`{button: [{…}, …]}`) as a plain list. */
function collectionEntries(value: unknown, key: string): IDataObject[] {
	const entries = (value as IDataObject | undefined)?.[key];
	return Array.isArray(entries) ? (entries as IDataObject[]) : [];
}
