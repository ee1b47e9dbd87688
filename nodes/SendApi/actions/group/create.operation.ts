import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { apiRequest } from '../../transport';
import { WHATSAPP_PREFIX } from '../../transport/wire/envelope';
import { createGroupBody } from '../../transport/wire/groupBodies';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { forEachItem } from '../../helpers/items';
import { requireLocatorId } from '../../helpers/params';
import { requirePhoneList, requireText } from '../../helpers/validation';
import { sessionLocator } from '../../methods/resourceLocators';
import { GROUP_NAME_MAX, optionalDescription, participantsField } from './groupFields';

const properties: INodeProperties[] = [
	sessionLocator({
		description: 'The connected WhatsApp number (SendApi session) that creates and owns the group',
	}),
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'Team updates',
		description: `The group subject, up to ${GROUP_NAME_MAX} characters`,
	},
	participantsField({ displayName: 'Participants', name: 'participants', required: true }),
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{
				displayName: 'Description',
				name: 'description',
				type: 'string',
				typeOptions: { rows: 3 },
				default: '',
				description: 'Shown in the group info, up to 512 characters',
			},
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['group'], operation: ['create'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await forEachItem(this, items, async (i) => {
		const sessionId = requireLocatorId(this, 'session', i);
		const name = requireText(this, this.getNodeParameter('name', i), i, 'Name', {
			maxLength: GROUP_NAME_MAX,
		});
		const participants = requirePhoneList(
			this,
			this.getNodeParameter('participants', i, ''),
			i,
			'Participants',
		);
		const additionalFields = this.getNodeParameter('additionalFields', i, {}) as IDataObject;
		// An empty description on create means "none", so it is left out rather than sent.
		const description = optionalDescription(this, i, additionalFields.description) || undefined;
		return await apiRequest.call(this, 'POST', `${WHATSAPP_PREFIX}/groups`, {
			body: createGroupBody({ sessionId, name, participants, description }),
			itemIndex: i,
		});
	});
}
