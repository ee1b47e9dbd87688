import type { MessageFragment } from '../transport/wire/messageBodies';
import { canonicalJson } from '../transport/json';

/** Rows with the same key carry the same message, so the bulk engine may send them in one call. */
export function messageKey(fragment: MessageFragment): string {
	return canonicalJson(fragment);
}
