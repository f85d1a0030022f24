// Streams recorded telemetry: one envelope of contract v1 per line, plain or gzip (detected by its magic
// bytes). A bad line is reported with its number and reason and skipped; a truncated gzip file is reported
// and everything before the damage is still delivered. Memory is bounded by the longest line, not the file.
//
// Items come in batches (one per decoded chunk): a backtest reads millions of lines, and one promise per
// line through an async generator costs more than splitting them. Lines are cut by ndjson-lines.ts. A file
// is read, inflated and validated line by line on a worker thread (inflate-thread.ts), which hands over
// the bytes with its verdict on each line: here a valid line is only JSON-parsed. Stdin is read, parsed
// and validated here.
import type { Readable } from 'node:stream';
import { maybeGunzip, openInput } from './ndjson-bytes.ts';
import { LineSplitter, TOO_LONG_REASON, inputDamageReason } from './ndjson-lines.ts';
import { inflateInWorker } from './inflate-thread.ts';
import { checkLine } from './line-check.ts';
import type { AnyEnvelope } from '../../common/contract/envelope.ts';

export { MAX_LINE_BYTES } from './ndjson-lines.ts';

export type ReplayItem =
  /** `receivedMs`: the envelope's receipt time, read while validation had just parsed it (a batch later it is forgotten). */
  | { ok: true; line: number; envelope: AnyEnvelope; receivedMs: number }
  | { ok: false; line: number; reason: string };

function decodeLine(text: string, line: number): ReplayItem {
  const checked = checkLine(text);
  return typeof checked === 'string' ? { ok: false, line, reason: checked } : { ok: true, line, ...checked };
}

const tooLong = (line: number): ReplayItem => ({ ok: false, line, reason: TOO_LONG_REASON });

/** Items in batches, in file order. */
export function readNdjsonBatches(source: Readable): AsyncGenerator<ReplayItem[]> {
  return splitNdjsonBatches(maybeGunzip(source), decodeLine);
}

/**
 * Items in batches from a file's bytes, already inflated, in any chunking, `decode` giving each non-blank
 * line's item. A failure of the byte stream is reported after every line before it.
 */
async function* splitNdjsonBatches(bytes: AsyncIterable<Buffer>, decode: (text: string, line: number) => ReplayItem): AsyncGenerator<ReplayItem[]> {
  let out: ReplayItem[] = [];
  const lines = new LineSplitter({ text: (text, line) => out.push(decode(text, line)), tooLong: (line) => out.push(tooLong(line)) });
  try {
    for await (const chunk of bytes) {
      lines.push(chunk);
      if (out.length) { yield out; out = []; }
    }
    lines.end();
    if (out.length) yield out;
  } catch (err) {
    yield [{ ok: false, line: lines.line + 1, reason: inputDamageReason(err as NodeJS.ErrnoException, lines.line) }];
  }
}

/**
 * A file's items from the inflate worker, one batch per message: the lines it found valid are JSON-parsed
 * here, the others reported with its reasons, in line order.
 */
async function* readCheckedBatches(path: string): AsyncGenerator<ReplayItem[]> {
  let linesRead = 0;
  try {
    for await (const m of inflateInWorker(path)) {
      const { text, lines, receivedMs, bad } = m;
      const out: ReplayItem[] = new Array(lines.length + bad.length);
      let n = 0;
      let b = 0;
      let start = 0;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        while (b < bad.length && bad[b].line < line) out[n++] = { ok: false, ...bad[b++] };
        let end = text.indexOf('\n', start);
        if (end === -1) end = text.length;
        out[n++] = { ok: true, line, envelope: JSON.parse(text.slice(start, end)) as AnyEnvelope, receivedMs: receivedMs[i] };
        start = end + 1;
      }
      while (b < bad.length) out[n++] = { ok: false, ...bad[b++] };
      linesRead = out[n - 1].line;
      yield out;
    }
  } catch (err) {
    const lines = (err as { lines?: number }).lines ?? linesRead;
    yield [{ ok: false, line: lines + 1, reason: inputDamageReason(err as NodeJS.ErrnoException, lines) }];
  }
}

/** Items one by one (the batch reader, flattened). */
export async function* readNdjson(source: Readable): AsyncGenerator<ReplayItem> {
  for await (const batch of readNdjsonBatches(source)) yield* batch;
}

/**
 * A file's items in batches. A file is read, inflated and validated by a worker thread (the main thread
 * splits and JSON-parses the valid lines); stdin, or `inThread`, all on the main thread. Both give the
 * same items.
 */
export function readNdjsonFileBatches(path: string, o: { inThread?: boolean } = {}): AsyncGenerator<ReplayItem[]> {
  return path === '-' || o.inThread ? readNdjsonBatches(openInput(path)) : readCheckedBatches(path);
}
