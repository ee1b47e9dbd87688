/**
 * Standalone fake SendApi for a human sandbox:
 *   npm run fake-sendapi [-- --emit-events] [--auto-connect] [--starter-limits] [--integer-ids] [--api-key=sk_test_x]
 * Listens on 127.0.0.1:$PORT (default 3333), seeds one connected session and stays up until Ctrl-C.
 */
import { STARTER_LIMITS, startFakeSendApi } from './index';

async function main(): Promise<void> {
	const args = process.argv.slice(2);
	const flag = (name: string) => args.includes(`--${name}`);
	const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=').slice(1).join('=');
	const known = ['--emit-events', '--auto-connect', '--starter-limits', '--integer-ids', '--help'];
	const unknown = args.filter((a) => !known.includes(a) && !a.startsWith('--api-key='));
	if (flag('help') || unknown.length) {
		if (unknown.length) console.error(`Unknown argument(s): ${unknown.join(' ')}`);
		console.log('Usage: fake-sendapi [--emit-events] [--auto-connect] [--starter-limits] [--integer-ids] [--api-key=KEY]   (PORT env, default 3333)');
		process.exit(unknown.length ? 2 : 0);
	}
	const port = Number(process.env.PORT ?? 3333);
	const apiKey = value('api-key');
	const fake = await startFakeSendApi({
		port,
		emitEvents: flag('emit-events'),
		autoConnectSessions: flag('auto-connect'),
		integerIds: flag('integer-ids'),
		limits: flag('starter-limits') ? STARTER_LIMITS : undefined,
		apiKeys: apiKey ? [apiKey] : undefined,
	});
	const session = fake.seedSession({ name: 'Sandbox session' });
	console.log(`Fake SendApi listening on ${fake.url}`);
	console.log(`  Base URL:   ${fake.baseUrl}`);
	console.log(`  API key:    ${fake.apiKey}`);
	console.log(`  Session:    ${String(session.id)} (connected, ${session.phone_number})`);
	console.log(`  Events:     ${flag('emit-events') ? 'message.sent is delivered to registered webhooks' : 'off (use --emit-events)'}`);
	console.log('  Sandbox:    POST /__sandbox/incoming {session_id, from, text}   GET /__sandbox/requests   GET /__sandbox/state');
	console.log('              POST /__sandbox/sessions/{id}/status {status: pending|connected|disconnected}');
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
