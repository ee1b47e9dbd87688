/**
 * A send SendApi refused, as the transport reports it (a NodeApiError built from the error fields)
 * and as Send Bulk's sender reads it for the engine: for tests of the error classification.
 */
import type { IExecuteFunctions, INode } from 'n8n-workflow';

import { toSendResult } from '../../nodes/SendApi/actions/message/sendBulk/sender';
import { toNodeApiError } from '../../nodes/SendApi/transport/errors';
import type { SendApiErrorInfo } from '../../nodes/SendApi/transport/wire/errorBody';

const NODE: INode = {
	id: 'n',
	name: 'SendApi',
	type: 'sendApi',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

const CONTEXT = { getExecutionCancelSignal: () => undefined } as unknown as IExecuteFunctions;

export function refusedSend(status: number, info: SendApiErrorInfo) {
	const error = toNodeApiError(NODE, { status, info, request: 'POST /whatsapp/send' });
	return { error, result: toSendResult(CONTEXT, { kind: 'failed', error }, 'one', () => 0) };
}
