import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { asSentence, withoutItemPrefix } from './validation';

/**
 * Whether this run is the node serving as an AI Agent's tool (the "SendApi Tool" node).
 *
 * n8n (1.x and 2.x alike) offers a node with `usableAsTool` a second time as the type
 * `<package>.<name>Tool`, whose only output is `ai_tool`, and runs that type by taking "Tool" off
 * and running this same node; an agent's tool input accepts only such types. So a type ending in
 * "Tool" (the test n8n's own node loader uses) tells a tool run whichever way n8n runs it:
 * - AI Agent v3 (the default agent in n8n 2.40 and 1.123) has the engine run the tool node like any
 *   other node, with an execute context whose `isToolExecution()` answers false (2.40) or which has
 *   none (1.123);
 * - older agents and the MCP Server Trigger run it through a supply-data context, whose
 *   `isToolExecution()` answers true in n8n 2.x: asked first, in case a later n8n stops renaming.
 */
export function runsAsAiTool(context: IExecuteFunctions): boolean {
	if (typeof context.isToolExecution === 'function' && context.isToolExecution()) return true;
	return context.getNode().type.endsWith('Tool');
}

export type ToolRunError = Error & { description?: string | null; context?: IDataObject };

/**
 * The error as a model should read it. An agent hands its model only the error's message (AI
 * Agent v3: `{"error": message}`), never the description, where the advice on what to change is;
 * and "Item 1: " means nothing to a model, which sends one call at a time. So the message loses
 * the item prefix and gains the fix, which leaves the description (what remains there, e.g. the
 * request and SendApi's request id, stays for the person reading the execution).
 */
export function inModelTerms<E extends ToolRunError>(error: E): E {
	const fix = fixOf(error);
	const message = withoutItemPrefix(error.message);
	if (!fix || message.includes(fix)) {
		error.message = message;
		return error;
	}
	error.message = `${asSentence(message)} ${fix}`;
	const rest = (error.description ?? '').replace(fix, '').trim();
	error.description = rest === '' ? null : rest;
	return error;
}

/**
 * What to change: where the description holds more than advice (SendApi errors also name the
 * request), the transport keeps the advice in the error's context as `fix`; otherwise the
 * description is the advice.
 */
function fixOf(error: ToolRunError): string | undefined {
	const recorded = error.context?.fix;
	if (typeof recorded === 'string' && recorded.trim() !== '') return recorded.trim();
	const description = error.description?.trim();
	return description ? description : undefined;
}
