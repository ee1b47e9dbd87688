import type { SendApiResource, SendApiType } from './node.type';

/**
 * What each operation does, in WhatsApp terms: the `action` of its option. n8n shows it in the
 * node panel's list of actions, names a new tool node after it, and describes the node to an AI
 * Agent's model as "<action> in SendApi" (the tool's automatic description), so a model that only
 * reads that line can tell the tool sends WhatsApp messages.
 *
 * Sentence case, with the brand written as WhatsApp writes it (n8n's own nodes write GitHub and
 * LinkedIn the same way). They are constants, not literals in the options, because the gate's lint
 * rule `node-param-operation-option-action-miscased` re-cases every word, which turns WhatsApp into
 * "whats app", and it reads only literals; test/actionTexts.test.ts checks the sentence case instead.
 */
export const ACTIONS: { [R in SendApiResource]: Record<SendApiType[R], string> } = {
	session: {
		create: 'Create a WhatsApp session and get its QR code',
		deleteSession: 'Log out and delete a WhatsApp session',
		get: "Get a WhatsApp session's status",
		getAll: 'Get many WhatsApp sessions',
		getQrCode: "Get a WhatsApp session's QR code",
	},
	contact: {
		checkNumber: 'Check whether a number uses WhatsApp',
		getAll: 'Get many WhatsApp contacts of a session',
	},
	message: {
		get: "Get a WhatsApp message's delivery status",
		getAll: 'Get many WhatsApp messages',
		send: 'Send a WhatsApp message',
		sendAndWait: 'Send a WhatsApp message and wait for the answer',
		sendBulk: 'Send WhatsApp messages in bulk within rate limits',
		waitForFollowUps: "Wait for a WhatsApp sender's follow-up messages",
	},
	group: {
		create: 'Create a WhatsApp group',
		getAll: 'Get many WhatsApp groups',
		update: 'Update a WhatsApp group',
	},
};
