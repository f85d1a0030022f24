// Worker thread of inflate-thread.ts: reads a file, inflates it when it is gzip, and hands the chunks over
// in batches, transferred (not copied) to the main thread. Flow is bounded by credits: at most
// MAX_IN_FLIGHT batches wait on the main thread, so memory does not follow the file when the replay is
// slower than inflating.
import { parentPort, workerData } from 'node:worker_threads';
import { maybeGunzip, openInput } from './ndjson-bytes.ts';
import { BATCH_BYTES, MAX_IN_FLIGHT, type InflateMessage } from './inflate-protocol.ts';

const port = parentPort!;
let inFlight = 0;
let wake: (() => void) | undefined;
port.on('message', () => {
  inFlight--;
  wake?.();
  wake = undefined;
});

const post = (m: InflateMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

/**
 * A chunk that spans its whole ArrayBuffer is the stream's alone (zlib and the file stream allocate a new
 * one after filling it) and can be moved; one that shares it (a partly filled output buffer that zlib
 * goes on filling) is copied into one of its own (not a Buffer copy: small ones come from Buffer's shared
 * pool, which cannot be moved). Chunks are not cut at newlines here: that would copy every chunk, while the
 * main thread joins only the one line that spans two chunks.
 */
const movable = (c: Buffer): Uint8Array => (c.byteOffset === 0 && c.byteLength === c.buffer.byteLength ? c : new Uint8Array(c));

let batch: Uint8Array[] = [];
let held = 0;

async function send(): Promise<void> {
  const chunks = batch;
  batch = [];
  held = 0;
  inFlight++;
  post({ type: 'bytes', chunks }, chunks.map((c) => c.buffer as ArrayBuffer));
  while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => { wake = r; });
}

try {
  for await (const chunk of maybeGunzip(openInput(workerData.path as string))) {
    batch.push(movable(chunk));
    held += chunk.length;
    if (held >= BATCH_BYTES) await send();
  }
  if (batch.length) await send();
  post({ type: 'end' });
} catch (err) {
  // Everything before the damage goes first, as on the in-thread path.
  if (batch.length) await send();
  post({ type: 'error', message: (err as Error).message, code: (err as NodeJS.ErrnoException).code });
}
