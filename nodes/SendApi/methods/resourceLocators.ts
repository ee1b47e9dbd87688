/** The session and group pickers (resource locators); their lists come from listSearch.ts. */
import type { INodeProperties } from 'n8n-workflow';

/**
 * The modes of a session picker: the account's sessions from the API, or an ID. `singleId` makes
 * By ID refuse more than one ID (Send Bulk's pickers take a comma-separated list instead).
 * Returned as `{ modes }` to spread into the picker: n8n's node lint tells modes from node
 * parameters by that `modes` key, and flags a bare array of them as parameters missing a default.
 */
export function sessionLocatorModes(
	idPlaceholder = 'sess_abc123',
	singleId = true,
): Required<Pick<INodeProperties, 'modes'>> {
	return {
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchSessions', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: idPlaceholder,
				...(singleId
					? {
							validation: [
								{
									type: 'regex' as const,
									properties: { regex: '^\\s*\\S+\\s*$', errorMessage: 'Enter a session ID' },
								},
							],
						}
					: {}),
			},
		],
	};
}

/** The WhatsApp session (connected phone) to act through: pick from a list or paste its ID. */
export function sessionLocator(overrides: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'Session',
		name: 'session',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: 'The connected WhatsApp number (SendApi session) to use',
		...sessionLocatorModes(),
		...overrides,
	};
}

export function groupLocator(overrides: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'Group',
		name: 'group',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: 'The WhatsApp group to change',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchGroups', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'grp_abc123',
			},
		],
		...overrides,
	};
}
