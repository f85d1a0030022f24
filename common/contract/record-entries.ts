// The events of a consumed telemetry record, whatever its format: v1 (one envelope, the record itself),
// v2 (a batch record, common/contract/batch.ts) or v3 (a compact batch record, compact-batch.ts).
// For export, tests and tools; the processor's hot path reads batches with the readers directly.
import { batchFormat, BatchFormatError, decodeBatch, type BatchEntry } from './batch.ts';
import { COMPACT_BATCH_FORMAT, decodeCompactBatch } from './compact-batch.ts';

/**
 * Every entry of `r`, values as JSON text. A damaged batch throws BatchFormatError (the caller
 * dead-letters the record whole: its entries cannot be told apart), as does an unknown batch format.
 */
export function recordEntries(r: { key: string; value: Buffer; headers?: Record<string, string> }): BatchEntry[] {
  const format = batchFormat(r.headers);
  if (format === undefined) return [{ key: r.key, value: r.value, ...(r.headers ? { headers: r.headers } : {}) }];
  if (format === '1') return decodeBatch(r.value);
  if (format === String(COMPACT_BATCH_FORMAT)) return decodeCompactBatch(r.value);
  throw new BatchFormatError(`unknown batch format ${JSON.stringify(format.slice(0, 16))}`);
}
