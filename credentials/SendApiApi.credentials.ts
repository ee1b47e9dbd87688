import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class SendApiApi implements ICredentialType {
	name = 'sendApiApi';

	displayName = 'SendApi API';

	icon: Icon = { light: 'file:sendApi.svg', dark: 'file:sendApi.dark.svg' };

	documentationUrl = 'https://sendapi.co/docs/authentication';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'sk_live_…',
			description:
				'Your SendApi secret key from the dashboard. Keys starting with sk_test_ simulate sends without delivering them.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://sendapi.co/v1',
			description:
				'Only change this if SendApi gave you another API host (some accounts use https://api.sendapi.co/v1) or to point at a local sandbox',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/whatsapp/sessions',
			method: 'GET',
			qs: { per_page: 1 },
		},
	};
}
