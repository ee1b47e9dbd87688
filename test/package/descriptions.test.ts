/**
 * The built descriptions of both nodes and the credential, held against a committed copy: what n8n
 * shows (parameter names, defaults, options, action texts) must not change by accident. After an
 * intended change, regenerate the copy with `UPDATE_DESCRIPTIONS=1 npm test -- descriptions` and
 * review its diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';

import { SendApiApi } from '../../credentials/SendApiApi.credentials';
import { SendApi } from '../../nodes/SendApi/SendApi.node';
import { SendApiTrigger } from '../../nodes/SendApiTrigger/SendApiTrigger.node';

const COPY = join(__dirname, '..', 'fixtures', 'descriptions.json');

/** What n8n reads of each class, as JSON (functions, which JSON cannot hold, drop out). */
function describeAll(): unknown {
	const credential = new SendApiApi();
	return JSON.parse(
		JSON.stringify({
			SendApi: new SendApi().description,
			SendApiTrigger: new SendApiTrigger().description,
			SendApiApi: { ...credential },
		}),
	) as unknown;
}

test('the node and credential descriptions are the committed ones', () => {
	const current = describeAll();
	if (process.env.UPDATE_DESCRIPTIONS === '1') {
		writeFileSync(COPY, `${JSON.stringify(current, null, '\t')}\n`);
	}
	expect(existsSync(COPY)).toBe(true);
	expect(current).toEqual(JSON.parse(readFileSync(COPY, 'utf8')));
});
