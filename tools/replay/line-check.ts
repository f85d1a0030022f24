// One line of a backtest file, parsed and validated: its envelope and receipt time, or why it cannot be
// replayed. The one definition both readers use: the in-thread reader for each line, the inflate worker
// for the verdicts it hands the main thread (inflate-worker.ts).
import { parseEnvelope, type AnyEnvelope } from '../../common/contract/envelope.ts';
import { formatFieldError } from '../../common/contract/validate.ts';
import { timestampMs } from '../../common/contract/formats.ts';

/** `receivedMs`: read while validation had just parsed it (a batch later the timestamp memo has moved on). */
export type CheckedLine = { envelope: AnyEnvelope; receivedMs: number } | string;

/** A non-blank, trimmed line. */
export function checkLine(text: string): CheckedLine {
  const decoded = parseEnvelope(text);
  return Array.isArray(decoded) ? decoded.map(formatFieldError).join('; ') : { envelope: decoded, receivedMs: timestampMs(decoded.receivedAt) };
}
