import type { INodeProperties } from 'n8n-workflow';

import type { MessageType } from '../../../transport/wire/messageBodies';

/** A field shown for some message types (and, optionally, further conditions). */
export interface ContentField {
	types: MessageType[];
	property: INodeProperties;
}
