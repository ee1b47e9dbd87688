import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

/**
 * Shows each property only for the given resource/operation. n8n's own `updateDisplayOptions`
 * lives in nodes-base, which a community package cannot import; this is the same idea, small.
 */
export function updateDisplayOptions(
	displayOptions: IDisplayOptions,
	properties: INodeProperties[],
): INodeProperties[] {
	return properties.map((property) => ({
		...property,
		displayOptions: mergeDisplayOptions(displayOptions, property.displayOptions),
	}));
}

function mergeDisplayOptions(outer: IDisplayOptions, inner?: IDisplayOptions): IDisplayOptions {
	if (!inner) return outer;
	return {
		...inner,
		show: { ...(inner.show ?? {}), ...(outer.show ?? {}) },
		...(outer.hide || inner.hide ? { hide: { ...(inner.hide ?? {}), ...(outer.hide ?? {}) } } : {}),
	};
}
