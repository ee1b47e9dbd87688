import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { apiRequest } from '../../transport';
import { WHATSAPP_PREFIX } from '../../transport/wire/envelope';
import { updateGroupBody } from '../../transport/wire/groupBodies';
import { updateDisplayOptions } from '../../helpers/displayOptions';
import { forEachItem } from '../../helpers/items';
import { pathId, requireLocatorId } from '../../helpers/params';
import { inputError, requirePhoneList, requireText } from '../../helpers/validation';
import { groupLocator, sessionLocator } from '../../methods/resourceLocators';
import { GROUP_NAME_MAX, optionalDescription, participantsField } from './groupFields';

const properties: INodeProperties[] = [
	sessionLocator({
		required: false,
		description:
			'The WhatsApp number whose groups the Group list shows. Not needed when the group is given by ID.',
	}),
	groupLocator(),
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			participantsField({ displayName: 'Add Participants', name: 'addParticipants' }),
			{
				displayName: 'Description',
				name: 'description',
				type: 'string',
				typeOptions: { rows: 3 },
				default: '',
				description: 'New group description, up to 512 characters. Leave empty to remove it.',
			},
			{
				displayName: 'Name',
				name: 'name',
				type: 'string',
				default: '',
				description: `New group subject, up to ${GROUP_NAME_MAX} characters`,
			},
			participantsField({ displayName: 'Remove Participants', name: 'removeParticipants' }),
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['group'], operation: ['update'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]) {
	return await forEachItem(this, items, async (i) => {
		const groupId = requireLocatorId(this, 'group', i);
		const fields = this.getNodeParameter('updateFields', i, {}) as IDataObject;
		if (Object.keys(fields).length === 0) {
			throw inputError(
				this,
				i,
				'Update Fields',
				'has no changes',
				'Add at least one of Name, Description, Add Participants or Remove Participants.',
			);
		}
		const changes = {
			name:
				'name' in fields
					? requireText(this, fields.name, i, 'Name', { maxLength: GROUP_NAME_MAX })
					: undefined,
			description:
				'description' in fields ? optionalDescription(this, i, fields.description) : undefined,
			addParticipants: participantsIn(this, i, fields, 'addParticipants', 'Add Participants'),
			removeParticipants: participantsIn(
				this,
				i,
				fields,
				'removeParticipants',
				'Remove Participants',
			),
		};
		return await apiRequest.call(this, 'PUT', `${WHATSAPP_PREFIX}/groups/${pathId(groupId)}`, {
			body: updateGroupBody(changes),
			itemIndex: i,
		});
	});
}

function participantsIn(
	context: IExecuteFunctions,
	itemIndex: number,
	fields: IDataObject,
	key: string,
	label: string,
): string[] | undefined {
	return key in fields ? requirePhoneList(context, fields[key], itemIndex, label) : undefined;
}
