// Per-device state in struct-of-arrays typed columns, so 1M-10M tracked devices cost tens of bytes each
// (issue 8 targets <= 100). A device id is reduced to a 64-bit hash (two u32; at 10M devices the chance
// of any collision is ~3e-6) and found through an open-addressing table (linear probing, backward-shift
// deletion) that maps it to a dense row. Rows are swap-removed on eviction, so columns stay dense.
import { EMPTY_SLOT as EMPTY, placeEntry, removeEntry } from './open-addressing.ts';

const MIN_ROWS = 1024;
/** 168 hours of the week, one bit each. */
/** 24 hours x {weekday, weekend}, one bit each. */
export const PRESENCE_BYTES = 6;
/** Minute stamps are 16-bit, modulo 2^16 minutes (45 days), and saturate at this age (28 days). */
export const STAMP_MAX_AGE_MIN = 40_000;
export const minuteOf = (ms: number): number => Math.floor(ms / 60_000) & 0xffff;
/** Minutes from a stamp to `nowMs`, as long as stamps are refreshed (see refreshStamp). */
export const stampAgeMin = (stamp: number, nowMs: number): number => (minuteOf(nowMs) - stamp) & 0xffff;
/** Keep a stamp from wrapping: older than the maximum age, it is pinned at it. */
export const refreshStamp = (stamp: number, nowMs: number): number =>
  (stampAgeMin(stamp, nowMs) > STAMP_MAX_AGE_MIN ? (minuteOf(nowMs) - STAMP_MAX_AGE_MIN) & 0xffff : stamp);

/** Second half of the 64-bit hash hashOf computed last (read it right after the call). */
export const lastHash = { b: 0 };

/**
 * Two independent 32-bit string hashes (FNV-1a and a multiply-xorshift): returns the first, leaves the
 * second in lastHash.b. No tuple is allocated: it runs twice per heartbeat (event id, device id).
 */
export function hashOf(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b) ^ (a >>> 13);
  lastHash.b = b >>> 0;
  return a >>> 0;
}

/**
 * The first half of hashOf alone (the same value), for ids that need no 64 bits: a heartbeat's boot id is
 * only compared with the device's previous one. Half the per-character work of hashOf.
 */
export function hash32(id: string): number {
  let a = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) a = Math.imul(a ^ id.charCodeAt(i), 0x01000193);
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b) ^ (a >>> 13);
  return a >>> 0;
}

/** Both halves of hashOf as a pair. */
export function hashId(id: string): [number, number] {
  const a = hashOf(id);
  return [a, lastHash.b];
}

export class DeviceTable {
  size = 0;
  evicted = 0;
  readonly maxRows: number;
  private slots: Int32Array;
  private mask: number;
  // Columns (one row per device).
  keyA = new Uint32Array(0);
  keyB = new Uint32Array(0);
  /** Receipt time of the last heartbeat, ms. */
  lastHb = new Float64Array(0);
  /** Smoothed heartbeat period, ms (0: none yet). */
  gapMs = new Float32Array(0);
  /** Bit j: a heartbeat arrived in window (window of lastHb) - j. */
  hbBits = new Uint8Array(0);
  /** Heartbeats seen, saturating at 255. */
  hbCount = new Uint8Array(0);
  /** FLAG_* bits. */
  flags = new Uint8Array(0);
  /** Consecutive boots that were short (boot loop evidence). */
  shortBoots = new Uint8Array(0);
  ring = new Uint16Array(0);
  region = new Uint16Array(0);
  collector = new Uint16Array(0);
  compSet = new Uint32Array(0);
  applyingSet = new Uint32Array(0);
  bootHash = new Uint32Array(0);
  /** Minute stamps (minuteOf) of the first heartbeat, of the current online spell's first, of the boot id's first. */
  firstSeen = new Uint16Array(0);
  spellStart = new Uint16Array(0);
  bootSeen = new Uint16Array(0);
  /** Comparison stratum (region + labels, interned). */
  stratum = new Uint16Array(0);
  /** Presence profile: PRESENCE_BYTES bytes per row, bit h = heard in the last occurrence of hour-of-week h. */
  presence = new Uint8Array(0);

  constructor(maxRows: number) {
    this.maxRows = maxRows;
    this.slots = new Int32Array(2 * MIN_ROWS).fill(EMPTY);
    this.mask = this.slots.length - 1;
    this.growRows(MIN_ROWS);
  }

  /** Row of a device, or -1. */
  find(a: number, b: number): number {
    for (let s = a & this.mask; ; s = (s + 1) & this.mask) {
      const row = this.slots[s];
      if (row === EMPTY) return -1;
      if (this.keyA[row] === a && this.keyB[row] === b) return row;
    }
  }

  /** Row of a device, inserted (all columns zero) when new. The caller evicts first when full. */
  insert(a: number, b: number): number {
    const found = this.find(a, b);
    if (found >= 0) return found;
    if (this.size >= this.keyA.length) this.growRows(Math.min(this.maxRows, Math.max(MIN_ROWS, Math.ceil(this.keyA.length * 1.25))));
    // Keep the load factor under 0.7 so probes stay short.
    if ((this.size + 1) * 10 > this.slots.length * 7) this.rehash(this.slots.length * 2);
    const row = this.size++;
    this.keyA[row] = a;
    this.keyB[row] = b;
    this.place(row);
    return row;
  }

  get full(): boolean {
    return this.size >= this.maxRows;
  }

  /** Remove a row: the last row moves into its place (its slot is updated). */
  remove(row: number): void {
    this.unplace(row);
    const last = --this.size;
    if (row !== last) {
      this.unplace(last);
      for (const col of this.columns()) col[row] = col[last];
      this.presence.copyWithin(row * PRESENCE_BYTES, last * PRESENCE_BYTES, (last + 1) * PRESENCE_BYTES);
      this.place(row);
    }
    for (const col of this.columns()) col[last] = 0;
    this.presence.fill(0, last * PRESENCE_BYTES, (last + 1) * PRESENCE_BYTES);
  }

  /** Bytes held by the columns and the slot table. */
  get bytes(): number {
    return this.columns().reduce((n, c) => n + c.byteLength, 0) + this.presence.byteLength + this.slots.byteLength;
  }

  private columns(): (Uint32Array | Float64Array | Float32Array | Uint8Array | Uint16Array)[] {
    return [this.keyA, this.keyB, this.lastHb, this.gapMs, this.hbBits, this.hbCount, this.flags, this.shortBoots,
      this.ring, this.region, this.collector, this.compSet, this.applyingSet, this.bootHash,
      this.firstSeen, this.spellStart, this.bootSeen, this.stratum];
  }

  private place(row: number): void {
    placeEntry(this.slots, this.mask, this.keyA[row], row);
  }

  private unplace(row: number): void {
    removeEntry(this.slots, this.mask, this.keyA[row], row, (r) => this.keyA[r]);
  }

  private rehash(capacity: number): void {
    this.slots = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
    for (let row = 0; row < this.size; row++) this.place(row);
  }

  private growRows(rows: number): void {
    const grow = <T extends Uint32Array | Float64Array | Float32Array | Uint8Array | Uint16Array>(old: T, make: (n: number) => T): T => {
      const next = make(rows);
      next.set(old.subarray(0, Math.min(old.length, rows)));
      return next;
    };
    this.keyA = grow(this.keyA, (n) => new Uint32Array(n));
    this.keyB = grow(this.keyB, (n) => new Uint32Array(n));
    this.lastHb = grow(this.lastHb, (n) => new Float64Array(n));
    this.gapMs = grow(this.gapMs, (n) => new Float32Array(n));
    this.hbBits = grow(this.hbBits, (n) => new Uint8Array(n));
    this.hbCount = grow(this.hbCount, (n) => new Uint8Array(n));
    this.flags = grow(this.flags, (n) => new Uint8Array(n));
    this.shortBoots = grow(this.shortBoots, (n) => new Uint8Array(n));
    this.ring = grow(this.ring, (n) => new Uint16Array(n));
    this.region = grow(this.region, (n) => new Uint16Array(n));
    this.collector = grow(this.collector, (n) => new Uint16Array(n));
    this.compSet = grow(this.compSet, (n) => new Uint32Array(n));
    this.applyingSet = grow(this.applyingSet, (n) => new Uint32Array(n));
    this.bootHash = grow(this.bootHash, (n) => new Uint32Array(n));
    this.firstSeen = grow(this.firstSeen, (n) => new Uint16Array(n));
    this.spellStart = grow(this.spellStart, (n) => new Uint16Array(n));
    this.bootSeen = grow(this.bootSeen, (n) => new Uint16Array(n));
    this.stratum = grow(this.stratum, (n) => new Uint16Array(n));
    const presence = new Uint8Array(rows * PRESENCE_BYTES);
    presence.set(this.presence.subarray(0, Math.min(this.presence.length, presence.length)));
    this.presence = presence;
  }

  /**
   * Evict at least `count` of the least recently heard devices (smallest lastHb). Deterministic: a
   * threshold from a histogram of lastHb, then one sweep, so the same data always evicts the same devices.
   */
  evictOldest(count: number): number {
    if (this.size === 0) return 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let r = 0; r < this.size; r++) {
      lo = Math.min(lo, this.lastHb[r]);
      hi = Math.max(hi, this.lastHb[r]);
    }
    const buckets = new Uint32Array(256);
    const width = (hi - lo) / 256 || 1;
    for (let r = 0; r < this.size; r++) buckets[Math.min(255, Math.floor((this.lastHb[r] - lo) / width))]++;
    let cut = 0;
    for (let acc = 0; cut < 256 && acc < count; cut++) acc += buckets[cut];
    const threshold = lo + cut * width;
    let removed = 0;
    for (let r = this.size - 1; r >= 0; r--) {
      if (this.lastHb[r] < threshold || (cut >= 256 && this.lastHb[r] <= hi)) {
        this.remove(r);
        removed++;
      }
    }
    this.evicted += removed;
    return removed;
  }
}

export const FLAG_SILENT_COUNTED = 1;
export const FLAG_BOOT_LOOP_COUNTED = 2;
/** Heard in every one of the last strata_always_on_hours hours up to its last heartbeat (presence.ts heardThroughout). */
export const FLAG_ALWAYS_ON = 4;
