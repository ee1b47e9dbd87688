/** The fake OpenAI-compatible server (test/fake-openai) as the e2e's n8n sees it. */
import * as fs from 'fs';
import * as path from 'path';
import type { FakeOpenAi } from '../../fake-openai';
import type { N8nHome } from './n8nProcess';
import type { CredentialRef } from './workflows';

/** An `openAiApi` credential whose Base URL (`url`, the same field in 1.x and 2.x) is the fake. */
export function openAiCredentialFor(openAi: FakeOpenAi, ref: CredentialRef) {
	return {
		id: ref.id,
		name: ref.name,
		type: 'openAiApi',
		data: { apiKey: openAi.apiKey, url: openAi.baseUrl },
	};
}

/** Keeps everything the model was shown with the run: `.e2e/<version>/<test>/fake-openai-requests.json`. */
export function keepModelRequests(home: N8nHome | undefined, openAi: FakeOpenAi | undefined): void {
	if (!home || !openAi) return;
	fs.writeFileSync(
		path.join(home.dir, 'fake-openai-requests.json'),
		JSON.stringify(openAi.requests, null, 2),
	);
}
