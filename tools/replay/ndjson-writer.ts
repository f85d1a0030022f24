// Writes envelopes one per line, gzip-compressed when the file name ends in .gz. Respects back-pressure.
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export interface LineWriter {
  write(line: string): Promise<void>;
  close(): Promise<void>;
}

export function openLineWriter(path: string): LineWriter {
  const file: Writable = path === '-' ? process.stdout : createWriteStream(path);
  const gzip = path.endsWith('.gz') ? createGzip() : undefined;
  if (gzip) gzip.pipe(file);
  const out: Writable = gzip ?? file;
  return {
    async write(line: string) {
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    },
    async close() {
      if (path === '-' && !gzip) return;
      out.end();
      await once(file, path === '-' ? 'drain' : 'close').catch(() => {});
    },
  };
}
