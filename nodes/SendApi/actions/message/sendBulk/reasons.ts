/**
 * How a row's "not sent" reason reads. Outside tool runs, as it always has: "Row 3: To … contains
 * letters", the fix left to docs/ and the node's hints. In a tool run (an AI Agent calling
 * Send Bulk) a model reads the reasons and nothing else, so each one says what to change, and the
 * row is named only to tell several rows apart: "To "x" contains letters (row 3). Use …"; for a
 * single row, "Row 1" would be noise. A row SendApi refused names its recipient, which is what
 * the model chose and can correct.
 */
import type { BulkOutcome, BulkRow } from '../../../bulkEngine';
import { isValidRow } from '../../../bulkEngine';
import { asSentence } from '../../../helpers/validation';

export interface RowReasons {
	/** Whether reasons are written for a model (a tool run). */
	forModel: boolean;
	/** The reason of a row that cannot be sent as given (`problem` names the field). */
	invalid(index: number, problem: string, fix?: string): string;
}

export function rowReasons(forModel: boolean, rowCount: number): RowReasons {
	const several = rowCount > 1;
	return {
		forModel,
		invalid(index, problem, fix) {
			if (!forModel) return `Row ${index + 1}: ${problem}`;
			const which = several ? ` (row ${index + 1})` : '';
			return fix ? `${asSentence(`${problem}${which}`)} ${fix}` : `${problem}${which}`;
		},
	};
}

/**
 * In a tool run, a row SendApi (or the run's limits) did not send names its recipient, and its
 * row when there are several: "Not sent to +447700900001 (row 3): SendApi: …". Rows never sent
 * keep their reason (it already names the field and value), as do all reasons outside tool runs.
 */
export function forModelOutcomes(
	outcomes: readonly BulkOutcome[],
	rows: readonly BulkRow[],
): BulkOutcome[] {
	const several = rows.length > 1;
	return outcomes.map((outcome) => {
		const row = rows[outcome.index];
		if (outcome.status !== 'not_sent' || !row || !isValidRow(row)) return outcome;
		const which = several ? ` (row ${outcome.index + 1})` : '';
		return { ...outcome, reason: `Not sent to ${row.to}${which}: ${outcome.reason ?? 'not sent'}` };
	});
}
