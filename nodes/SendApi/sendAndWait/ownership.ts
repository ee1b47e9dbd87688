/**
 * Which SendApi webhooks are Send and Wait webhooks this package created, and when their wait ends.
 *
 * SendApi's webhooks are account-wide, and a wait webhook can be left behind by an execution that
 * ended without an answer (time-out, cancelled, deleted), possibly in another workflow. So the
 * registered URL itself says what it is: n8n's waiting URL of the execution plus
 * `sendapi_wait=<owner tag>`, `sendapi_wait_at=<created, epoch ms>` and
 * `sendapi_wait_until=<deadline, epoch ms, 0 for none>`. The owner tag is an HMAC of the rest
 * keyed with the credential's API key: only a holder of that key (this package, with the same
 * credential) makes a tag that checks out, so a webhook anyone else created is never taken for
 * ours, and the tag needs nothing stored anywhere. The whole URL is then signed by n8n.
 */
import { createHmac, timingSafeEqual } from 'crypto';

export const OWNER_PARAM = 'sendapi_wait';
export const CREATED_PARAM = 'sendapi_wait_at';
export const DEADLINE_PARAM = 'sendapi_wait_until';
/** The question's nonce, which its buttons' ids carry (answer.ts). */
export const NONCE_PARAM = 'sendapi_wait_q';

/** What a wait URL says about its wait. */
export interface WaitUrlInfo {
	createdAt: number;
	/** Epoch ms; 0 when the wait has no time limit. */
	deadline: number;
}

/** The query parameters that mark a waiting URL (origin + path, no query) as ours. */
export function ownerParams(
	apiKey: string,
	resumeBase: string,
	info: WaitUrlInfo,
): Record<string, string> {
	const createdAt = String(Math.floor(info.createdAt));
	const deadline = String(Math.floor(info.deadline));
	return {
		[CREATED_PARAM]: createdAt,
		[DEADLINE_PARAM]: deadline,
		[OWNER_PARAM]: ownerTag(apiKey, resumeBase, createdAt, deadline),
	};
}

/** The wait a registered URL belongs to, or `undefined` when this package (with this key) did not make it. */
export function readWaitUrl(url: unknown, apiKey: string): WaitUrlInfo | undefined {
	if (typeof url !== 'string' || !apiKey) return undefined;
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return undefined;
	}
	const tag = parsed.searchParams.get(OWNER_PARAM);
	const createdAt = parsed.searchParams.get(CREATED_PARAM);
	const deadline = parsed.searchParams.get(DEADLINE_PARAM);
	if (!tag || !createdAt || !deadline || !/^\d+$/.test(createdAt) || !/^\d+$/.test(deadline)) {
		return undefined;
	}
	const expected = Buffer.from(ownerTag(apiKey, resumeBaseOf(parsed), createdAt, deadline));
	const given = Buffer.from(tag);
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
	return { createdAt: Number(createdAt), deadline: Number(deadline) };
}

/** The waiting URL without its query: what the owner tag covers. */
export function resumeBaseOf(url: URL): string {
	return `${url.origin}${url.pathname}`;
}

function ownerTag(apiKey: string, resumeBase: string, createdAt: string, deadline: string): string {
	return createHmac('sha256', apiKey)
		.update(['n8n-nodes-sendapi/send-and-wait', resumeBase, createdAt, deadline].join('\n'))
		.digest('hex')
		.slice(0, 32);
}

/** How long after creation a wait is left alone: its execution may not be waiting yet. */
export const PROBE_GRACE_MS = 15 * 1000;

/** What asking n8n's waiting URL told (see `probeWaitingUrl` in the transport). */
export type ProbeAnswer = { status: number; body: unknown } | undefined;

/** The marker our webhook() answers a GET with while its execution waits for a WhatsApp reply. */
export const STILL_WAITING = 'sendapi-send-and-wait:waiting';

export type WaitVerdict = 'ended' | 'waiting' | 'unknown';

/** A wait whose deadline has passed has ended (answered or timed out): no need to ask n8n. */
export function endedByDeadline(info: WaitUrlInfo, now: number): boolean {
	return info.deadline > 0 && info.deadline <= now;
}

/**
 * Reads n8n's answer to a GET on the waiting URL. A waiting execution runs our webhook(), which
 * answers 200 with the STILL_WAITING marker. n8n itself answers 404 for a deleted execution, 409
 * for a cancelled or failed one (and for a running one, which is not judged), 401 when the URL no longer validates, and for a finished
 * send-and-wait execution 200 with its "no action required" page. No answer, or a server error,
 * tells nothing: the webhook is kept and asked about again next time.
 */
export function verdictFromProbe(answer: ProbeAnswer): WaitVerdict {
	if (!answer) return 'unknown';
	const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? '');
	// Still running: not yet waiting (just asked), or resumed and not finished. Ask again next time.
	if (answer.status === 409 && /running/i.test(text)) return 'unknown';
	if ([401, 403, 404, 409, 410].includes(answer.status)) return 'ended';
	if (answer.status >= 200 && answer.status < 300) {
		return text.includes(STILL_WAITING) ? 'waiting' : 'ended';
	}
	return 'unknown';
}
