// The events of a consumed telemetry record, whatever its format: v1 (one envelope, the record itself),
// v2 (a batch record, common/contract/batch.ts) or v3 (a compact batch record, compact-batch.ts).
// For export, tests and tools; the processor's hot path reads batches with the readers directly, after
// asking `batchKind` which reader a record takes.
import { batchFormat, BatchFormatError, decodeBatch, type BatchEntry } from './batch.ts';
import { COMPACT_BATCH_FORMAT, decodeCompactBatch } from './compact-batch.ts';

const COMPACT_FORMAT_TEXT = String(COMPACT_BATCH_FORMAT);

/**
 * Which reader a record's value takes: none (undefined: a v1 record, one envelope), 'json' (v2) or
 * 'compact' (v3). An unknown batch format throws BatchFormatError (the caller dead-letters the record whole).
 */
export function batchKind(headers: Record<string, string> | undefined): 'json' | 'compact' | undefined {
  const format = batchFormat(headers);
  if (format === undefined) return undefined;
  if (format === '1') return 'json';
  if (format === COMPACT_FORMAT_TEXT) return 'compact';
  throw new BatchFormatError(`unknown batch format ${JSON.stringify(format.slice(0, 16))}`);
}

/**
 * Every entry of `r`, values as JSON text. A damaged batch throws BatchFormatError (the caller
 * dead-letters the record whole: its entries cannot be told apart), as does an unknown batch format.
 */
export function recordEntries(r: { key: string; value: Buffer; headers?: Record<string, string> }): BatchEntry[] {
  const kind = batchKind(r.headers);
  if (kind === undefined) return [{ key: r.key, value: r.value, ...(r.headers ? { headers: r.headers } : {}) }];
  return kind === 'json' ? decodeBatch(r.value) : decodeCompactBatch(r.value);
}
