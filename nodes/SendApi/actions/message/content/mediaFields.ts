/** Image, video, audio and document messages: the file (a link or a binary field) and its text. */
import type { MessageType } from '../../../transport/wire/messageBodies';
import { FIELD_LABELS } from '../../../message/inputError';
import type { ContentField } from './contentField';

const MEDIA_TYPES: MessageType[] = ['image', 'video', 'audio', 'document'];

export const mediaFields: ContentField[] = [
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
];
