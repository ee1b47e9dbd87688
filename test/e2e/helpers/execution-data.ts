/**
 * Reads an execution as the editor's REST API returns it (`GET /rest/executions/:id`): its `data`
 * is serialised with `flatted` (JSON that can hold repeated and circular references). `flatted` is
 * not a dependency of this package, so its format is read here: a JSON array whose first entry is
 * the root; inside objects and arrays every string is the index (as text) of the entry it stands for.
 */
import type { N8nItem } from './n8nProcess';

export function parseFlatted(text: string): unknown {
	const entries = JSON.parse(text) as unknown[];
	const revived = new Map<number, unknown>();
	const revive = (index: number): unknown => {
		if (revived.has(index)) return revived.get(index);
		const entry = entries[index];
		if (typeof entry !== 'object' || entry === null) {
			revived.set(index, entry);
			return entry;
		}
		const copy: Record<string, unknown> | unknown[] = Array.isArray(entry) ? [] : {};
		revived.set(index, copy);
		for (const [key, value] of Object.entries(entry)) {
			(copy as Record<string, unknown>)[key] =
				typeof value === 'string' ? revive(Number(value)) : value;
		}
		return copy;
	};
	return revive(0);
}

interface RunData {
	resultData: { runData: Record<string, Array<{ data?: { main: Array<N8nItem[] | null> } }>> };
}

/** The items a node output (first run, output 0) in an execution from `N8nRest.execution`. */
export function executionItems(execution: { data: unknown }, nodeName: string): N8nItem[] {
	const data = (
		typeof execution.data === 'string' ? parseFlatted(execution.data) : execution.data
	) as RunData;
	const runs = data.resultData.runData[nodeName];
	if (!runs)
		throw new Error(
			`node "${nodeName}" did not run; ran: ${Object.keys(data.resultData.runData).join(', ')}`,
		);
	return runs[0].data?.main[0] ?? [];
}
