// Record format v2 of the telemetry topics: a batch record, several events in one Kafka record.
//
// A record is a batch when it carries the header `ringwatch-batch` (value: the batch format version, "1").
// Readers check that header first and otherwise read the record as a v1 record (one envelope, JSON).
// Writers group a batch by partition (common/bus/batching-producer.ts): every entry's key hashes to the
// partition of the batch record's key, so per-device order and partition ownership are what they were
// with one record per event. Each entry keeps its own key, headers (trace context) and value bytes, so an
// invalid entry is dead-lettered alone, with its original bytes.
//
// Layout (uvarint = unsigned LEB128):
//   u8 format (1) | uvarint count | count x entry meta | body
//   entry meta: uvarint keyLength, key (UTF-8) | uvarint h: 0 no headers, 1 the previous entry's headers,
//               h >= 2: h - 2 bytes of a JSON object of string values | uvarint valueLength
//   body: value0 value1 ... (the values' bytes, back to back: entry i starts at sum(len_j, j < i))
// A reader walks the metadata without allocating and hands each value's bytes to the decoder in place
// (one JSON.parse of the whole body as an array measured the same as one per entry, and would let a
// crafted batch shift event boundaries).
export const BATCH_HEADER = 'ringwatch-batch';
export const BATCH_FORMAT = 1;
const BATCH_FORMAT_TEXT = String(BATCH_FORMAT);

/** Most entries one batch record may hold (a decoder refuses more: a corrupt count cannot allocate). */
export const MAX_BATCH_ENTRIES = 100_000;

export interface BatchEntry {
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

export const isBatch = (headers: Record<string, string> | undefined): boolean => headers?.[BATCH_HEADER] !== undefined;

/** The batch format a batch record's header names: "1" (v2, this file) or "2" (v3, compact-batch.ts). */
export const batchFormat = (headers: Record<string, string> | undefined): string | undefined => headers?.[BATCH_HEADER];

export const batchHeaders = (format: number = BATCH_FORMAT): Record<string, string> => ({ [BATCH_HEADER]: format === BATCH_FORMAT ? BATCH_FORMAT_TEXT : String(format) });

function uvarintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) { n = Math.floor(n / 128); len++; }
  return len;
}

function writeUvarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

/** Bytes an entry adds to a batch (for size bounds before encoding). */
export function entryBytes(e: BatchEntry): number {
  return Buffer.byteLength(e.key) + e.value.length + 8 + (e.headers ? 64 : 0);
}

/** Encode entries (at least one) into a batch record value. */
export function encodeBatch(entries: readonly BatchEntry[]): Buffer {
  if (!entries.length) throw new Error('a batch holds at least one entry');
  const keys: Buffer[] = new Array(entries.length);
  const heads: (Buffer | 1 | 0)[] = new Array(entries.length);
  let size = 1 + uvarintLength(entries.length); // format, count
  let prev: Record<string, string> | undefined;
  let prevText: string | undefined;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const key = Buffer.from(e.key, 'utf8');
    keys[i] = key;
    size += uvarintLength(key.length) + key.length + uvarintLength(e.value.length) + e.value.length;
    const h = e.headers && Object.keys(e.headers).length ? e.headers : undefined;
    if (!h) { heads[i] = 0; size += 1; prev = undefined; prevText = undefined; continue; }
    // Entries of one request share one headers object (collectors/publish.ts): said once per run.
    const text = h === prev ? prevText! : JSON.stringify(h);
    if (text === prevText) { heads[i] = 1; size += 1; prev = h; continue; }
    const bytes = Buffer.from(text, 'utf8');
    heads[i] = bytes;
    size += uvarintLength(bytes.length + 2) + bytes.length;
    prev = h;
    prevText = text;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  out[at++] = BATCH_FORMAT;
  at = writeUvarint(out, at, entries.length);
  for (let i = 0; i < entries.length; i++) {
    at = writeUvarint(out, at, keys[i].length);
    at += keys[i].copy(out, at);
    const h = heads[i];
    if (h === 0 || h === 1) out[at++] = h;
    else { at = writeUvarint(out, at, h.length + 2); at += h.copy(out, at); }
    at = writeUvarint(out, at, entries[i].value.length);
  }
  for (let i = 0; i < entries.length; i++) at += entries[i].value.copy(out, at);
  return out;
}

export class BatchFormatError extends Error {}

/**
 * A walk over one batch record without allocating per entry: `next()` moves to the next entry and sets
 * the offsets; `key()`, `value()` and `headers()` build objects only when asked (the dead-letter path).
 * One reader can be reused for many batches (`reset`).
 */
export class BatchReader {
  buf: Buffer = Buffer.alloc(0);
  count = 0;
  /** Index of the current entry (-1 before the first). */
  index = -1;
  keyStart = 0;
  keyEnd = 0;
  valueStart = 0;
  valueEnd = 0;
  private headStart = 0;
  private headEnd = 0;
  /** Where the metadata walk is. */
  at = 0;
  private bodyStart = 0;
  private bodyAt = 0;

  /** Start reading `buf`; throws BatchFormatError when the layout is not that of a batch. */
  reset(buf: Buffer): this {
    this.buf = buf;
    this.index = -1;
    this.headStart = this.headEnd = 0;
    if (buf.length < 3 || buf[0] !== BATCH_FORMAT) throw new BatchFormatError(`not a batch of format ${BATCH_FORMAT}`);
    this.at = 1;
    this.count = this.uvarint();
    if (this.count < 1 || this.count > MAX_BATCH_ENTRIES) throw new BatchFormatError(`batch count ${this.count} out of range`);
    // Walk the metadata once to find the body and check every length (so next() cannot run off the end).
    const start = this.at;
    let total = 0;
    for (let i = 0; i < this.count; i++) {
      const kl = this.uvarint();
      this.at += kl;
      const h = this.uvarint();
      if (h >= 2) this.at += h - 2;
      total += this.uvarint();
      if (this.at > buf.length) throw new BatchFormatError('batch metadata runs past the record');
    }
    this.bodyStart = this.at;
    if (this.bodyStart + total !== buf.length) {
      throw new BatchFormatError('batch body length does not match its entries');
    }
    this.at = start;
    this.bodyAt = this.bodyStart;
    return this;
  }

  next(): boolean {
    if (this.index + 1 >= this.count) return false;
    this.index++;
    const kl = this.uvarint();
    this.keyStart = this.at;
    this.keyEnd = this.at += kl;
    const h = this.uvarint();
    if (h === 0) this.headStart = this.headEnd = 0;
    else if (h >= 2) { this.headStart = this.at; this.headEnd = this.at += h - 2; }
    const vl = this.uvarint();
    this.valueStart = this.bodyAt;
    this.valueEnd = this.bodyAt + vl;
    this.bodyAt = this.valueEnd;
    return true;
  }

  key(): string {
    return this.buf.toString('utf8', this.keyStart, this.keyEnd);
  }

  /** The entry's original bytes (a view into the record, not a copy). */
  value(): Buffer {
    return this.buf.subarray(this.valueStart, this.valueEnd);
  }

  valueText(): string {
    return this.buf.toString('utf8', this.valueStart, this.valueEnd);
  }

  headers(): Record<string, string> {
    return this.headEnd <= this.headStart ? {} : parseHeaderText(this.buf.toString('utf8', this.headStart, this.headEnd));
  }

  private uvarint(): number {
    return readUvarint(this, 5);
  }
}

/**
 * The unsigned LEB128 number at `cursor.at` (moved past it), at most `maxBytes` long; a BatchFormatError
 * when it runs past the buffer or is longer.
 */
export function readUvarint(cursor: { buf: Buffer; at: number }, maxBytes: number): number {
  let n = 0;
  let scale = 1;
  for (let i = 0; i < maxBytes; i++) {
    if (cursor.at >= cursor.buf.length) throw new BatchFormatError('batch runs past the record');
    const b = cursor.buf[cursor.at++];
    n += (b & 0x7f) * scale;
    if (b < 0x80) return n;
    scale *= 128;
  }
  throw new BatchFormatError(`uvarint longer than ${maxBytes} bytes`);
}

/** An entry's headers from their JSON text: string values only; anything else reads as no headers. */
export function parseHeaderText(text: string): Record<string, string> {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string' && k !== '__proto__') out[k] = v;
    return out;
  } catch {
    return {};
  }
}

/** What every batch reader (this file's, compact-batch.ts's) offers for walking its entries. */
export interface EntryReader {
  next(): boolean;
  key(): string;
  value(): Buffer;
  headers(): Record<string, string>;
}

/** Every entry a reset batch reader holds, materialised (tests, export, tools; not the processor's hot path). */
export function readEntries(r: EntryReader): BatchEntry[] {
  const out: BatchEntry[] = [];
  while (r.next()) {
    const headers = r.headers();
    out.push({ key: r.key(), value: r.value(), ...(Object.keys(headers).length ? { headers } : {}) });
  }
  return out;
}

/** Every entry of a batch record, materialised. */
export const decodeBatch = (value: Buffer): BatchEntry[] => readEntries(new BatchReader().reset(value));

