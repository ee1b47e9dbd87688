import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

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
		} catch (error) {
			if (!context.continueOnFail()) throw withItemIndex(context, error, itemIndex);
			output.push({
				json: { error: error.message, ...(error.description ? { error_description: error.description } : {}), ...errorContext(error) },
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
	return context.helpers.constructExecutionMetaData(executionData, { itemData: { item: itemIndex } });
}

function isExecutionData(value: IDataObject | INodeExecutionData): value is INodeExecutionData {
	const keys = Object.keys(value);
	return 'json' in value && typeof value.json === 'object' && keys.every((key) => ['json', 'binary', 'pairedItem'].includes(key));
}

function errorContext(error: { context?: IDataObject }): IDataObject {
	const details = error.context?.sendApi;
	return details && typeof details === 'object' ? { sendapi_error: details as IDataObject } : {};
}

function withItemIndex(context: IExecuteFunctions, error: Error & { context?: IDataObject }, itemIndex: number) {
	if (error instanceof NodeOperationError || (error.context && error.context.itemIndex !== undefined)) return error;
	if (error.context) {
		error.context.itemIndex = itemIndex;
		return error;
	}
	return new NodeOperationError(context.getNode(), error, { itemIndex });
}
