import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { inModelTerms, runsAsAiTool } from './aiTool';
import { itemPrefix } from './validation';

export type ItemResult = IDataObject | IDataObject[] | INodeExecutionData | INodeExecutionData[];

/**
 * Runs one operation over every input item. Each item is handled on its own: its output items are
 * paired with it, and with "Continue On Fail" its error becomes its output instead of stopping
 * the run, so no item is lost either way.
 */
export async function forEachItem(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	handle: (itemIndex: number) => Promise<ItemResult>,
): Promise<INodeExecutionData[]> {
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			output.push(...toExecutionData(context, await handle(itemIndex), itemIndex));
		} catch (caught) {
			const itemError = errorOfItem(context, caught, itemIndex);
			if (!context.continueOnFail()) throw itemError;
			// As an agent's tool the error item is what the model reads (the router words thrown errors).
			const error = runsAsAiTool(context) ? inModelTerms(itemError) : itemError;
			output.push({
				json: {
					error: error.message,
					...(error.description ? { error_description: error.description } : {}),
					...errorContext(error),
				},
				pairedItem: { item: itemIndex },
			});
		}
	}
	return output;
}

function toExecutionData(context: IExecuteFunctions, result: ItemResult, itemIndex: number) {
	const list = Array.isArray(result) ? result : [result];
	const executionData = list.map((entry) =>
		isExecutionData(entry) ? entry : ({ json: entry } as INodeExecutionData),
	);
	return context.helpers.constructExecutionMetaData(executionData, {
		itemData: { item: itemIndex },
	});
}

function isExecutionData(value: IDataObject | INodeExecutionData): value is INodeExecutionData {
	const keys = Object.keys(value);
	return (
		'json' in value &&
		typeof value.json === 'object' &&
		keys.every((key) => ['json', 'binary', 'pairedItem'].includes(key))
	);
}

function errorContext(error: { context?: IDataObject }): IDataObject {
	const details = error.context?.sendApi;
	return details && typeof details === 'object' ? { sendapi_error: details as IDataObject } : {};
}

type ItemError = Error & { context?: IDataObject; description?: string | null };

/**
 * The error as this item's: it carries the item index, and its message starts "Item 2: …" as input
 * errors already do (inputError), so API and connection errors (NodeApiError) name the item too,
 * both in the error n8n shows and in the `error` field of a Continue On Fail output. SendApi's
 * type, code and request id stay where the transport put them (message, description, context).
 */
function errorOfItem(context: IExecuteFunctions, caught: ItemError, itemIndex: number): ItemError {
	const error = withItemIndex(context, caught, itemIndex);
	const prefix = itemPrefix(itemIndex);
	if (!error.message.startsWith(prefix)) error.message = `${prefix}${error.message}`;
	return error;
}

function withItemIndex(context: IExecuteFunctions, error: ItemError, itemIndex: number): ItemError {
	if (
		error instanceof NodeOperationError ||
		(error.context && error.context.itemIndex !== undefined)
	)
		return error;
	if (error.context) {
		error.context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(context.getNode(), error, { itemIndex });
}
