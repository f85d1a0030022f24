// What a backtest reader hands the replay for each line: a validated envelope, or why the line (or the
// input itself) could not be replayed. Shared by the in-thread reader and the parse worker's main side,
// so both report alike.
import { TOO_LONG_REASON, inputDamageReason } from './ndjson-lines.ts';
import { parseEnvelope, type AnyEnvelope } from '../../common/contract/envelope.ts';
import { formatFieldError, type FieldError } from '../../common/contract/validate.ts';
import { timestampMs } from '../../common/contract/formats.ts';

export type ReplayItem =
  /** `receivedMs`: the envelope's receipt time, read while validation had just parsed it (a batch later it is forgotten). */
  | { ok: true; line: number; envelope: AnyEnvelope; receivedMs: number }
  | { ok: false; line: number; reason: string };

/** The item for a validated envelope, or for the errors validation gave. */
export const itemOf = (decoded: AnyEnvelope | FieldError[], line: number): ReplayItem => (Array.isArray(decoded)
  ? { ok: false, line, reason: decoded.map(formatFieldError).join('; ') }
  : { ok: true, line, envelope: decoded, receivedMs: timestampMs(decoded.receivedAt) });

/** A non-blank, trimmed line's item: parsed and validated here. */
export const decodeLine = (text: string, line: number): ReplayItem => itemOf(parseEnvelope(text), line);

export const tooLongItem = (line: number): ReplayItem => ({ ok: false, line, reason: TOO_LONG_REASON });

/** The item that reports damage to the input as a whole, after `linesBefore` lines. */
export const inputDamageItem = (err: { message: string; code?: string }, linesBefore: number): ReplayItem =>
  ({ ok: false, line: linesBefore + 1, reason: inputDamageReason(err, linesBefore) });

