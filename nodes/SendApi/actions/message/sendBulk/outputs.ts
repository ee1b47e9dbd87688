import type { INodeExecutionData, INodeOutputConfiguration, INodeParameters } from 'n8n-workflow';

/**
 * The node's outputs for its current parameters: Send Bulk with "Not-Sent Rows to Second Output"
 * has two (Sent, Not Sent), everything else one. n8n evaluates this in the editor and the engine
 * from its source text (`={{(${configuredOutputs})($parameter)}}`, as nodes-base's Switch does), so
 * it must stay self-contained: no imports, no helpers, no constants from outside its body.
 */
export function configuredOutputs(parameters: INodeParameters): INodeOutputConfiguration[] {
	const options = (parameters.options ?? {}) as { splitOutputs?: unknown };
	const split =
		parameters.resource === 'message' &&
		parameters.operation === 'sendBulk' &&
		options.splitOutputs === true;
	if (!split) return [{ type: 'main' }];
	return [
		{ type: 'main', displayName: 'Sent' },
		{ type: 'main', displayName: 'Not Sent' },
	];
}

/** An operation's answer when it fills more than one output: one item list per output. */
export interface MultipleOutputs {
	outputs: INodeExecutionData[][];
}

export function isMultipleOutputs(value: unknown): value is MultipleOutputs {
	return (
		typeof value === 'object' &&
		value !== null &&
		!Array.isArray(value) &&
		Array.isArray((value as MultipleOutputs).outputs)
	);
}
