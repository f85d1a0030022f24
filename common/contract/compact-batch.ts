// Record format v3 of the telemetry topics: a compact batch record (batch format 2). Same grouping and
// promises as format v2 (common/contract/batch.ts: every entry's key hashes to the partition of the record's
// key, order kept, each entry keeps its own key and headers), but the events are not JSON text: each is a
// tree of references into one per-record string table, and every flat object of strings (an event's
// components, applying, labels) is stored once per record in a table of maps. A reader decodes each
// distinct string once per record and each distinct map once, to one shared frozen object; so an event
// costs two small objects (envelope and event) instead of JSON.parse's strings and maps, and a validator
// can check a shared map once per record (envelope.ts, checkDecodedEnvelope).
//
// Marked by the header `ringwatch-batch: 2`. Layout (uvarint = unsigned LEB128):
//   u8 format (2) | uvarint count | uvarint strings, each: uvarint byteLength, UTF-8 bytes
//   | uvarint maps, each: uvarint pairs, each pair: uvarint keyString, uvarint valueString
//   | count x entry: uvarint keyString | uvarint headers (0 none, else 1 + string of a JSON object) | value
//   value: uvarint (payload * 8 + tag), tag 0 object (payload = fields; each field: uvarint keyString, value),
//          1 string (payload = string), 2 integer 0 .. 2^50 (payload = the number), 3 map (payload = map),
//          4 other JSON (payload = string holding its JSON text: negative or fractional numbers, true,
//          false, null, arrays).
// Decoded objects keep their keys in the written order, so JSON.stringify of a decoded event gives the text
// the writer's JSON.stringify would have given (export and dead letters write that).
import { BatchFormatError, MAX_BATCH_ENTRIES, parseHeaderText, readUvarint, type BatchEntry } from './batch.ts';

export const COMPACT_BATCH_FORMAT = 2;
/** Deepest nesting of objects a compact value may have (an envelope needs 2, a map inside it 3). */
const MAX_DEPTH = 8;
/** Integers below this go as a number; larger ones (up to 2^53, JSON's safe range) as JSON text. */
const MAX_INLINE_INT = 2 ** 50;

const TAG_OBJECT = 0;
const TAG_STRING = 1;
const TAG_INT = 2;
const TAG_MAP = 3;
const TAG_JSON = 4;

/** One entry to encode: its key, headers and value as a JSON document (what JSON.parse of its text gives). */
export interface CompactEntry {
  key: string;
  doc: unknown;
  headers?: Record<string, string>;
}

function uvarintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) { n = Math.floor(n / 128); len++; }
  return len;
}

const isFlatMap = (o: Record<string, unknown>): boolean => {
  for (const k in o) if (typeof o[k] !== 'string') return false;
  return true;
};

/**
 * Builds one compact batch record entry by entry; `bytes` is the record's size so far, so a writer can
 * bound a record by bytes without encoding twice.
 */
export class CompactEncoder {
  private readonly strings = new Map<string, number>();
  private readonly texts: string[] = [];
  private readonly maps = new Map<string, number>();
  private readonly mapWords: number[] = [];
  private readonly words: number[] = [];
  private fixedBytes = 0;
  count = 0;
  private prevHeaders: Record<string, string> | undefined;
  private prevRef = 0;

  /** Bytes of the record as it stands (the header's count and table lengths estimated at 3 bytes each). */
  get bytes(): number {
    return 1 + 9 + this.fixedBytes;
  }

  add(e: CompactEntry): void {
    this.word(this.str(e.key));
    const h = e.headers && Object.keys(e.headers).length ? e.headers : undefined;
    // Entries of one request share one headers object (collectors/publish.ts): stringified once per run.
    if (h !== this.prevHeaders) this.prevRef = h ? 1 + this.str(JSON.stringify(h)) : 0;
    this.prevHeaders = h;
    this.word(this.prevRef);
    this.value(e.doc, 0);
    this.count++;
  }

  finish(): Buffer {
    if (!this.count) throw new Error('a batch holds at least one entry');
    let size = 1 + uvarintLength(this.count) + uvarintLength(this.texts.length) + uvarintLength(this.maps.size) + this.fixedBytes;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    const put = (n: number) => {
      while (n >= 0x80) { out[at++] = (n % 128) | 0x80; n = Math.floor(n / 128); }
      out[at++] = n;
    };
    out[at++] = COMPACT_BATCH_FORMAT;
    put(this.count);
    put(this.texts.length);
    for (const t of this.texts) {
      put(Buffer.byteLength(t, 'utf8'));
      at += out.write(t, at, 'utf8');
    }
    put(this.maps.size);
    for (const w of this.mapWords) put(w);
    for (const w of this.words) put(w);
    size = at;
    return out.subarray(0, size);
  }

  private word(n: number): void {
    this.words.push(n);
    this.fixedBytes += uvarintLength(n);
  }

  private str(s: string): number {
    let i = this.strings.get(s);
    if (i === undefined) {
      this.strings.set(s, (i = this.texts.length));
      this.texts.push(s);
      const len = Buffer.byteLength(s, 'utf8');
      this.fixedBytes += uvarintLength(len) + len;
    }
    return i;
  }

  private value(v: unknown, depth: number): void {
    if (typeof v === 'string') return this.word(this.str(v) * 8 + TAG_STRING);
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < MAX_INLINE_INT && !Object.is(v, -0)) return this.word(v * 8 + TAG_INT);
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && depth < MAX_DEPTH) {
      const o = v as Record<string, unknown>;
      if (depth > 0 && isFlatMap(o)) return this.word(this.map(o) * 8 + TAG_MAP);
      const keys = Object.keys(o).filter((k) => o[k] !== undefined); // as JSON.stringify: undefined is left out
      this.word(keys.length * 8 + TAG_OBJECT);
      for (const k of keys) {
        this.word(this.str(k));
        this.value(o[k], depth + 1);
      }
      return;
    }
    const text = JSON.stringify(v);
    if (text === undefined) throw new TypeError('a compact value must be JSON');
    this.word(this.str(text) * 8 + TAG_JSON);
  }

  /** A flat map's index: maps with the same pairs in the same order are stored once per record. */
  private map(o: Record<string, unknown>): number {
    let id = '';
    let pairs = 0;
    for (const k in o) { id += `${this.str(k)},${this.str(o[k] as string)},`; pairs++; }
    let i = this.maps.get(id);
    if (i !== undefined) return i;
    this.maps.set(id, (i = this.maps.size));
    this.mapWords.push(pairs);
    this.fixedBytes += uvarintLength(pairs);
    for (const k in o) {
      const a = this.str(k);
      const b = this.str(o[k] as string);
      this.mapWords.push(a, b);
      this.fixedBytes += uvarintLength(a) + uvarintLength(b);
    }
    return i;
  }
}

/** Encode entries (at least one) into a compact batch record value. */
export function encodeCompactBatch(entries: readonly CompactEntry[]): Buffer {
  const enc = new CompactEncoder();
  for (const e of entries) enc.add(e);
  return enc.finish();
}

/**
 * Reads one compact batch record. `reset` decodes the whole record up front (string table, maps, every
 * entry), so a damaged record is refused before any of its events is applied; then `next()` walks the
 * entries and `doc` is the current entry's decoded value. One reader can be reused for many records.
 */
export class CompactBatchReader {
  buf: Buffer = Buffer.alloc(0);
  /** Where decoding is. */
  at = 0;
  private strings: string[] = [];
  private maps: Readonly<Record<string, string>>[] = [];
  private docs: unknown[] = [];
  /** Parsed TAG_JSON strings of this record: a string referenced many times is parsed once. */
  private parsed: unknown[] = [];
  private keys: number[] = [];
  private heads: number[] = [];
  count = 0;
  /** Index of the current entry (-1 before the first). */
  index = -1;
  /** The current entry's value, decoded (maps are shared between entries and frozen). */
  doc: unknown = undefined;

  reset(buf: Buffer): this {
    this.buf = buf;
    this.at = 0;
    this.index = -1;
    this.doc = undefined;
    if (buf.length < 4 || buf[0] !== COMPACT_BATCH_FORMAT) throw new BatchFormatError(`not a batch of format ${COMPACT_BATCH_FORMAT}`);
    this.at = 1;
    const count = this.uvarint();
    if (count < 1 || count > MAX_BATCH_ENTRIES) throw new BatchFormatError(`batch count ${count} out of range`);
    const nStrings = this.uvarint();
    if (nStrings > buf.length) throw new BatchFormatError('string table larger than the record');
    const strings: string[] = new Array(nStrings);
    for (let i = 0; i < nStrings; i++) {
      const len = this.uvarint();
      if (this.at + len > buf.length) throw new BatchFormatError('string runs past the record');
      strings[i] = buf.toString('utf8', this.at, (this.at += len));
    }
    this.strings = strings;
    const nMaps = this.uvarint();
    if (nMaps > buf.length) throw new BatchFormatError('map table larger than the record');
    const maps: Readonly<Record<string, string>>[] = new Array(nMaps);
    for (let i = 0; i < nMaps; i++) {
      const pairs = this.uvarint();
      if (pairs > buf.length) throw new BatchFormatError('map larger than the record');
      const m: Record<string, string> = {};
      for (let j = 0; j < pairs; j++) define(m, this.string(), this.string());
      maps[i] = Object.freeze(m);
    }
    this.maps = maps;
    this.parsed = [];
    this.docs = new Array(count);
    this.keys = new Array(count);
    this.heads = new Array(count);
    for (let i = 0; i < count; i++) {
      this.keys[i] = this.ref(nStrings);
      const h = this.uvarint();
      if (h > nStrings) throw new BatchFormatError('headers reference out of range');
      this.heads[i] = h;
      this.docs[i] = this.decode(0);
    }
    if (this.at !== buf.length) throw new BatchFormatError('bytes after the last entry');
    this.count = count;
    return this;
  }

  next(): boolean {
    if (this.index + 1 >= this.count) return false;
    this.doc = this.docs[++this.index];
    return true;
  }

  key(): string {
    return this.strings[this.keys[this.index]];
  }

  headers(): Record<string, string> {
    const h = this.heads[this.index];
    return h ? parseHeaderText(this.strings[h - 1]) : {};
  }

  /** The current entry as JSON text (what export writes and a dead letter keeps). */
  value(): Buffer {
    return Buffer.from(JSON.stringify(this.doc) ?? 'null', 'utf8');
  }

  private decode(depth: number): unknown {
    const word = this.uvarint();
    const tag = word % 8;
    const payload = Math.floor(word / 8);
    switch (tag) {
      case TAG_STRING: return this.stringAt(payload);
      case TAG_INT: return payload;
      case TAG_MAP:
        if (payload >= this.maps.length) throw new BatchFormatError('map reference out of range');
        return this.maps[payload];
      case TAG_JSON: {
        // Parsed once per record (a crafted record cannot make one long text be parsed per reference);
        // frozen, since it may be shared.
        if (payload in this.parsed) return this.parsed[payload];
        let v: unknown;
        try {
          v = JSON.parse(this.stringAt(payload));
        } catch {
          throw new BatchFormatError('JSON value that does not parse');
        }
        return (this.parsed[payload] = deepFreeze(v));
      }
      case TAG_OBJECT: {
        if (depth >= MAX_DEPTH) throw new BatchFormatError('objects nested too deep');
        if (payload > this.buf.length) throw new BatchFormatError('object larger than the record');
        const o: Record<string, unknown> = {};
        for (let i = 0; i < payload; i++) define(o, this.string(), this.decode(depth + 1));
        return o;
      }
      default: throw new BatchFormatError(`unknown value tag ${tag}`);
    }
  }

  private string(): string {
    return this.stringAt(this.uvarint());
  }

  private stringAt(i: number): string {
    if (i >= this.strings.length) throw new BatchFormatError('string reference out of range');
    return this.strings[i];
  }

  private ref(limit: number): number {
    const i = this.uvarint();
    if (i >= limit) throw new BatchFormatError('string reference out of range');
    return i;
  }

  private uvarint(): number {
    return readUvarint(this, 8);
  }
}

function deepFreeze(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  return Object.freeze(v);
}

/** As JSON.parse makes them: "__proto__" becomes an own key (which validation then refuses), not the prototype. */
function define(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** Every entry of a compact batch record, materialised with JSON text values (tests, export, tools). */
export function decodeCompactBatch(value: Buffer): BatchEntry[] {
  const r = new CompactBatchReader().reset(value);
  const out: BatchEntry[] = [];
  while (r.next()) {
    const headers = r.headers();
    out.push({ key: r.key(), value: r.value(), ...(Object.keys(headers).length ? { headers } : {}) });
  }
  return out;
}
