import { runNode } from '../helpers/runWorkflow';
import { useFakeSendApi } from '../helpers/fakeServer';
import { normalisePhone } from '../../nodes/SendApi/helpers/phone';

const fake = useFakeSendApi();
const byId = (value: string | number) => ({ __rl: true, mode: 'id', value: String(value) });

describe('Contact resource', () => {
	test('Check Number normalises the number and reads the unwrapped answer', async () => {
		const session = fake.api.seedSession();
		const { outputs, error } = await runNode({
			parameters: {
				resource: 'contact',
				operation: 'checkNumber',
				session: byId(session.id),
				phone: '={{ $json.phone }}',
			},
			items: [{ json: { phone: '+44 (7700) 900-001' } }, { json: { phone: '0044 7700 900009' } }],
			credentials: fake.credentials,
		});
		expect(error).toBeUndefined();
		expect(outputs[0].map((item) => item.json)).toEqual([
			{
				phone: '+447700900001',
				is_whatsapp_user: true,
				whatsapp_id: '447700900001@s.whatsapp.net',
			},
			{ phone: '+447700900009', is_whatsapp_user: false, whatsapp_id: null },
		]);
		const check = fake.api.requests[0];
		expect(check.path).toBe('/v1/whatsapp/contacts/%2B447700900001/check');
		expect(check.query.session_id).toBe(String(session.id));
	});

	test('Check Number refuses a number that cannot be one, naming item and field', async () => {
		const session = fake.api.seedSession();
		const { error } = await runNode({
			parameters: {
				resource: 'contact',
				operation: 'checkNumber',
				session: byId(session.id),
				phone: '={{ $json.phone }}',
			},
			items: [{ json: { phone: '+447700900001' } }, { json: { phone: 'call me' } }],
			credentials: fake.credentials,
		});
		expect(error?.name).toBe('NodeOperationError');
		expect(error?.message).toBe('Item 2: Phone Number "call me" contains letters');
		expect(error?.description).toMatch(/country code/);
	});

	test('Get Many walks the pages of a session with an integer id', async () => {
		const session = fake.api.seedSession({ id: 42 });
		fake.api.seedContacts(42, 250);
		const { outputs } = await runNode({
			parameters: {
				resource: 'contact',
				operation: 'getAll',
				session: byId(session.id),
				returnAll: true,
			},
			credentials: fake.credentials,
		});
		expect(outputs[0]).toHaveLength(250);
		expect(fake.api.requests.map((r) => r.query.page)).toEqual(['1', '2', '3']);
		expect(fake.api.requests.every((r) => r.query.session_id === '42')).toBe(true);
	});

	test('Get Many with a limit', async () => {
		const session = fake.api.seedSession();
		fake.api.seedContacts(session.id, 40);
		const { outputs } = await runNode({
			parameters: {
				resource: 'contact',
				operation: 'getAll',
				session: byId(session.id),
				returnAll: false,
				limit: 5,
			},
			credentials: fake.credentials,
		});
		expect(outputs[0]).toHaveLength(5);
	});
});

describe('phone numbers', () => {
	test.each([
		['+44 7700 900000', '+447700900000'],
		['0044 7700 900000', '+447700900000'],
		['(+1) 415-555-0100', '+14155550100'],
		['whatsapp:+5511987654321', '+5511987654321'],
		['447700900000@s.whatsapp.net', '+447700900000'],
		['447700900000', '+447700900000'],
		[4915123456789, '+4915123456789'],
	])('%s → %s', (raw, e164) => {
		expect(normalisePhone(raw)).toEqual({ ok: true, e164 });
	});

	test.each([
		['', /empty/],
		['07700 900000', /national number/],
		['+12', /not a valid international number/],
		['+1234567890123456', /not a valid international number/],
		['abc', /letters/],
		['+44 7700 900000!', /characters/],
	])('%p is refused', (raw, reason) => {
		const parsed = normalisePhone(raw);
		expect(parsed.ok).toBe(false);
		if (!parsed.ok) expect(parsed.reason).toMatch(reason);
	});
});
