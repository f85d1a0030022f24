// Messages from the inflate worker to the main thread (inflate-worker.ts, inflate-thread.ts). The main thread
// answers each `bytes` message with a credit (any message) once the batch is taken.

export type InflateMessage =
  | { type: 'bytes'; chunks: Uint8Array[] }
  | { type: 'end' }
  | { type: 'error'; message: string; code?: string };

/** A batch is at least this big (a few inflated chunks): fewer messages, same memory bound. */
export const BATCH_BYTES = 4 << 20;
/** Batches sent and not yet taken by the main thread: enough to keep it busy while the worker inflates more. */
export const MAX_IN_FLIGHT = 3;
