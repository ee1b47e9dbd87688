/**
 * This process's record of the bursts already answered, so two executions for the same last
 * message (a delivery repeated past the trigger's guard) do not both continue. Process memory
 * only: across n8n processes it cannot help (docs/follow-up-messages.md says what remains).
 */
const MAX_CLAIMS = 2000;
const claims = new Map<string, string>();

/**
 * True when this execution may answer the burst that ends with `lastKey`: nobody claimed it yet,
 * or this same execution did (n8n's Retry On Fail runs the node again in one execution).
 */
export function claimBurst(burstKey: string, executionId: string): boolean {
	const owner = claims.get(burstKey);
	if (owner !== undefined) return owner === executionId;
	claims.set(burstKey, executionId);
	if (claims.size > MAX_CLAIMS) {
		const oldest = claims.keys().next().value;
		if (oldest !== undefined) claims.delete(oldest);
	}
	return true;
}
