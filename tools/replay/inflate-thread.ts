// A file's bytes, read and inflated on a worker thread (inflate-worker.ts): the main thread of a backtest
// only splits, parses, validates and replays. Same bytes in the same order as maybeGunzip on the main thread;
// a failure (a truncated gzip, an unreadable file) is thrown after every byte before it was delivered, with
// the worker's message and code, so the reader reports it alike. Wall time goes down, CPU time does not.
import { Worker } from 'node:worker_threads';
import type { InflateMessage } from './inflate-protocol.ts';

export async function* inflateInWorker(path: string): AsyncGenerator<Buffer> {
  const worker = new Worker(new URL('./inflate-worker.ts', import.meta.url), { workerData: { path } });
  const queue: InflateMessage[] = [];
  let wake: (() => void) | undefined;
  const arrive = (m: InflateMessage) => {
    queue.push(m);
    wake?.();
    wake = undefined;
  };
  worker.on('message', arrive);
  worker.on('error', (err) => arrive({ type: 'error', message: err.message, code: (err as NodeJS.ErrnoException).code }));
  worker.on('exit', (code) => arrive({ type: 'error', message: `inflate worker exited with code ${code}` }));
  try {
    for (;;) {
      if (!queue.length) await new Promise<void>((r) => { wake = r; });
      const m = queue.shift()!;
      if (m.type === 'end') return;
      if (m.type === 'error') throw Object.assign(new Error(m.message), { code: m.code });
      worker.postMessage(1);
      for (const c of m.chunks) yield Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    }
  } finally {
    await worker.terminate();
  }
}
