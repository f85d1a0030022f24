// The bytes of a recorded file, inflated when it is gzip (detected by its magic bytes), in large chunks.
// Shared by the in-thread reader and the inflate worker, so both read a file the same way.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** Read and inflate in large chunks: fewer callbacks per line (the defaults are 64 KiB and 16 KiB). */
const READ_CHUNK_BYTES = 1 << 20;
const GUNZIP_CHUNK_BYTES = 256 << 10;

async function* chunksOf(input: Readable): AsyncGenerator<Buffer> {
  for await (const chunk of input) yield chunk as Buffer;
}

/** Peek at the first bytes to decide whether the stream is gzip. */
export async function* maybeGunzip(source: Readable): AsyncGenerator<Buffer> {
  const it = chunksOf(source);
  const first = await it.next();
  if (first.done) return;
  const head = first.value;
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
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

export const openInput = (path: string): Readable => (path === '-' ? process.stdin : createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }));
