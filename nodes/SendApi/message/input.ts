/**
 * One message as plain, unchecked values: n8n parameters for Send and Send and Wait, spreadsheet
 * cells for Send Bulk. The checks (validateMessage.ts) turn it into a MessageContent.
 */

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
