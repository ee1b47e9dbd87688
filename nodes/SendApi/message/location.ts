import type { MessageContent } from '../transport/wire/messageBodies';
import type { MessageInput } from './input';
import { FIELD_LABELS, MessageInputError } from './inputError';
import { optionalText } from './values';

export function validateLocation(
	input: Extract<MessageInput, { type: 'location' }>,
): MessageContent {
	return {
		type: 'location',
		lat: coordinate(input.latitude, FIELD_LABELS.latitude, 'latitude', 90),
		lng: coordinate(input.longitude, FIELD_LABELS.longitude, 'longitude', 180),
		label: optionalText(input.label),
		address: optionalText(input.address),
	};
}

function coordinate(value: unknown, label: string, key: string, limit: number): number {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : value;
	if (typeof number !== 'number' || !Number.isFinite(number)) {
		const shown =
			value === undefined || value === null || value === ''
				? 'is empty'
				: `"${String(value)}" is not a number`;
		throw new MessageInputError(
			label,
			shown,
			`Enter decimal degrees, e.g. ${key === 'latitude' ? '51.5072' : '-0.1276'}.`,
			key,
		);
	}
	if (number < -limit || number > limit) {
		throw new MessageInputError(
			label,
			`is ${number}; it must be between -${limit} and ${limit}`,
			'Check that latitude and longitude are not swapped.',
			key,
		);
	}
	return number;
}
