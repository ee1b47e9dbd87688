/** Interactive messages: up to 3 reply buttons, or a list of rows grouped into sections. */
import type { InteractiveContent, ListSection } from '../transport/wire/messageBodies';
import type { MessageInput } from './input';
import { FIELD_LABELS, MessageInputError } from './inputError';
import { optionalText, requireBody, requireString } from './values';

export const MAX_REPLY_BUTTONS = 3;
/** WhatsApp's limit on a reply button's title. */
export const MAX_BUTTON_TITLE = 20;

/**
 * How long a title is as its reader sees it: one emoji, even a flag or a family joined from
 * several code points, is one character. WhatsApp does not say how it counts; a user counting
 * what they typed counts this way.
 */
export function visibleLength(text: string): number {
	const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
	let count = 0;
	for (const _ of segmenter.segment(text)) count++;
	return count;
}

export function validateInteractive(
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
