// Messages from the inflate worker to the main thread (inflate-worker.ts, inflate-thread.ts). The main thread
// answers each `bytes` message with a credit (any message) once the batch is taken.

export type InflateMessage =
  /**
   * Inflated chunks, and the worker's verdict on each non-blank line that they complete (the lines the
   * main thread's splitter will find in them, in order; an oversize line has none): its receipt time when
   * the line is a valid envelope, NaN when it is not, with the reasons of those lines in order.
   */
  | { type: 'bytes'; chunks: Uint8Array[]; verdicts: Float64Array; reasons: string[] }
  | { type: 'end' }
  | { type: 'error'; message: string; code?: string };

/** A batch is at least this big (a few inflated chunks): fewer messages, same memory bound. */
export const BATCH_BYTES = 4 << 20;
/** Batches sent and not yet taken by the main thread: enough to keep it busy while the worker inflates more. */
export const MAX_IN_FLIGHT = 3;
