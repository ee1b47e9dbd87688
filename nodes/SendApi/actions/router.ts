import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ToolRunError } from '../helpers/aiTool';
import { inModelTerms, runsAsAiTool } from '../helpers/aiTool';
import * as contact from './contact/Contact.resource';
import * as group from './group/Group.resource';
import type { MultipleOutputs } from './message/sendBulk/outputs';
import { isMultipleOutputs } from './message/sendBulk/outputs';
import * as message from './message/Message.resource';
import type { SendApiResource, SendApiType } from './node.type';
import * as session from './session/Session.resource';

type Operation = {
	execute: (
		this: IExecuteFunctions,
		items: INodeExecutionData[],
	) => Promise<INodeExecutionData[] | MultipleOutputs>;
};

const resources: { [R in SendApiResource]: Record<SendApiType[R], Operation> } = {
	session,
	contact,
	message,
	group,
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as SendApiResource;
	const operation = this.getNodeParameter('operation', 0) as string;
	const operations = resources[resource] as Record<string, Operation> | undefined;
	const handler =
		operations && Object.prototype.hasOwnProperty.call(operations, operation)
			? operations[operation]
			: undefined;
	if (!handler) {
		throw new NodeOperationError(
			this.getNode(),
			`The operation "${operation}" of resource "${resource}" is not supported`,
		);
	}
	try {
		const result = await handler.execute.call(this, items);
		return isMultipleOutputs(result) ? result.outputs : [result];
	} catch (error) {
		// A model gets nothing of an error but its message: it has to say what to change.
		throw error instanceof Error && runsAsAiTool(this)
			? inModelTerms(error as ToolRunError)
			: error;
	}
}
