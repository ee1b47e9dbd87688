import type { FakeSendApi, FakeSendApiOptions } from '../fake-sendapi';
import { startFakeSendApi } from '../fake-sendapi';
import { retrySettings } from '../../nodes/SendApi/transport';

/**
 * One fake SendApi server per test file, emptied before each test. Transport backoff is shortened
 * to a few milliseconds so retry tests stay fast; Retry-After waits come from the server's
 * `Retry-After-Ms` header, which faults set to small values.
 */
export function useFakeSendApi(options: FakeSendApiOptions = {}) {
	const holder: { api?: FakeSendApi } = {};
	const originalBackoff = retrySettings.backoff;
	beforeAll(async () => {
		retrySettings.backoff = () => 5;
		holder.api = await startFakeSendApi(options);
	});
	beforeEach(() => holder.api?.reset());
	afterAll(async () => {
		retrySettings.backoff = originalBackoff;
		await holder.api?.close();
	});
	return {
		get api(): FakeSendApi {
			if (!holder.api) throw new Error('fake SendApi not started');
			return holder.api;
		},
		get credentials() {
			return { apiKey: this.api.apiKey, baseUrl: this.api.baseUrl };
		},
	};
}
