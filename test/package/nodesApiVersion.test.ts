/**
 * n8n 2.41 checks `n8n.n8nNodesApiVersion` of a package it installs or updates
 * (`checkNodesApiVersion`): a whole number of at least 1, not above the runtime's level
 * (`N8N_NODES_API_VERSION`, 1 today); anything else and the install is refused. The package keeps
 * the plain `1` every n8n version accepts.
 */
import * as fs from 'fs';
import * as path from 'path';

const pkg = JSON.parse(
	fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8'),
) as { n8n: Record<string, unknown> };

test('package.json declares n8nNodesApiVersion as the plain number 1', () => {
	expect(pkg.n8n.n8nNodesApiVersion).toBe(1);
	expect(typeof pkg.n8n.n8nNodesApiVersion).toBe('number');
});
