/**
 * The operations' `action` texts: what n8n's node panel lists and what an AI Agent's model reads as
 * the SendApi tool's description. The gate's lint cannot check their case (see actionTexts.ts), so
 * this does, the way its rule means it: sentence case, brand names as their owners write them.
 */
import type { INode, INodePropertyOptions } from 'n8n-workflow';
import { NodeHelpers, nodeNameToToolName } from 'n8n-workflow';

import { SENDAPI_TOOL_TYPE } from '../helpers/runWorkflow';
import { ACTIONS } from '../../nodes/SendApi/actions/actionTexts';
import { SendApi } from '../../nodes/SendApi/SendApi.node';

const description = new SendApi().description;

/** Words that keep their capitals inside a sentence. */
const PROPER_WORDS = new Set(['WhatsApp', 'QR']);

/** [resource, operation, action] for every operation option of the node. */
function operationActions(): Array<[string, string, string | undefined]> {
	return description.properties
		.filter((property) => property.name === 'operation')
		.flatMap((property) => {
			const resource = property.displayOptions?.show?.resource?.[0] as string;
			return (property.options as INodePropertyOptions[]).map(
				(option): [string, string, string | undefined] => [
					resource,
					String(option.value),
					option.action,
				],
			);
		});
}

function isSentenceCase(text: string): boolean {
	const [first, ...rest] = text.split(' ');
	if (first[0] !== first[0].toUpperCase() || first.slice(1) !== first.slice(1).toLowerCase())
		return false;
	return rest.every(
		(word) => PROPER_WORDS.has(word.replace(/'s$/, '')) || word === word.toLowerCase(),
	);
}

describe('operation actions', () => {
	const actions = operationActions();

	test('every operation has its text from ACTIONS, and ACTIONS has no text without an operation', () => {
		expect(actions).toHaveLength(16);
		for (const [resource, operation, action] of actions) {
			expect(action).toBe((ACTIONS as Record<string, Record<string, string>>)[resource][operation]);
		}
		const listed = Object.entries(ACTIONS).flatMap(([resource, ops]) =>
			Object.keys(ops).map((op) => `${resource}.${op}`),
		);
		expect(listed.sort()).toEqual(
			actions.map(([resource, operation]) => `${resource}.${operation}`).sort(),
		);
	});

	test.each(Object.values(ACTIONS).flatMap((ops) => Object.values(ops)))(
		'"%s" says WhatsApp, in sentence case',
		(action) => {
			expect(action).toMatch(/\bWhatsApp\b/);
			expect(isSentenceCase(action)).toBe(true);
			expect(action).not.toMatch(/[.!]$/);
		},
	);

	test('the Get Many ones start "Get many", as n8n requires', () => {
		for (const [, operation, action] of actions) {
			if (operation === 'getAll') expect(action).toMatch(/^Get many /);
		}
	});

	test('the sentence-case check catches what the lint rule would', () => {
		expect(isSentenceCase('Send a Message')).toBe(false);
		expect(isSentenceCase('send a message')).toBe(false);
		expect(isSentenceCase("Get a WhatsApp session's QR code")).toBe(true);
	});
});

describe('what a model reads about the SendApi tool (n8n-workflow composes it)', () => {
	function toolNode(name: string, parameters: INode['parameters']): INode {
		return { id: 't', name, type: SENDAPI_TOOL_TYPE, typeVersion: 1, position: [0, 0], parameters };
	}

	test('Message → Send is described as sending a WhatsApp message', () => {
		const node = toolNode('Send a WhatsApp message in SendApi', {
			resource: 'message',
			operation: 'send',
		});
		expect(NodeHelpers.getToolDescriptionForNode(node, new SendApi())).toBe(
			'Send a WhatsApp message in SendApi',
		);
		// The editor names a new tool node after that text; the model calls the tool by the name.
		expect(nodeNameToToolName(node)).toBe('Send_a_WhatsApp_message_in_SendApi');
	});

	test('every operation reads "<action> in SendApi"', () => {
		for (const [resource, operation, action] of operationActions()) {
			const node = toolNode('SendApi', { resource, operation });
			expect(NodeHelpers.getToolDescriptionForNode(node, new SendApi())).toBe(
				`${action} in SendApi`,
			);
		}
	});
});
