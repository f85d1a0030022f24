// Streams recorded telemetry: one envelope of contract v1 per line, plain or gzip (detected by its magic
// bytes). A bad line is reported with its number and reason and skipped; a truncated gzip file is reported
// and everything before the damage is still delivered. Memory is bounded by the longest line, not the file.
//
// Items come in batches (one per decoded chunk): a backtest reads millions of lines, and one promise per
// line through an async generator costs more than splitting them. Each chunk is cut after its last
// newline byte, decoded to text once and split with indexOf. Reading and inflating a file happen on a
// worker thread (inflate-thread.ts), which hands over whole lines without copying them.
import type { Readable } from 'node:stream';
import { maybeGunzip, openInput } from './ndjson-bytes.ts';
import { inflateInWorker } from './inflate-thread.ts';
import { checkParsedEnvelope, JsonError, parseJson, type AnyEnvelope } from '../../common/contract/envelope.ts';
import type { ShapeMemo, Shape } from '../../common/contract/heartbeat-shape.ts';
import { formatFieldError } from '../../common/contract/validate.ts';
import { timestampMs } from '../../common/contract/formats.ts';

export type ReplayItem =
  /**
   * `receivedMs`: the envelope's receipt time, read while validation had just parsed it (a batch later it
   * is forgotten). `shape`: a heartbeat's device shape, when the reader's memo has it.
   */
  | { ok: true; line: number; envelope: AnyEnvelope; receivedMs: number; shape?: Shape }
  | { ok: false; line: number; reason: string };

export const MAX_LINE_BYTES = 1 << 20;

export interface ReaderOptions {
  /**
   * A memo of heartbeat shapes (heartbeat-shape.ts): a heartbeat of a remembered shape is validated by its
   * changing fields alone and handed out with its shape. Without one, every line is checked whole (as
   * fast, when nothing needs the shapes).
   */
  shapes?: ShapeMemo<Shape>;
}

function decodeLine(text: string, line: number, shapes: ShapeMemo<Shape> | undefined): ReplayItem | undefined {
  // Lines written by export or simulate need no trim (JSON.parse takes surrounding white space anyway).
  const trimmed = text.charCodeAt(0) > 32 && text.charCodeAt(text.length - 1) > 32 ? text : text.trim();
  if (!trimmed) return undefined;
  const parsed = parseJson(trimmed);
  if (parsed instanceof JsonError) return { ok: false, line, reason: parsed.errors.map(formatFieldError).join('; ') };
  const known = shapes?.match(parsed);
  if (known) return { ok: true, line, envelope: parsed as AnyEnvelope, receivedMs: timestampMs((parsed as AnyEnvelope).receivedAt), shape: known };
  const decoded = checkParsedEnvelope(parsed);
  if (Array.isArray(decoded)) return { ok: false, line, reason: decoded.map(formatFieldError).join('; ') };
  const shape = shapes !== undefined && decoded.kind === 'heartbeat' ? shapes.remember(decoded) : undefined;
  return { ok: true, line, envelope: decoded, receivedMs: timestampMs(decoded.receivedAt), shape };
}

const tooLong = (line: number): ReplayItem => ({ ok: false, line, reason: `line longer than ${MAX_LINE_BYTES} bytes` });

/** Items in batches, in file order. */
export function readNdjsonBatches(source: Readable, o: ReaderOptions = {}): AsyncGenerator<ReplayItem[]> {
  return splitNdjsonBatches(maybeGunzip(source), o);
}

/**
 * Items in batches from the file's bytes, already inflated, in any chunking (the in-thread path, or the
 * inflate worker's). A failure of the byte stream is reported after every line before it.
 */
export async function* splitNdjsonBatches(bytes: AsyncIterable<Buffer>, o: ReaderOptions = {}): AsyncGenerator<ReplayItem[]> {
  const shapes = o.shapes;
  let line = 0;
  // Bytes of a line that continues in the next chunk. Lines are cut at the newline byte, which never
  // occurs inside a UTF-8 sequence, so every decoded piece is whole characters.
  let carry: Buffer | undefined;
  let oversize = false;
  const finish = (out: ReplayItem[], text: string) => {
    line++;
    if (oversize || (text.length > MAX_LINE_BYTES / 4 && Buffer.byteLength(text) > MAX_LINE_BYTES)) out.push(tooLong(line));
    else {
      const item = decodeLine(text, line, shapes);
      if (item) out.push(item);
    }
    oversize = false;
  };
  try {
    for await (const chunk of bytes) {
      const last = chunk.lastIndexOf(0x0a);
      if (last === -1) {
        // No line ends here. A line that has grown past the limit is dropped as it streams in.
        if (oversize || (carry?.length ?? 0) + chunk.length > MAX_LINE_BYTES) { oversize = true; carry = undefined; }
        else carry = carry ? Buffer.concat([carry, chunk]) : chunk;
        continue;
      }
      const out: ReplayItem[] = [];
      let from = 0;
      if (carry) {
        // The line begun in an earlier chunk ends at this chunk's first newline.
        from = chunk.indexOf(0x0a) + 1;
        finish(out, Buffer.concat([carry, chunk.subarray(0, from - 1)]).toString('utf8'));
      }
      carry = last + 1 < chunk.length ? chunk.subarray(last + 1) : undefined;
      // One UTF-8 decode for the rest of the chunk's whole lines, then split with indexOf.
      const s = chunk.toString('utf8', from, last + 1);
      let start = 0;
      for (let nl = s.indexOf('\n'); nl !== -1; nl = s.indexOf('\n', start)) {
        finish(out, s.slice(start, nl));
        start = nl + 1;
      }
      if (carry && carry.length > MAX_LINE_BYTES) { oversize = true; carry = undefined; }
      if (out.length) yield out;
    }
    const out: ReplayItem[] = [];
    if (carry || oversize) finish(out, carry ? carry.toString('utf8') : '');
    if (out.length) yield out;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'Z_BUF_ERROR' || /unexpected end/i.test((err as Error).message)
      ? 'truncated gzip stream: the file ends inside compressed data'
      : `unreadable input: ${(err as Error).message}`;
    yield [{ ok: false, line: line + 1, reason: `${why}; ${line} lines before it were read` }];
  }
}

/** Items one by one (the batch reader, flattened). */
export async function* readNdjson(source: Readable): AsyncGenerator<ReplayItem> {
  for await (const batch of readNdjsonBatches(source)) yield* batch;
}

/**
 * A file's items in batches. A file is read and inflated by a worker thread (the main thread only splits,
 * parses and validates); stdin, or `inThread`, on the main thread. Both give the same items.
 */
export function readNdjsonFileBatches(path: string, o: ReaderOptions & { inThread?: boolean } = {}): AsyncGenerator<ReplayItem[]> {
  return path === '-' || o.inThread ? readNdjsonBatches(openInput(path), o) : splitNdjsonBatches(inflateInWorker(path), o);
}
