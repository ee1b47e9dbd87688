import type { INodeProperties } from 'n8n-workflow';

import type { MessageType } from '../../../transport/wire/messageBodies';

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

/** The Message Type picker, offering only `types`. */
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
