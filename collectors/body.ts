// Request bodies: media type, encoding, a bounded read and a bounded gunzip. The bound holds on the wire
// and again after decompression, and inflation stops as soon as the output passes it, so a gzip bomb
// costs at most max_body_bytes of memory and the CPU to produce them.
import { gunzip } from 'node:zlib';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { IngestError } from './reasons.ts';

export type Encoding = 'identity' | 'gzip';

/** 415 unless the body is JSON (UTF-8) in an encoding we read. */
export function checkMediaType(headers: IncomingHttpHeaders): Encoding {
  const [type, ...params] = (headers['content-type'] ?? '').split(';').map((s) => s.trim().toLowerCase());
  if (type !== 'application/json') {
    throw new IngestError('unsupported_media_type', 'Content-Type must be application/json');
  }
  for (const p of params) {
    if (p.startsWith('charset=') && !['utf-8', 'utf8', '"utf-8"'].includes(p.slice('charset='.length))) {
      throw new IngestError('unsupported_media_type', 'only the utf-8 charset is accepted');
    }
  }
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return 'identity';
  if (encoding === 'gzip' || encoding === 'x-gzip') return 'gzip';
  throw new IngestError('unsupported_encoding', 'Content-Encoding must be gzip or absent');
}

const tooLarge = (max: number, what: string) =>
  new IngestError('body_too_large', `${what} is larger than ${max} bytes`);

/** Read at most `max` bytes. Past that it stops reading (the answer closes the connection). */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(tooLarge(max, 'body'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (err?: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total <= max) return void chunks.push(chunk);
      req.pause();
      done(tooLarge(max, 'body'));
    };
    const onEnd = () => done();
    const onError = () => done(new IngestError('malformed', 'request body could not be read'));
    const onAborted = () => done(new IngestError('malformed', 'request body was cut off'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** The body as sent, decompressed when gzip, never longer than `max` bytes. */
export function decodeBody(raw: Buffer, encoding: Encoding, max: number): Promise<Buffer> {
  if (encoding === 'identity') return Promise.resolve(raw);
  return new Promise((resolve, reject) => {
    gunzip(raw, { maxOutputLength: max }, (err, out) => {
      if (!err) return resolve(out);
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') reject(tooLarge(max, 'decompressed body'));
      else reject(new IngestError('malformed', 'body is not valid gzip'));
    });
  });
}
