/** The fake SendApi server, in the test process, as the e2e n8n processes see it. */
import {
	startFakeSendApi,
	type FakeSendApi,
	type FakeSendApiOptions,
	type LoggedRequest,
} from '../../fake-sendapi';
import type { CredentialRef } from './workflows';

export type { FakeSendApi, LoggedRequest };

export const E2E_API_KEY = 'sk_test_e2e_key';

export async function startFake(opts: FakeSendApiOptions = {}): Promise<FakeSendApi> {
	return await startFakeSendApi({ apiKeys: [E2E_API_KEY], ...opts });
}

/** The credential (as `n8n import:credentials` takes it) pointing at the fake server. */
export function credentialFor(fake: FakeSendApi, ref: CredentialRef) {
	return {
		id: ref.id,
		name: ref.name,
		type: 'sendApiApi',
		data: { apiKey: fake.apiKey, baseUrl: fake.baseUrl },
	};
}

/** The fake's request log filtered by method and path (a string matches the path after /v1). */
export function requestsTo(
	fake: FakeSendApi,
	method: string,
	path: string | RegExp,
): LoggedRequest[] {
	return fake.requests.filter(
		(r) =>
			r.method === method &&
			(typeof path === 'string' ? r.path === `/v1${path}` : path.test(r.path)),
	);
}

export function authHeaders(fake: FakeSendApi): string[] {
	return [...new Set(fake.requests.map((r) => String(r.headers.authorization)))];
}
