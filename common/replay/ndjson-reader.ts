// Streams recorded telemetry: one envelope of contract v1 per line, plain or gzip (detected by its magic
// bytes). A bad line is reported with its number and reason and skipped; a truncated gzip file is reported
// and everything before the damage is still delivered. Memory is bounded by the longest line, not the file.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { decodeEnvelope, type AnyEnvelope } from '../contract/envelope.ts';
import { formatFieldError } from '../contract/validate.ts';

export type ReplayItem =
  | { ok: true; line: number; envelope: AnyEnvelope }
  | { ok: false; line: number; reason: string };

export const MAX_LINE_BYTES = 1 << 20;

async function* chunksOf(input: Readable): AsyncGenerator<Buffer> {
  for await (const chunk of input) yield chunk as Buffer;
}

/** Peek at the first bytes to decide whether the stream is gzip. */
async function* maybeGunzip(source: Readable): AsyncGenerator<Buffer> {
  const it = chunksOf(source);
  const first = await it.next();
  if (first.done) return;
  const head = first.value;
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    const feed = (async () => {
      try {
        gunzip.write(head);
        for await (const chunk of it) if (!gunzip.write(chunk)) await new Promise((r) => gunzip.once('drain', r));
        gunzip.end();
      } catch (err) {
        gunzip.destroy(err as Error);
      }
    })();
    yield* chunksOf(gunzip);
    await feed;
  } else {
    yield head;
    yield* it;
  }
}

export async function* readNdjson(source: Readable): AsyncGenerator<ReplayItem> {
  let line = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversize = false;
  const finishLine = function* (tail: Buffer): Generator<ReplayItem> {
    line++;
    if (oversize || pendingBytes + tail.length > MAX_LINE_BYTES) {
      yield { ok: false, line, reason: `line longer than ${MAX_LINE_BYTES} bytes` };
    } else {
      const text = Buffer.concat([...pending, tail]).toString('utf8').trim();
      if (text) {
        const decoded = decodeEnvelope(text);
        if (decoded.ok) yield { ok: true, line, envelope: decoded.value };
        else yield { ok: false, line, reason: decoded.errors.map(formatFieldError).join('; ') };
      }
    }
    pending = [];
    pendingBytes = 0;
    oversize = false;
  };
  try {
    for await (const chunk of maybeGunzip(source)) {
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
        yield* finishLine(chunk.subarray(start, nl));
        start = nl + 1;
      }
      const rest = chunk.subarray(start);
      if (pendingBytes + rest.length > MAX_LINE_BYTES) oversize = true;
      else if (rest.length) { pending.push(Buffer.from(rest)); pendingBytes += rest.length; }
    }
    if (pendingBytes || oversize) yield* finishLine(Buffer.alloc(0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'Z_BUF_ERROR' || /unexpected end/i.test((err as Error).message)
      ? 'truncated gzip stream: the file ends inside compressed data'
      : `unreadable input: ${(err as Error).message}`;
    yield { ok: false, line: line + 1, reason: `${why}; ${line} lines before it were read` };
  }
}

export function readNdjsonFile(path: string): AsyncGenerator<ReplayItem> {
  return readNdjson(path === '-' ? process.stdin : createReadStream(path));
}
