// A file's lines, read, inflated, split and validated on a worker thread (inflate-worker.ts): the main
// thread of a backtest only JSON-parses the valid ones and replays. A failure (a truncated gzip, an
// unreadable file) is thrown after every line before it was delivered, with the worker's message, code and
// count of lines read, so the reader reports it alike.
import { Worker } from 'node:worker_threads';
import type { InflateMessage } from './inflate-protocol.ts';

export type CheckedLines = Extract<InflateMessage, { type: 'lines' }>;

export async function* inflateInWorker(path: string): AsyncGenerator<CheckedLines> {
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
      if (m.type === 'error') throw Object.assign(new Error(m.message), { code: m.code, lines: m.lines });
      worker.postMessage(1);
      yield m;
    }
  } finally {
    await worker.terminate();
  }
}
