/**
 * Zod schemas for every request body and query the fake SendApi accepts.
 *
 * They encode the SendApi API facts we know (both the docs dialect and the client-code dialect)
 * plus the package's choices for undocumented payloads (docs/wire-format.md). Anything else is
 * refused, so a test fails when the node sends something SendApi would refuse.
 */
import { z } from 'zod';

export const E164_RE = /^\+[1-9]\d{6,14}$/;

export const MESSAGE_TYPES = [
	'text',
	'image',
	'video',
	'audio',
	'document',
	'location',
	'contact',
	'template',
	'interactive',
	'poll',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Types the client-code dialect (`{content: string, type?}`) knows. */
export const CLIENT_TYPES: readonly MessageType[] = [
	'text',
	'image',
	'video',
	'document',
	'location',
	'contact',
];
/** Types the docs allow for send-bulk in the docs dialect. */
export const BULK_DOC_TYPES: readonly MessageType[] = ['text', 'image', 'document', 'template'];

export const MESSAGE_STATUSES = ['accepted', 'delivered', 'read', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

// ---------------------------------------------------------------------------------------------
// Building blocks

const nonEmpty = z.string().min(1);

export const phone = () =>
	z.string().refine((v) => E164_RE.test(v), {
		message: 'must be an E.164 phone number such as +447700900000',
		params: { code: 'invalid_phone' },
	});

/** Session ids are opaque: strings (`sess_…`) or integers. */
export const sessionId = z.union([z.string().min(1).max(200), z.number().int().nonnegative()], {
	errorMap: () => ({ message: 'session_id must be a string or an integer' }),
});

export const httpUrl = z
	.string()
	.url()
	.refine((v) => /^https?:\/\//i.test(v), { message: 'must be an http or https URL' });

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;
const MIME_RE = /^[\w.+-]+\/[\w.+-]+$/;

// ---------------------------------------------------------------------------------------------
// Per-type payloads (`{type, <type>: {...}}`)

export const textPayload = z
	.object({ body: nonEmpty, preview_url: z.boolean().optional() })
	.strict();

type MediaKind = 'image' | 'video' | 'audio' | 'document';

function refineMedia(kind: MediaKind) {
	return (v: Record<string, unknown>, ctx: z.RefinementCtx) => {
		const missing = (key: string, message: string) =>
			ctx.addIssue({ code: 'custom', path: [key], message, params: { code: 'missing_parameter' } });
		const invalid = (key: string, message: string) =>
			ctx.addIssue({ code: 'custom', path: [key], message });
		if (v.url === undefined && v.base64 === undefined) {
			missing('url', `${kind} needs either url or base64`);
			return;
		}
		if (v.url !== undefined && v.base64 !== undefined) {
			invalid('base64', 'give either url or base64, not both');
			return;
		}
		if (v.url !== undefined) {
			if (v.mime_type !== undefined) invalid('mime_type', 'mime_type is only used with base64');
			if (kind !== 'document' && v.filename !== undefined)
				invalid('filename', 'filename is only used with base64 or for documents');
			if (kind === 'document' && v.filename === undefined)
				missing('filename', 'a document needs a filename');
		} else {
			if (v.mime_type === undefined) missing('mime_type', 'base64 media needs mime_type');
			if (v.filename === undefined) missing('filename', 'base64 media needs filename');
		}
	};
}

const mediaFields = {
	url: httpUrl.optional(),
	base64: z.string().regex(BASE64_RE, 'must be plain base64 (no data: prefix)').optional(),
	mime_type: z.string().regex(MIME_RE, 'must be a MIME type such as image/png').optional(),
	filename: nonEmpty.optional(),
};
export const imagePayload = z
	.object({ ...mediaFields, caption: z.string().optional() })
	.strict()
	.superRefine(refineMedia('image'));
export const videoPayload = z
	.object({ ...mediaFields, caption: z.string().optional() })
	.strict()
	.superRefine(refineMedia('video'));
export const audioPayload = z
	.object({ ...mediaFields })
	.strict()
	.superRefine(refineMedia('audio'));
export const documentPayload = z
	.object({ ...mediaFields, caption: z.string().optional() })
	.strict()
	.superRefine(refineMedia('document'));

export const locationPayload = z
	.object({
		lat: z.number().min(-90).max(90),
		lng: z.number().min(-180).max(180),
		label: z.string().optional(),
		address: z.string().optional(),
	})
	.strict();

export const contactPayload = z
	.object({
		vcard: z
			.string()
			.refine((v) => /^BEGIN:VCARD/i.test(v.trim()) && /END:VCARD$/i.test(v.trim()), {
				message: 'must be a vCard (BEGIN:VCARD … END:VCARD)',
			}),
		name: nonEmpty.optional(),
		phone: phone().optional(),
	})
	.strict();

export const templatePayload = z
	.object({
		name: nonEmpty,
		language: nonEmpty,
		components: z.array(z.object({ type: nonEmpty }).passthrough()).optional(),
	})
	.strict();

const iBody = z.object({ text: nonEmpty }).strict();
const iHeader = z.object({ type: z.literal('text'), text: nonEmpty }).strict();
const iFooter = z.object({ text: nonEmpty }).strict();
export const interactivePayload = z.discriminatedUnion('type', [
	z
		.object({
			type: z.literal('button'),
			body: iBody,
			header: iHeader.optional(),
			footer: iFooter.optional(),
			action: z
				.object({
					buttons: z
						.array(
							z
								.object({
									type: z.literal('reply'),
									reply: z.object({ id: nonEmpty, title: nonEmpty }).strict(),
								})
								.strict(),
						)
						.min(1)
						.max(3),
				})
				.strict(),
		})
		.strict(),
	z
		.object({
			type: z.literal('list'),
			body: iBody,
			header: iHeader.optional(),
			footer: iFooter.optional(),
			action: z
				.object({
					button: nonEmpty,
					sections: z
						.array(
							z
								.object({
									title: z.string().optional(),
									rows: z
										.array(
											z
												.object({
													id: nonEmpty,
													title: nonEmpty,
													description: z.string().optional(),
												})
												.strict(),
										)
										.min(1),
								})
								.strict(),
						)
						.min(1),
				})
				.strict(),
		})
		.strict(),
]);

export const pollPayload = z
	.object({
		question: nonEmpty,
		options: z.array(nonEmpty).min(2).max(12),
		allow_multiple_answers: z.boolean(),
	})
	.strict();

export const PAYLOAD_SCHEMAS: Record<MessageType, z.ZodTypeAny> = {
	text: textPayload,
	image: imagePayload,
	video: videoPayload,
	audio: audioPayload,
	document: documentPayload,
	location: locationPayload,
	contact: contactPayload,
	template: templatePayload,
	interactive: interactivePayload,
	poll: pollPayload,
};

// ---------------------------------------------------------------------------------------------
// Send and send-bulk: both dialects

const payloadSlots = Object.fromEntries(
	MESSAGE_TYPES.map((t) => [t, z.unknown().optional()]),
) as Record<MessageType, z.ZodOptional<z.ZodUnknown>>;

/** What a valid send/send-bulk body normalises to. */
export interface NormalizedContent {
	dialect: 'docs' | 'client';
	type: MessageType;
	/** Docs dialect: the `<type>` object. Client dialect: derived from `content`. */
	content: Record<string, unknown>;
}

function refineDialects(docTypes: readonly MessageType[]) {
	return (b: Record<string, unknown>, ctx: z.RefinementCtx) => {
		const add = (path: (string | number)[], message: string, code?: string) =>
			ctx.addIssue({ code: 'custom', path, message, params: code ? { code } : undefined });
		const t = b.type as MessageType | undefined;
		const present = MESSAGE_TYPES.filter((k) => b[k] !== undefined);
		if (t === undefined) {
			// Only the client-code dialect may omit type; it then needs `content` and no typed payload.
			if (present.length > 0)
				return add(['type'], 'type is required with a typed payload', 'missing_parameter');
			if (b.content === undefined)
				return add(
					['content'],
					'content (or type with its payload) is required',
					'missing_parameter',
				);
			return;
		}
		if (b[t] !== undefined) {
			// Docs dialect.
			if (!docTypes.includes(t)) return add(['type'], `type "${t}" is not allowed here`);
			const other = present.find((k) => k !== t);
			if (other) return add([other], `${other} is not allowed with type "${t}"`);
			const r = PAYLOAD_SCHEMAS[t].safeParse(b[t]);
			if (!r.success) {
				for (const issue of r.error.issues) {
					ctx.addIssue({ ...issue, path: [t, ...issue.path] } as z.IssueData);
				}
				return;
			}
			if (b.content !== undefined) {
				// Only text carries the client-dialect `content` twin, and it must say the same thing.
				if (t !== 'text') return add(['content'], `content is not allowed with type "${t}"`);
				if (b.content !== (b.text as { body: string }).body)
					return add(['content'], 'content must equal text.body');
			}
			return;
		}
		if (b.content !== undefined) {
			// Client-code dialect with an explicit type.
			if (present.length > 0)
				return add([present[0]], `${present[0]} is not allowed with type "${t}"`);
			if (!CLIENT_TYPES.includes(t))
				return add([t], `type "${t}" needs a ${t} object`, 'missing_parameter');
			return;
		}
		return add([t], `type "${t}" needs a ${t} object`, 'missing_parameter');
	};
}

function normalize(b: Record<string, unknown>): NormalizedContent {
	const t = (b.type as MessageType | undefined) ?? 'text';
	if (b[t] !== undefined)
		return { dialect: 'docs', type: t, content: b[t] as Record<string, unknown> };
	const c = b.content as string;
	const content: Record<string, unknown> =
		t === 'text'
			? { body: c }
			: t === 'contact'
				? { vcard: c }
				: t === 'location'
					? { body: c }
					: { url: c };
	return { dialect: 'client', type: t, content };
}

export const sendBody = z
	.object({
		session_id: sessionId,
		to: phone(),
		type: z.enum(MESSAGE_TYPES).optional(),
		content: nonEmpty.optional(),
		...payloadSlots,
	})
	.strict()
	.superRefine(refineDialects(MESSAGE_TYPES))
	.transform((b) => ({ session_id: b.session_id, to: b.to, ...normalize(b) }));
export type SendBody = z.output<typeof sendBody>;

export const sendBulkBody = z
	.object({
		session_id: sessionId,
		recipients: z.array(phone()).min(1).max(500),
		type: z.enum(MESSAGE_TYPES).optional(),
		content: nonEmpty.optional(),
		delay_ms: z.number().int().min(500).optional(),
		...payloadSlots,
	})
	.strict()
	.superRefine(refineDialects(BULK_DOC_TYPES))
	.transform((b) => ({
		session_id: b.session_id,
		recipients: b.recipients,
		delay_ms: b.delay_ms ?? 1500,
		...normalize(b),
	}));
export type SendBulkBody = z.output<typeof sendBulkBody>;

// ---------------------------------------------------------------------------------------------
// Sessions, groups, webhooks

export const createSessionBody = z
	.object({ name: z.string().min(1).max(100), webhook_url: httpUrl.optional() })
	.strict();

export const createGroupBody = z
	.object({
		session_id: sessionId,
		name: z.string().min(1).max(25),
		participants: z.array(phone()).min(1),
		description: z.string().max(512).optional(),
	})
	.strict();

export const updateGroupBody = z
	.object({
		name: z.string().min(1).max(25).optional(),
		description: z.string().max(512).optional(),
		add_participants: z.array(phone()).min(1).optional(),
		remove_participants: z.array(phone()).min(1).optional(),
	})
	.strict()
	.superRefine((b, ctx) => {
		if (Object.values(b).every((v) => v === undefined)) {
			ctx.addIssue({
				code: 'custom',
				path: ['name'],
				message: 'give at least one of name, description, add_participants, remove_participants',
				params: { code: 'missing_parameter' },
			});
		}
	});

export const EVENT_RE = /^(\*|[a-z][a-z_]*(\.[a-z][a-z_]*)*(\.\*)?)$/;
const eventName = z
	.string()
	.regex(EVENT_RE, 'must be an event name such as message.received, message.* or *');

export const createWebhookBody = z
	.object({ url: httpUrl, events: z.array(eventName).min(1) })
	.strict();

export const updateWebhookBody = z
	.object({
		url: httpUrl.optional(),
		events: z.array(eventName).min(1).optional(),
		is_active: z.boolean().optional(),
	})
	.strict()
	.superRefine((b, ctx) => {
		if (Object.values(b).every((v) => v === undefined)) {
			ctx.addIssue({
				code: 'custom',
				path: ['url'],
				message: 'give at least one of url, events, is_active',
				params: { code: 'missing_parameter' },
			});
		}
	});

/** An incoming media message for the sandbox (see test/fake-sendapi/media.ts for the fields). */
export const sandboxIncomingMedia = z
	.object({
		type: z.enum(['image', 'video', 'audio', 'voice', 'document', 'sticker']),
		shape: z.enum(['typed', 'content', 'media', 'flat']).optional(),
		source: z.enum(['link', 'base64', 'dataUrl']).optional(),
		host: z.enum(['sendapi', 'public', 'redirect']).optional(),
		broken: z.boolean().optional(),
		declareSize: z.boolean().optional(),
		declareLength: z.boolean().optional(),
		caption: nonEmpty.optional(),
	})
	.strict();

export const sandboxIncomingBody = z
	.object({
		session_id: sessionId,
		from: phone(),
		text: nonEmpty.optional(),
		media: sandboxIncomingMedia.optional(),
		button: z.object({ id: nonEmpty, title: nonEmpty }).strict().optional(),
	})
	.strict()
	.refine((b) => b.text !== undefined || b.media !== undefined || b.button !== undefined, {
		message: 'text, media or button is required',
		path: ['text'],
	});

export const sandboxStatusBody = z
	.object({ status: z.enum(['pending', 'connected', 'disconnected']) })
	.strict();

// ---------------------------------------------------------------------------------------------
// Queries (all values arrive as strings; a repeated key arrives as an array and is refused)

const intString = (min: number, max: number) =>
	z
		.string()
		.regex(/^\d+$/, 'must be a positive integer')
		.transform(Number)
		.pipe(z.number().int().min(min).max(max));

const ISO_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const isoDate = z.string().refine((v) => ISO_RE.test(v) && !Number.isNaN(Date.parse(v)), {
	message: 'must be an ISO 8601 date or date-time',
});

const pagination = {
	page: intString(1, 1_000_000).optional(),
	per_page: intString(1, 100).optional(),
};

export const emptyQuery = z.object({}).strict();
export const listQuery = z.object(pagination).strict();
export const messagesQuery = z
	.object({
		...pagination,
		session_id: nonEmpty.optional(),
		direction: z.enum(['in', 'out']).optional(),
		status: z.enum(MESSAGE_STATUSES).optional(),
		from_date: isoDate.optional(),
		to_date: isoDate.optional(),
	})
	.strict();
export const bySessionQuery = z.object({ ...pagination, session_id: nonEmpty }).strict();
export const contactCheckQuery = z.object({ session_id: nonEmpty }).strict();

// ---------------------------------------------------------------------------------------------
// Zod error → SendApi error (second shape: `{type, code, param, message}`)

export interface ValidationFailure {
	code: string;
	param?: string;
	message: string;
}

export function formatParam(path: (string | number)[]): string {
	let out = '';
	for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
	return out;
}

function valueAt(input: unknown, path: (string | number)[]): unknown {
	let cur: unknown = input;
	for (const p of path) {
		if (cur === null || typeof cur !== 'object') return undefined;
		cur = (cur as Record<string | number, unknown>)[p];
	}
	return cur;
}

export function describeZodError(err: z.ZodError, input: unknown): ValidationFailure {
	const issue = err.issues[0];
	if (issue.code === 'unrecognized_keys') {
		const param = formatParam([...issue.path, issue.keys[0]]);
		return { code: 'invalid_parameter', param, message: `Unknown parameter: ${param}` };
	}
	const param = formatParam(issue.path) || undefined;
	const custom =
		issue.code === 'custom' ? (issue.params as { code?: string } | undefined)?.code : undefined;
	const missing =
		custom === 'missing_parameter' ||
		(custom === undefined && valueAt(input, issue.path) === undefined);
	if (missing) {
		const detail = issue.code === 'custom' ? ` (${issue.message})` : '';
		return {
			code: 'missing_parameter',
			param,
			message: `Missing required parameter: ${param ?? 'body'}${detail}`,
		};
	}
	return {
		code: custom ?? 'invalid_parameter',
		param,
		message: `Invalid parameter ${param ?? 'body'}: ${issue.message}`,
	};
}
