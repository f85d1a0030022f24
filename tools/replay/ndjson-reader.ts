// Streams recorded telemetry: one envelope of contract v1 per line, plain or gzip (detected by its magic
// bytes). A bad line is reported with its number and reason and skipped; a truncated gzip file is reported
// and everything before the damage is still delivered. Memory is bounded by the longest line, not the file.
//
// Items come in batches: a backtest reads millions of lines, and one promise per line through an async
// generator costs more than splitting them. A file is read, inflated, split and JSON-parsed on a worker
// thread (parse-thread.ts), which hands over compact batch records; stdin is read here, on the main thread
// (ndjson-lines.ts splits it). Both give the same items.
import type { Readable } from 'node:stream';
import { maybeGunzip, openInput } from './ndjson-bytes.ts';
import { LineSplitter } from './ndjson-lines.ts';
import { parseInWorker } from './parse-thread.ts';
import { decodeLine, inputDamageItem, tooLongItem, type ReplayItem } from './replay-item.ts';

export { MAX_LINE_BYTES } from './ndjson-lines.ts';
export type { ReplayItem } from './replay-item.ts';

/** Items in batches, in file order. */
export function readNdjsonBatches(source: Readable): AsyncGenerator<ReplayItem[]> {
  return splitNdjsonBatches(maybeGunzip(source));
}

/**
 * Items in batches from the file's bytes, already inflated, in any chunking, split, parsed and validated
 * on this thread. A failure of the byte stream is reported after every line before it.
 */
export async function* splitNdjsonBatches(bytes: AsyncIterable<Buffer>): AsyncGenerator<ReplayItem[]> {
  let out: ReplayItem[] = [];
  const lines = new LineSplitter({ text: (text, line) => out.push(decodeLine(text, line)), tooLong: (line) => out.push(tooLongItem(line)) });
  try {
    for await (const chunk of bytes) {
      lines.push(chunk);
      if (out.length) { yield out; out = []; }
    }
    lines.end();
    if (out.length) yield out;
  } catch (err) {
    yield [inputDamageItem(err as NodeJS.ErrnoException, lines.line)];
  }
}

/** Items one by one (the batch reader, flattened). */
export async function* readNdjson(source: Readable): AsyncGenerator<ReplayItem> {
  for await (const batch of readNdjsonBatches(source)) yield* batch;
}

/**
 * A file's items in batches. A file is read, inflated, split and parsed by a worker thread (the main thread
 * validates and replays); stdin, or `inThread`, all on the main thread. Both give the same items.
 */
export function readNdjsonFileBatches(path: string, o: { inThread?: boolean } = {}): AsyncGenerator<ReplayItem[]> {
  return path === '-' || o.inThread ? readNdjsonBatches(openInput(path)) : parseInWorker(path);
}
