// Messages from the inflate worker to the main thread (inflate-worker.ts, inflate-thread.ts). The main thread
// answers each `lines` message with a credit (any message) once the batch is taken.

export type InflateMessage =
  /**
   * The next lines of the file, split, parsed and validated by the worker. `text`: the valid lines
   * (trimmed) joined by newlines, `lines` their numbers and `receivedMs` their receipt times; `bad` the
   * other non-blank lines with the reasons they cannot be replayed. Each ascending: merged by line number.
   */
  | { type: 'lines'; text: string; lines: Float64Array; receivedMs: Float64Array; bad: { line: number; reason: string }[] }
  | { type: 'end' }
  /** The input failed after `lines` lines (blank ones included) were read. */
  | { type: 'error'; message: string; code?: string; lines?: number };

/** A batch covers at least this many inflated bytes: fewer messages, same memory bound. */
export const BATCH_BYTES = 4 << 20;
/** Batches sent and not yet taken by the main thread: enough to keep it busy while the worker reads more. */
export const MAX_IN_FLIGHT = 3;
