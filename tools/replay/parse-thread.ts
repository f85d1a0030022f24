// A file's items, read, inflated, split and JSON-parsed on a worker thread (parse-worker.ts), which hands
// over compact batch records; this side decodes each record (each string of its table once, each shared map
// once) and validates every document with checkDecodedEnvelope, the processors' check for the same
// records. Same items in the same order as the in-thread reader (ndjson-reader.ts): a line the worker
// set aside is reported, or parsed here, in its place; a failure of the input is reported after every line
// before it. Wall time goes down when a core is free; CPU time goes up by the encoding.
import { Worker } from 'node:worker_threads';
import type { LineAside, ParseMessage } from './parse-protocol.ts';
import { decodeLine, inputDamageItem, itemOf, type ReplayItem } from './replay-item.ts';
import { CompactBatchReader } from '../../common/contract/compact-batch.ts';
import { checkDecodedEnvelope } from '../../common/contract/envelope.ts';

const asideItem = (a: LineAside): ReplayItem => ('text' in a ? decodeLine(a.text, a.line) : { ok: false, line: a.line, reason: a.reason });

export async function* parseInWorker(path: string): AsyncGenerator<ReplayItem[]> {
  const worker = new Worker(new URL('./parse-worker.ts', import.meta.url), { workerData: { path } });
  const queue: ParseMessage[] = [];
  let wake: (() => void) | undefined;
  const arrive = (m: ParseMessage) => {
    queue.push(m);
    wake?.();
    wake = undefined;
  };
  // Lines delivered so far: what a worker that died (not a failure it reported) is said to have read.
  let delivered = 0;
  worker.on('message', arrive);
  worker.on('error', (err) => arrive({ type: 'error', message: err.message, code: (err as NodeJS.ErrnoException).code, lines: delivered }));
  worker.on('exit', (code) => arrive({ type: 'error', message: `parse worker exited with code ${code}`, lines: delivered }));
  const reader = new CompactBatchReader();
  try {
    for (;;) {
      if (!queue.length) await new Promise<void>((r) => { wake = r; });
      const m = queue.shift()!;
      if (m.type === 'end') return;
      if (m.type === 'error') {
        yield [inputDamageItem(m, m.lines)];
        return;
      }
      worker.postMessage(1);
      const { aside } = m;
      let a = 0;
      for (let r = 0; r < m.records.length; r++) {
        const record = m.records[r];
        const lines = m.lines[r];
        reader.reset(Buffer.from(record.buffer, record.byteOffset, record.byteLength));
        const out: ReplayItem[] = [];
        for (let i = 0; reader.next(); i++) {
          const line = lines[i];
          while (a < aside.length && aside[a].line < line) out.push(asideItem(aside[a++]));
          out.push(itemOf(checkDecodedEnvelope(reader.doc), line));
        }
        delivered = out[out.length - 1].line;
        yield out;
      }
      if (a < aside.length) {
        const out = aside.slice(a).map(asideItem);
        delivered = out[out.length - 1].line;
        yield out;
      }
    }
  } finally {
    await worker.terminate();
  }
}
