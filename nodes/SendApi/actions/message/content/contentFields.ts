/**
 * The message-content fields shared by Send and Send Bulk, each shown only for the message types
 * it belongs to and the operation offers. Their order is the order n8n shows them in.
 */
import type { INodeProperties } from 'n8n-workflow';

import type { MessageType } from '../../../transport/wire/messageBodies';
import { contactFields } from './contactFields';
import type { ContentField } from './contentField';
import { interactiveFields } from './interactiveFields';
import { locationFields } from './locationFields';
import { mediaFields } from './mediaFields';
import { pollFields } from './pollFields';
import { templateFields } from './templateFields';
import { textFields } from './textFields';

const contentFields: ContentField[] = [
	...textFields,
	...mediaFields,
	...locationFields,
	...contactFields,
	...templateFields,
	...interactiveFields,
	...pollFields,
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
