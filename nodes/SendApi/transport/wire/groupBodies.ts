/**
 * The group requests the node sends: create and update. SendApi does not document the
 * participant-change fields; docs/wire-format.md ("Requests the node sends") gives our choice.
 */
import type { IDataObject } from 'n8n-workflow';

import { withOptional } from './fieldValues';
import { sessionIdForApi } from './ids';

export function createGroupBody(group: {
	sessionId: string;
	name: string;
	participants: string[];
	description?: string;
}): IDataObject {
	return withOptional(
		{
			session_id: sessionIdForApi(group.sessionId),
			name: group.name,
			participants: group.participants,
		},
		{ description: group.description },
	);
}

/** Field names for participant changes are not documented; `add_/remove_participants` is our choice. */
export function updateGroupBody(changes: {
	name?: string;
	description?: string;
	addParticipants?: string[];
	removeParticipants?: string[];
}): IDataObject {
	return withOptional(
		{},
		{
			name: changes.name,
			description: changes.description,
			add_participants: changes.addParticipants,
			remove_participants: changes.removeParticipants,
		},
	);
}
