// Messages from the parse worker to the main thread (parse-worker.ts, parse-thread.ts). The main thread
// answers each `records` message with a credit (any message) once it takes the batch.

/**
 * A line that is not in a record, by number: why it was refused (not JSON, too long), or its text, for a
 * line whose parsed value a compact record would not carry exactly (the main thread parses it itself).
 */
export type LineAside = { line: number; reason: string } | { line: number; text: string };

export type ParseMessage =
  /**
   * Compact batch records (format v3) of parsed lines, `lines[i][j]` the line number of entry j of record
   * i; `aside` the other non-blank lines, in file order. Both ascending: merged by line number.
   */
  | { type: 'records'; records: Uint8Array[]; lines: Float64Array[]; aside: LineAside[] }
  | { type: 'end' }
  /** The input failed after `lines` lines (blank ones included) were read. */
  | { type: 'error'; message: string; code?: string; lines: number };

/** A message covers at least this many inflated bytes: fewer messages, same memory bound. */
export const BATCH_BYTES = 4 << 20;
/** Messages sent and not yet taken by the main thread: enough to keep it busy while the worker parses more. */
export const MAX_IN_FLIGHT = 3;
/** Entries per record: the reader decodes a record whole, so this bounds the documents decoded at once. */
export const RECORD_ENTRIES = 4096;
