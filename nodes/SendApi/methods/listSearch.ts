import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { apiRequestAllItems } from '../transport';
import { WHATSAPP_PREFIX } from '../transport/wire/envelope';
import { sessionIdForApi } from '../transport/wire/ids';

/** Session picker: every session with its status and number, so the user can tell them apart. */
export async function searchSessions(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const sessions = await apiRequestAllItems.call(
		this,
		`${WHATSAPP_PREFIX}/sessions`,
		{},
		{ limit: 500 },
	);
	const results = sessions
		.map((session) => ({
			name: describeSession(session),
			value: String(session.id),
		}))
		.filter((entry) => matches(entry.name, filter));
	return { results };
}

/** Group picker: the groups of the session chosen in the same node. */
export async function searchGroups(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const session = this.getCurrentNodeParameter('session', { extractValue: true }) as
		string | undefined;
	if (!session) return { results: [] };
	const groups = await apiRequestAllItems.call(
		this,
		`${WHATSAPP_PREFIX}/groups`,
		{ session_id: sessionIdForApi(session) },
		{ limit: 500 },
	);
	const results = groups
		.map((group) => ({ name: String(group.name ?? group.id), value: String(group.id) }))
		.filter((entry) => matches(entry.name, filter));
	return { results };
}

function describeSession(session: IDataObject): string {
	const details = [session.phone_number, session.status].filter(Boolean).join(', ');
	const name = String(session.name ?? session.id);
	return details ? `${name} (${details})` : name;
}

function matches(name: string, filter?: string): boolean {
	return !filter || name.toLowerCase().includes(filter.toLowerCase());
}
