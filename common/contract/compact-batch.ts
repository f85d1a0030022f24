// Record format v3 of the telemetry topics: a compact batch record (batch format 2). Same grouping and
// promises as format v2 (common/contract/batch.ts: every entry's key hashes to the partition of the record's
// key, order kept, each entry keeps its own key and headers), but the events are not JSON text: each is a
// tree of values whose repeated strings (field names, ring, region, collector, receipt time, ...) are
// references into one per-record string table, and every flat object of strings (an event's components,
// applying, labels) is stored once per record in a table of maps. A reader decodes each table string once
// per record and each distinct map once, to one shared frozen object; so an event costs its two objects
// (envelope and event) and its own strings (ids, device times) instead of everything JSON.parse makes, and
// a validator checks a shared map once per record (envelope.ts, checkDecodedEnvelope).
//
// Marked by the header `ringwatch-batch: 2`. Layout (uvarint = unsigned LEB128):
//   u8 format (2) | uvarint count | uvarint bodyLength | body
//   | uvarint strings, each: uvarint byteLength, UTF-8 bytes
//   | uvarint maps, each: uvarint pairs, each pair: uvarint keyString, uvarint valueString
//   body: count x entry: value (the key, a string) | uvarint headers (0 none, else 1 + string of a JSON object) | value
//   value: uvarint (payload * 8 + tag), tag 0 object (payload = fields; each field: uvarint keyString, value),
//          1 string (payload = table string), 2 integer 0 .. 2^50 (payload = the number), 3 map (payload = map),
//          4 other JSON (payload = table string holding its JSON text: negative or fractional numbers, true,
//          false, null, arrays), 5 inline string (payload = byteLength; the UTF-8 bytes follow).
// Which strings go inline is the writer's choice (fields that differ per event: INLINE_FIELDS); a reader
// takes either. Decoded objects keep their keys in the written order, so JSON.stringify of a decoded event
// gives the text the writer's JSON.stringify would have given (export and dead letters write that).
import { BatchFormatError, MAX_BATCH_ENTRIES, parseHeaderText, readEntries, readUvarint, type BatchEntry } from './batch.ts';

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
const TAG_INLINE = 5;

/** Fields whose string values differ from event to event: written inline, not through the string table. */
const INLINE_FIELDS = new Set(['eventId', 'deviceId', 'bootId', 'sentAt', 'occurredAt', 'eventAt', 'at', 'signature']);

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

/**
 * Builds one compact batch record entry by entry, writing the body as it goes; `bytes` is the record's
 * size so far, so a writer can bound a record by bytes without encoding twice.
 */
export class CompactEncoder {
  private readonly strings = new Map<string, number>();
  /** Field names seen in this record: field() words. */
  private readonly fields = new Map<string, number>();
  /** Object.prototype has an enumerable key (something polluted it): every for-in key is checked. */
  private readonly inheritsEnumerable = hasEnumerableKey(Object.prototype);
  private readonly texts: string[] = [];
  private textBytes = 0;
  /** Flat maps by their content (keys and values joined by NUL): index in the map table. */
  private readonly maps = new Map<string, number>();
  private readonly mapWords: number[] = [];
  private readonly recent: { keys: string[]; values: string[]; index: number }[] = [];
  private mapBytes = 0;
  private out = Buffer.allocUnsafe(16384);
  private at = 0;
  count = 0;
  private prevHeaders: Record<string, string> | undefined;
  private prevRef = 0;

  /** Bytes of the record as it stands (its three leading numbers counted at their largest). */
  get bytes(): number {
    return 1 + 5 + 5 + this.at + 5 + this.textBytes + 5 + this.mapBytes;
  }

  add(e: CompactEntry): void {
    this.inline(e.key);
    const h = e.headers && Object.keys(e.headers).length ? e.headers : undefined;
    // Entries of one request share one headers object (collectors/publish.ts): stringified once per run.
    if (h !== this.prevHeaders) this.prevRef = h ? 1 + this.str(JSON.stringify(h)) : 0;
    this.prevHeaders = h;
    this.word(this.prevRef);
    this.value(e.doc, 0, false);
    this.count++;
  }

  finish(): Buffer {
    if (!this.count) throw new Error('a batch holds at least one entry');
    const size = 1 + uvarintLength(this.count) + uvarintLength(this.at) + this.at
      + uvarintLength(this.texts.length) + this.textBytes + uvarintLength(this.maps.size) + this.mapBytes;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    const put = (n: number) => {
      while (n >= 0x80) { out[at++] = (n % 128) | 0x80; n = Math.floor(n / 128); }
      out[at++] = n;
    };
    out[at++] = COMPACT_BATCH_FORMAT;
    put(this.count);
    put(this.at);
    at += this.out.copy(out, at, 0, this.at);
    put(this.texts.length);
    for (const t of this.texts) {
      put(Buffer.byteLength(t, 'utf8'));
      at += out.write(t, at, 'utf8');
    }
    put(this.maps.size);
    for (const w of this.mapWords) put(w);
    if (at !== size) throw new Error(`compact batch: wrote ${at} of ${size} bytes`);
    return out;
  }

  private room(n: number): void {
    if (this.at + n <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.at + n));
    this.out.copy(bigger, 0, 0, this.at);
    this.out = bigger;
  }

  private word(n: number): void {
    this.room(8);
    const out = this.out;
    while (n >= 0x80) { out[this.at++] = (n % 128) | 0x80; n = Math.floor(n / 128); }
    out[this.at++] = n;
  }

  /** A string written in place: its UTF-8 bytes (ASCII copied here as it is checked; anything else by Buffer.write). */
  private inline(s: string): void {
    const n = s.length;
    if (n < 128) {
      // The length word takes one byte below 16 units, else two; the first non-ASCII unit falls back.
      const head = n < 16 ? 1 : 2;
      this.room(head + n);
      const out = this.out;
      const word = n * 8 + TAG_INLINE;
      if (head === 1) out[this.at] = word;
      else { out[this.at] = (word % 128) | 0x80; out[this.at + 1] = Math.floor(word / 128); }
      const at = this.at + head;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        out[at + i] = c;
      }
      if (i === n) {
        this.at = at + n;
        return;
      }
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.word(len * 8 + TAG_INLINE);
    this.room(len);
    this.at += this.out.write(s, this.at, 'utf8');
  }

  private str(s: string): number {
    let i = this.strings.get(s);
    if (i === undefined) {
      this.strings.set(s, (i = this.texts.length));
      this.texts.push(s);
      const len = Buffer.byteLength(s, 'utf8');
      this.textBytes += uvarintLength(len) + len;
    }
    return i;
  }

  /** A field name's word: its string table index * 2, plus 1 if its string values go inline (one lookup per field). */
  private field(k: string): number {
    let w = this.fields.get(k);
    if (w === undefined) this.fields.set(k, (w = this.str(k) * 2 + (INLINE_FIELDS.has(k) ? 1 : 0)));
    return w;
  }

  private value(v: unknown, depth: number, inline: boolean): void {
    if (typeof v === 'string') return inline ? this.inline(v) : this.word(this.str(v) * 8 + TAG_STRING);
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < MAX_INLINE_INT && !Object.is(v, -0)) return this.word(v * 8 + TAG_INT);
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && depth < MAX_DEPTH) {
      const o = v as Record<string, unknown>;
      if (depth > 0) {
        const m = this.map(o);
        if (m >= 0) return this.word(m * 8 + TAG_MAP);
      }
      // The field count comes first: one byte is kept for it (up to 15 fields) and filled in after the
      // fields, so the keys are walked once (for-in: own enumerable keys in JSON.stringify's order).
      this.room(1);
      const countAt = this.at++;
      let fields = 0;
      // for-in walks own keys only, unless the object inherits enumerable ones (checked once per record).
      const own = Object.getPrototypeOf(o) === Object.prototype && !this.inheritsEnumerable;
      for (const k in o) {
        const x = o[k];
        if (x === undefined || (!own && !Object.hasOwn(o, k))) continue; // as JSON.stringify: undefined is left out
        const w = this.field(k);
        this.word(w >>> 1);
        this.value(x, depth + 1, (w & 1) === 1);
        fields++;
      }
      if (fields < 16) this.out[countAt] = fields * 8 + TAG_OBJECT;
      else this.widenCount(countAt, fields * 8 + TAG_OBJECT);
      return;
    }
    const text = JSON.stringify(v);
    if (text === undefined) throw new TypeError('a compact value must be JSON');
    this.word(this.str(text) * 8 + TAG_JSON);
  }

  /** Write `word` at `at`, where one byte was kept for it, moving what follows when it needs more. */
  private widenCount(at: number, word: number): void {
    const extra = uvarintLength(word) - 1;
    this.room(extra);
    this.out.copy(this.out, at + 1 + extra, at + 1, this.at);
    this.at += extra;
    let i = at;
    while (word >= 0x80) { this.out[i++] = (word % 128) | 0x80; word = Math.floor(word / 128); }
    this.out[i] = word;
  }

  /** A flat map's index (maps with the same pairs in the same order are stored once), or -1 if `o` is not one. */
  private map(o: Record<string, unknown>): number {
    // Objects below the top that are not maps (an envelope's event) mostly fail this at once.
    if (!stringsOnly(o)) return -1;
    // Most events of a record carry one of a few maps: the last few are compared in place (no key built).
    for (const r of this.recent) if (samePairs(o, r.keys, r.values)) return r.index;
    const keys: string[] = [];
    const values: string[] = [];
    let id = '';
    for (const k in o) {
      const v = o[k];
      if (typeof v !== 'string' || !Object.hasOwn(o, k)) return -1;
      keys.push(k);
      values.push(v);
      id += `${k}\u0000${v}\u0000`;
    }
    let i = this.maps.get(id);
    if (i === undefined) {
      this.maps.set(id, (i = this.maps.size));
      this.mapWords.push(keys.length);
      this.mapBytes += uvarintLength(keys.length);
      for (let j = 0; j < keys.length; j++) {
        const a = this.str(keys[j]);
        const b = this.str(values[j]);
        this.mapWords.push(a, b);
        this.mapBytes += uvarintLength(a) + uvarintLength(b);
      }
    }
    if (this.recent.length >= RECENT_MAPS) this.recent.shift();
    this.recent.push({ keys, values, index: i });
    return i;
  }
}

/** How many recently written maps the encoder compares a map with before looking it up by content. */
const RECENT_MAPS = 8;

function hasEnumerableKey(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** Every enumerable key of `o` holds a string: may be a flat map (a quick filter; map() checks the rest). */
function stringsOnly(o: Record<string, unknown>): boolean {
  for (const k in o) if (typeof o[k] !== 'string') return false;
  return true;
}

/** `o` has exactly these pairs, in this order (own enumerable keys, as JSON.stringify walks them). */
function samePairs(o: Record<string, unknown>, keys: string[], values: string[]): boolean {
  let j = 0;
  for (const k in o) {
    if (j >= keys.length || k !== keys[j] || o[k] !== values[j]) return false;
    j++;
  }
  return j === keys.length;
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
  private keys: string[] = [];
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
    const bodyLength = this.uvarint();
    const bodyStart = this.at;
    const bodyEnd = bodyStart + bodyLength;
    if (bodyEnd > buf.length) throw new BatchFormatError('body runs past the record');
    this.at = bodyEnd;
    const nStrings = this.uvarint();
    if (nStrings > buf.length) throw new BatchFormatError('string table larger than the record');
    const strings: string[] = new Array(nStrings);
    for (let i = 0; i < nStrings; i++) strings[i] = this.bytes(this.uvarint());
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
    if (this.at !== buf.length) throw new BatchFormatError('bytes after the map table');
    this.at = bodyStart;
    this.parsed = [];
    this.docs = new Array(count);
    this.keys = new Array(count);
    this.heads = new Array(count);
    for (let i = 0; i < count; i++) {
      const key = this.decode(MAX_DEPTH);
      if (typeof key !== 'string') throw new BatchFormatError('an entry key that is not a string');
      this.keys[i] = key;
      const h = this.uvarint();
      if (h > nStrings) throw new BatchFormatError('headers reference out of range');
      this.heads[i] = h;
      this.docs[i] = this.decode(0);
      if (this.at > bodyEnd) throw new BatchFormatError('an entry runs past the body');
    }
    if (this.at !== bodyEnd) throw new BatchFormatError('bytes after the last entry');
    this.count = count;
    return this;
  }

  next(): boolean {
    if (this.index + 1 >= this.count) return false;
    this.doc = this.docs[++this.index];
    return true;
  }

  key(): string {
    return this.keys[this.index];
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
      case TAG_INLINE: return this.bytes(payload);
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

  /** The next `len` bytes as UTF-8 text. */
  private bytes(len: number): string {
    if (this.at + len > this.buf.length) throw new BatchFormatError('string runs past the record');
    return this.buf.toString('utf8', this.at, (this.at += len));
  }

  private string(): string {
    return this.stringAt(this.uvarint());
  }

  private stringAt(i: number): string {
    if (i >= this.strings.length) throw new BatchFormatError('string reference out of range');
    return this.strings[i];
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
export const decodeCompactBatch = (value: Buffer): BatchEntry[] => readEntries(new CompactBatchReader().reset(value));
