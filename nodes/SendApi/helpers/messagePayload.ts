/**
 * Builds the message part of a send or send-bulk body from plain values: n8n parameters for the
 * Send operation, spreadsheet cells for the bulk engine. Pure: it throws a MessageInputError that
 * names the field, and callers add which item or row it came from. Where each value goes on the
 * wire is decided in transport/dialect.ts.
 */
import type { IDataObject } from 'n8n-workflow';

import type {
	InteractiveContent,
	ListSection,
	MediaContent,
	MessageContent,
	MessageFragment,
	MessageType,
} from '../transport/wire/messageBodies';
import { messageFragment } from '../transport/wire/messageBodies';
import { canonicalJson, isObject } from '../transport/json';
import { mimeTypeOfExtension, usualExtension } from '../transport/mime';
import { normalisePhone, PHONE_FIX } from './phone';

/** A value the user must change. `field` is the label the user sees, `key` the input property. */
export class MessageInputError extends Error {
	constructor(
		readonly field: string,
		readonly problem: string,
		readonly fix?: string,
		readonly key?: string,
	) {
		super(`${field} ${problem}`);
		this.name = 'MessageInputError';
	}
}

/** Labels used in errors; the Send operation's fields carry the same display names. */
export const FIELD_LABELS = {
	text: 'Text',
	mediaUrl: 'Media URL',
	binaryPropertyName: 'Input Binary Field',
	fileName: 'File Name',
	latitude: 'Latitude',
	longitude: 'Longitude',
	contactName: 'Contact Name',
	contactPhone: 'Contact Phone',
	vcard: 'vCard',
	templateName: 'Template Name',
	templateLanguage: 'Language',
	componentsJson: 'Components (JSON)',
	bodyVariables: 'Body Variables',
	bodyText: 'Body Text',
	buttons: 'Buttons',
	listButtonText: 'Button Text',
	listRows: 'List Rows',
	pollQuestion: 'Poll Question',
	pollOptions: 'Poll Options',
} as const;

export const POLL_MIN_OPTIONS = 2;
export const POLL_MAX_OPTIONS = 12;
export const MAX_REPLY_BUTTONS = 3;

/** Media as the caller has it: a link, or a file already read into base64. */
export type MediaInput =
	| { source: 'url'; url: unknown }
	| { source: 'binary'; base64: string; mimeType?: string; fileName?: string; property?: string };

/** One message as plain, unchecked values. */
export type MessageInput =
	| { type: 'text'; text: unknown; previewUrl?: unknown }
	| { type: 'image' | 'video'; media: MediaInput; caption?: unknown }
	| { type: 'audio'; media: MediaInput }
	| { type: 'document'; media: MediaInput; fileName?: unknown; caption?: unknown }
	| { type: 'location'; latitude: unknown; longitude: unknown; label?: unknown; address?: unknown }
	| { type: 'contact'; format: 'fields'; name: unknown; phone: unknown }
	| { type: 'contact'; format: 'vcard'; vcard: unknown }
	| {
			type: 'template';
			name: unknown;
			language: unknown;
			/** JSON text, an array of components, or nothing. Wins over `bodyVariables`. */
			components?: unknown;
			bodyVariables?: unknown;
	  }
	| {
			type: 'interactive';
			kind: 'button';
			body: unknown;
			header?: unknown;
			footer?: unknown;
			buttons: Array<{ id?: unknown; title?: unknown }>;
	  }
	| {
			type: 'interactive';
			kind: 'list';
			body: unknown;
			header?: unknown;
			footer?: unknown;
			button: unknown;
			sections: Array<{
				title?: unknown;
				rows: Array<{ id?: unknown; title?: unknown; description?: unknown }>;
			}>;
	  }
	| { type: 'poll'; question: unknown; options: unknown; allowMultipleAnswers?: unknown };

/** Checks one message and returns its wire fragment `{type, <type>: {…}, content?}`. */
export function buildMessagePayload(input: MessageInput): MessageFragment {
	return messageFragment(validateMessage(input));
}

export function validateMessage(input: MessageInput): MessageContent {
	switch (input.type) {
		case 'text':
			return {
				type: 'text',
				body: requireBody(input.text, 'text'),
				previewUrl: toBoolean(input.previewUrl),
			};
		case 'image':
		case 'video':
			return {
				type: input.type,
				media: validateMedia(input.type, input.media),
				caption: optionalText(input.caption),
			};
		case 'audio':
			return { type: 'audio', media: validateMedia('audio', input.media) };
		case 'document':
			return validateDocument(input);
		case 'location':
			return validateLocation(input);
		case 'contact':
			return validateContact(input);
		case 'template':
			return validateTemplate(input);
		case 'interactive':
			return { type: 'interactive', interactive: validateInteractive(input) };
		case 'poll':
			return validatePoll(input);
		default:
			throw new MessageInputError(
				'Message Type',
				`"${String((input as { type: unknown }).type)}" is not supported`,
			);
	}
}

/** Rows with the same key carry the same message, so the bulk engine may send them in one call. */
export function messageKey(fragment: MessageFragment): string {
	return canonicalJson(fragment);
}

/**
 * List rows as a flat table (one section title per row, as users fill them in) grouped into
 * WhatsApp sections, in the order each section first appears.
 */
export function groupRowsIntoSections<R extends { section?: unknown }>(
	rows: R[],
): Array<{ title?: string; rows: Array<Omit<R, 'section'>> }> {
	const sections = new Map<string, { title?: string; rows: Array<Omit<R, 'section'>> }>();
	for (const { section, ...row } of rows) {
		const title = optionalText(section);
		const key = title ?? '';
		if (!sections.has(key)) sections.set(key, { title, rows: [] });
		sections.get(key)?.rows.push(row);
	}
	return [...sections.values()];
}

/** A vCard 3.0 for one contact; `waid` lets WhatsApp offer "Message" on the shared card. */
export function buildVCard(name: string, e164: string): string {
	const escaped = escapeVCard(name);
	return [
		'BEGIN:VCARD',
		'VERSION:3.0',
		`N:${escaped};;;;`,
		`FN:${escaped}`,
		`TEL;type=CELL;type=VOICE;waid=${e164.slice(1)}:${e164}`,
		'END:VCARD',
	].join('\r\n');
}

// ---------------------------------------------------------------------------------------------
// Per type

function validateDocument(input: Extract<MessageInput, { type: 'document' }>): MessageContent {
	const media = validateMedia('document', input.media);
	const fileName =
		optionalText(input.fileName) ??
		('fileName' in media ? media.fileName : fileNameFromUrl(media.url));
	if (!fileName) {
		throw new MessageInputError(
			FIELD_LABELS.fileName,
			'is empty',
			'A document needs a file name with its extension, e.g. invoice.pdf.',
			'fileName',
		);
	}
	return { type: 'document', media, fileName, caption: optionalText(input.caption) };
}

function validateLocation(input: Extract<MessageInput, { type: 'location' }>): MessageContent {
	return {
		type: 'location',
		lat: coordinate(input.latitude, FIELD_LABELS.latitude, 'latitude', 90),
		lng: coordinate(input.longitude, FIELD_LABELS.longitude, 'longitude', 180),
		label: optionalText(input.label),
		address: optionalText(input.address),
	};
}

function validateContact(input: Extract<MessageInput, { type: 'contact' }>): MessageContent {
	if (input.format === 'vcard') {
		const vcard = typeof input.vcard === 'string' ? input.vcard.trim() : '';
		if (!/^BEGIN:VCARD\b/i.test(vcard) || !/\bEND:VCARD$/i.test(vcard)) {
			throw new MessageInputError(
				FIELD_LABELS.vcard,
				vcard === '' ? 'is empty' : 'is not a vCard',
				'Paste a whole vCard, from BEGIN:VCARD to END:VCARD, or choose Contact Details instead.',
				'vcard',
			);
		}
		return { type: 'contact', vcard };
	}
	const name = requireString(input.name, FIELD_LABELS.contactName, 'name');
	const phone = normalisePhone(input.phone);
	if (!phone.ok) {
		throw new MessageInputError(
			FIELD_LABELS.contactPhone,
			phone.reason,
			PHONE_FIX,
			'phone',
		);
	}
	return { type: 'contact', vcard: buildVCard(name, phone.e164), name, phone: phone.e164 };
}

function validateTemplate(input: Extract<MessageInput, { type: 'template' }>): MessageContent {
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

function validateInteractive(
	input: Extract<MessageInput, { type: 'interactive' }>,
): InteractiveContent {
	const frame = {
		body: requireBody(input.body, 'body', FIELD_LABELS.bodyText),
		header: optionalText(input.header),
		footer: optionalText(input.footer),
	};
	if (input.kind === 'button')
		return { kind: 'button', ...frame, buttons: validateButtons(input.buttons) };
	const button = requireString(input.button, FIELD_LABELS.listButtonText, 'button');
	return { kind: 'list', ...frame, button, sections: validateSections(input.sections) };
}

function validateButtons(
	buttons: Array<{ id?: unknown; title?: unknown }>,
): Array<{ id: string; title: string }> {
	const label = FIELD_LABELS.buttons;
	if (buttons.length < 1 || buttons.length > MAX_REPLY_BUTTONS) {
		throw new MessageInputError(
			label,
			`has ${buttons.length} buttons; WhatsApp allows 1 to ${MAX_REPLY_BUTTONS}`,
			'For more choices, send a List instead.',
			'buttons',
		);
	}
	const checked = buttons.map((entry, position) => ({
		id: requireString(entry.id, label, 'buttons', `(button ${position + 1}) has no ID`),
		title: requireString(entry.title, label, 'buttons', `(button ${position + 1}) has no title`),
	}));
	requireUniqueIds(checked, label, 'buttons');
	return checked;
}

function validateSections(
	sections: Extract<MessageInput, { kind: 'list' }>['sections'],
): ListSection[] {
	const label = FIELD_LABELS.listRows;
	const checked: ListSection[] = sections
		.filter((section) => section.rows.length > 0)
		.map((section) => ({
			title: optionalText(section.title),
			rows: section.rows.map((row, position) => ({
				id: requireString(row.id, label, 'sections', `(row ${position + 1}) has no ID`),
				title: requireString(row.title, label, 'sections', `(row ${position + 1}) has no title`),
				description: optionalText(row.description),
			})),
		}));
	if (checked.length === 0) {
		throw new MessageInputError(
			label,
			'is empty',
			'Add at least one row the recipient can pick.',
			'sections',
		);
	}
	requireUniqueIds(
		checked.flatMap((section) => section.rows),
		label,
		'sections',
	);
	return checked;
}

function validatePoll(input: Extract<MessageInput, { type: 'poll' }>): MessageContent {
	const question = requireString(input.question, FIELD_LABELS.pollQuestion, 'question');
	const options = toList(input.options)
		.map((option) =>
			typeof option === 'number' ? String(option) : typeof option === 'string' ? option.trim() : '',
		)
		.filter((option) => option !== '');
	const label = FIELD_LABELS.pollOptions;
	if (options.length < POLL_MIN_OPTIONS || options.length > POLL_MAX_OPTIONS) {
		throw new MessageInputError(
			label,
			`has ${options.length} option${options.length === 1 ? '' : 's'}; a poll needs ${POLL_MIN_OPTIONS} to ${POLL_MAX_OPTIONS}`,
			undefined,
			'options',
		);
	}
	const duplicate = options.find((option, position) => options.indexOf(option) !== position);
	if (duplicate !== undefined) {
		// WhatsApp counts votes per option text, so two equal options could never be told apart.
		throw new MessageInputError(
			label,
			`has "${duplicate}" twice`,
			'Make every option different.',
			'options',
		);
	}
	return {
		type: 'poll',
		question,
		options,
		allowMultipleAnswers: toBoolean(input.allowMultipleAnswers),
	};
}

// ---------------------------------------------------------------------------------------------
// Media

const MIME_TYPE = /^[\w.+-]+\/[\w.+-]+$/;


/** What a message type needs its file to be; documents take anything. */
const MEDIA_FAMILY: Partial<Record<MessageType, string>> = {
	image: 'image',
	video: 'video',
	audio: 'audio',
};

function validateMedia(type: MessageType, media: MediaInput): MediaContent {
	if (media.source === 'url') return { url: requireUrl(media.url) };
	const property = media.property ?? 'data';
	const label = FIELD_LABELS.binaryPropertyName;
	if (!media.base64) {
		throw new MessageInputError(
			label,
			`"${property}" is an empty file`,
			undefined,
			'binaryPropertyName',
		);
	}
	const fileName = optionalText(media.fileName);
	const mimeType = resolveMimeType(media.mimeType, fileName);
	const family = MEDIA_FAMILY[type];
	if (family && mimeType !== 'application/octet-stream' && !mimeType.startsWith(`${family}/`)) {
		throw new MessageInputError(
			label,
			`"${property}" holds ${fileName ? `"${fileName}" (${mimeType})` : mimeType}, not ${anArticle(family)} ${family}`,
			`Pick the binary field that holds the ${family}, or send it as a Document.`,
			'binaryPropertyName',
		);
	}
	return {
		base64: media.base64,
		mimeType,
		fileName: fileName ?? `${type}${extensionFor(mimeType)}`,
	};
}

/** n8n reports unknown files as application/octet-stream; the file name often knows better. */
function resolveMimeType(mimeType: string | undefined, fileName: string | undefined): string {
	const declared = (mimeType ?? '').split(';')[0].trim().toLowerCase();
	if (MIME_TYPE.test(declared) && declared !== 'application/octet-stream') return declared;
	const extension = fileName?.split('.').pop() ?? '';
	return mimeTypeOfExtension(extension) ?? 'application/octet-stream';
}

function extensionFor(mimeType: string): string {
	const extension = usualExtension(mimeType);
	return extension ? `.${extension}` : '';
}

function requireUrl(value: unknown): string {
	const text = typeof value === 'string' ? value.trim() : '';
	const fix =
		'Enter a public http(s) link SendApi can download, or switch Media Source to Binary Field.';
	if (text === '') throw new MessageInputError(FIELD_LABELS.mediaUrl, 'is empty', fix, 'url');
	let url: URL | undefined;
	try {
		url = new URL(text);
	} catch {
		url = undefined;
	}
	if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
		throw new MessageInputError(
			FIELD_LABELS.mediaUrl,
			`"${text}" is not an http(s) URL`,
			fix,
			'url',
		);
	}
	return text;
}

function fileNameFromUrl(url: string): string | undefined {
	const last = new URL(url).pathname.split('/').pop() ?? '';
	try {
		return optionalText(decodeURIComponent(last));
	} catch {
		return optionalText(last);
	}
}

// ---------------------------------------------------------------------------------------------
// Values

function coordinate(value: unknown, label: string, key: string, limit: number): number {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : value;
	if (typeof number !== 'number' || !Number.isFinite(number)) {
		const shown =
			value === undefined || value === null || value === ''
				? 'is empty'
				: `"${String(value)}" is not a number`;
		throw new MessageInputError(
			label,
			shown,
			`Enter decimal degrees, e.g. ${key === 'latitude' ? '51.5072' : '-0.1276'}.`,
			key,
		);
	}
	if (number < -limit || number > limit) {
		throw new MessageInputError(
			label,
			`is ${number}; it must be between -${limit} and ${limit}`,
			'Check that latitude and longitude are not swapped.',
			key,
		);
	}
	return number;
}

/** Message text is sent as written (leading spaces and line breaks can matter), but not blank. */
function requireBody(value: unknown, key: string, label: string = FIELD_LABELS.text): string {
	const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
	if (text.trim() === '')
		throw new MessageInputError(
			label,
			'is empty',
			`Enter the ${label.toLowerCase()} to send.`,
			key,
		);
	return text;
}

function requireString(value: unknown, label: string, key: string, problem = 'is empty'): string {
	const text = optionalText(value);
	if (text === undefined) throw new MessageInputError(label, problem, undefined, key);
	return text;
}

function requireUniqueIds(entries: Array<{ id: string }>, label: string, key: string): void {
	const seen = new Set<string>();
	for (const { id } of entries) {
		// The reply names the chosen entry only by its id, so two equal ids could not be told apart.
		if (seen.has(id))
			throw new MessageInputError(
				label,
				`uses the ID "${id}" twice`,
				'Give every entry its own ID.',
				key,
			);
		seen.add(id);
	}
}

function optionalText(value: unknown): string | undefined {
	const text =
		typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	return text === '' ? undefined : text;
}

function toBoolean(value: unknown): boolean {
	return value === true || value === 'true';
}

/** A list from n8n (array) or from a spreadsheet cell (one entry per line). */
function toList(value: unknown): unknown[] {
	if (Array.isArray(value)) return value;
	if (typeof value === 'string') return value.split(/\r?\n/);
	return value === undefined || value === null ? [] : [value];
}

function anArticle(word: string): string {
	return /^[aeiou]/.test(word) ? 'an' : 'a';
}

function escapeVCard(text: string): string {
	return text
		.replace(/\\/g, '\\\\')
		.replace(/\r?\n/g, '\\n')
		.replace(/([,;])/g, '\\$1');
}
