/**
 * Standalone fake SendApi for a human sandbox:
 *   npm run fake-sendapi [-- --emit-events] [--auto-connect] [--starter-limits] [--integer-ids] [--api-key=sk_test_x]
 *                        [--plan-quota=N] [--session-quota=N] [--quota-shape=coded|param] [--balance=N]
 *                        [--keep-refusals]
 * Listens on 127.0.0.1:$PORT (default 3333), seeds one connected session and stays up until Ctrl-C.
 * --plan-quota / --session-quota: after N messages a day (the plan's, or each session's own) sends
 * are refused with 402 quota_exceeded, in the error shape --quota-shape picks (default coded).
 * --balance: after N messages in all, sends are refused with 402 4021 balance low (same shapes).
 * --keep-refusals (or FAKE_SENDAPI_KEEP_REFUSALS=1): refusals, 429 included, are kept under their
 * Idempotency-Key and replayed (`Idempotent-Replayed: true`, no Retry-After), as a stricter SendApi might.
 */
import { keepRefusalsFromEnv, STARTER_LIMITS, startFakeSendApi } from './index';
import type { FakeLimits } from './limits';

const USAGE =
	'Usage: fake-sendapi [--emit-events] [--auto-connect] [--starter-limits] [--integer-ids] [--api-key=KEY]\n' +
	'                    [--plan-quota=N] [--session-quota=N] [--quota-shape=coded|param] [--balance=N]\n' +
	'                    [--keep-refusals]   (PORT env, default 3333; FAKE_SENDAPI_KEEP_REFUSALS=1 as --keep-refusals)';

/** A whole number ≥ 0 for a quota flag, or undefined when the flag is absent. */
function quotaFlag(name: string, text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	const count = Number(text);
	if (!Number.isInteger(count) || count < 0)
		throw new Error(`--${name} must be a whole number ≥ 0, got ${text}`);
	return count;
}

/** The limits the flags ask for: Starter's, then the daily quotas and their error shape. */
function limitsFrom(
	flag: (name: string) => boolean,
	value: (name: string) => string | undefined,
): Partial<FakeLimits> | undefined {
	const limits: Partial<FakeLimits> = flag('starter-limits') ? { ...STARTER_LIMITS } : {};
	const planQuota = quotaFlag('plan-quota', value('plan-quota'));
	const sessionQuota = quotaFlag('session-quota', value('session-quota'));
	const balance = quotaFlag('balance', value('balance'));
	const shape = value('quota-shape');
	if (planQuota !== undefined) limits.planMessagesPerDay = planQuota;
	if (sessionQuota !== undefined) limits.sessionQuotaPerDay = sessionQuota;
	if (balance !== undefined) limits.balanceMessages = balance;
	if (shape !== undefined) {
		if (shape !== 'coded' && shape !== 'param')
			throw new Error(`--quota-shape must be coded or param, got ${shape}`);
		limits.quotaErrorShape = shape;
	}
	return Object.keys(limits).length > 0 ? limits : undefined;
}

async function main(): Promise<void> {
	const args = process.argv.slice(2);
	const flag = (name: string) => args.includes(`--${name}`);
	const value = (name: string) =>
		args
			.find((a) => a.startsWith(`--${name}=`))
			?.split('=')
			.slice(1)
			.join('=');
	const known = [
		'--emit-events',
		'--auto-connect',
		'--starter-limits',
		'--integer-ids',
		'--keep-refusals',
		'--help',
	];
	const withValue = [
		'--api-key=',
		'--plan-quota=',
		'--session-quota=',
		'--quota-shape=',
		'--balance=',
	];
	const unknown = args.filter(
		(a) => !known.includes(a) && !withValue.some((prefix) => a.startsWith(prefix)),
	);
	if (flag('help') || unknown.length) {
		if (unknown.length) console.error(`Unknown argument(s): ${unknown.join(' ')}`);
		console.log(USAGE);
		process.exit(unknown.length ? 2 : 0);
	}
	let limits: Partial<FakeLimits> | undefined;
	try {
		limits = limitsFrom(flag, value);
	} catch (error) {
		console.error((error as Error).message);
		console.log(USAGE);
		process.exit(2);
	}
	const port = Number(process.env.PORT ?? 3333);
	const apiKey = value('api-key');
	const fake = await startFakeSendApi({
		port,
		emitEvents: flag('emit-events'),
		autoConnectSessions: flag('auto-connect'),
		integerIds: flag('integer-ids'),
		idempotencyKeepsRefusals: flag('keep-refusals') || keepRefusalsFromEnv(),
		limits,
		apiKeys: apiKey ? [apiKey] : undefined,
	});
	const session = fake.seedSession({ name: 'Sandbox session' });
	console.log(`Fake SendApi listening on ${fake.url}`);
	console.log(`  Base URL:   ${fake.baseUrl}`);
	console.log(`  API key:    ${fake.apiKey}`);
	console.log(`  Session:    ${String(session.id)} (connected, ${session.phone_number})`);
	console.log(
		`  Events:     ${flag('emit-events') ? 'message.sent is delivered to registered webhooks' : 'off (use --emit-events)'}`,
	);
	const { planMessagesPerDay, sessionQuotaPerDay, quotaErrorShape, balanceMessages } = fake.limits;
	if (Number.isFinite(planMessagesPerDay) || Number.isFinite(sessionQuotaPerDay)) {
		console.log(
			`  Quotas:     ${planMessagesPerDay}/day for the plan, ${sessionQuotaPerDay}/day per session (402 quota_exceeded, ${quotaErrorShape} shape)`,
		);
	}
	if (Number.isFinite(balanceMessages))
		console.log(`  Balance:    ${balanceMessages} messages (then 402 4021 balance low)`);
	if (fake.idempotencyKeepsRefusals)
		console.log('  Idempotency: refusals (429 included) are kept under their key and replayed');
	console.log(
		'  Sandbox:    POST /__sandbox/incoming {session_id, from, text?, media?: {type, shape?, source?, host?, broken?}}   GET /__sandbox/requests   GET /__sandbox/state',
	);
	console.log(
		'              POST /__sandbox/sessions/{id}/status {status: pending|connected|disconnected}',
	);
	console.log('Press Ctrl-C to stop.');
	const stop = () => {
		fake.close().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
