import type { IHttpRequestOptions, INode } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';
import { request } from 'undici';

import { SendApiApi } from '../../credentials/SendApiApi.credentials';
import { TestCredentialsHelper } from '../helpers/runWorkflow';
import { useFakeSendApi } from '../helpers/fakeServer';

const fake = useFakeSendApi();
const credential = new SendApiApi();
const node: INode = {
	id: 'n',
	name: 'SendApi',
	type: 'n8n-nodes-sendapi.sendApi',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};
const workflow = new Workflow({
	nodes: [],
	connections: {},
	active: false,
	nodeTypes: {
		getByName: () => undefined,
		getByNameAndVersion: () => undefined,
		getKnownTypes: () => ({}),
	} as never,
});

/** Resolves the credential's test request as n8n does (expressions over $credentials) and sends it. */
async function runCredentialTest(apiKey: string, baseUrl: string) {
	const credentials = { apiKey, baseUrl };
	const resolve = (value: unknown) =>
		workflow.expression.getParameterValue(value as string, null, 0, 0, node.name, [], 'internal', {
			$credentials: credentials,
		});
	const testRequest = credential.test.request;
	const options = (await new TestCredentialsHelper({}).authenticate(
		credentials,
		'sendApiApi',
		{ url: '', headers: {} } as IHttpRequestOptions,
		workflow,
		node,
	)) as IHttpRequestOptions;
	const url = new URL(`${resolve(testRequest.baseURL)}${testRequest.url}`);
	for (const [key, value] of Object.entries(testRequest.qs ?? {}))
		url.searchParams.set(key, String(value));
	const response = await request(url, {
		method: testRequest.method ?? 'GET',
		headers: options.headers as Record<string, string>,
	});
	await response.body.dump();
	return response.statusCode;
}

describe('SendApi API credential', () => {
	test('API key is a password field and the base URL defaults to SendApi', () => {
		const apiKey = credential.properties.find((p) => p.name === 'apiKey');
		const baseUrl = credential.properties.find((p) => p.name === 'baseUrl');
		expect(apiKey?.typeOptions?.password).toBe(true);
		expect(baseUrl?.default).toBe('https://sendapi.co/v1');
		expect(credential.authenticate).toEqual({
			type: 'generic',
			properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } },
		});
	});

	test('the test request succeeds with a valid key, also with a trailing slash on the base URL', async () => {
		expect(await runCredentialTest(fake.api.apiKey, `${fake.api.baseUrl}/`)).toBe(200);
		expect(fake.api.requests[0]).toMatchObject({ method: 'GET', path: '/v1/whatsapp/sessions' });
		expect(fake.api.requests[0].headers.authorization).toBe(`Bearer ${fake.api.apiKey}`);
	});

	test('the test request fails with a wrong key', async () => {
		expect(await runCredentialTest('sk_test_wrong', fake.api.baseUrl)).toBe(401);
	});
});
