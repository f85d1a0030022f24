// Redelivered events are recognised by eventId within the last `capacity` events of a source. Ids are kept
// as 64-bit hashes in a ring buffer with an open-addressing index: ~29 bytes per remembered id instead of a
// string in a Set, and constant-time eviction (a Set of strings slows down as deleted entries pile up in
// it; that took half the core's time in the figures script). The index holds each entry's first hash half
// next to its number, so probing and backward-shift deletion never leave the index (with the halves only
// in the ring buffer, every probe and every shifted slot was one more cache miss: 7 % of a backtest).
import { hashOf, lastHash } from './device-table.ts';
import { EMPTY_SLOT as EMPTY } from './open-addressing.ts';

export class EventDedup {
  private readonly capacity: number;
  private readonly keys: Uint32Array;
  /** Pairs (entry number, first hash half as int32); entry EMPTY for a free slot. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  private head = 0;
  private count = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.keys = new Uint32Array(2 * capacity);
    let size = 2;
    while (size < capacity * 2) size *= 2;
    this.slots = new Int32Array(2 * size).fill(EMPTY);
    this.mask = size - 1;
  }

  /** True the first time an id is seen (within the last `capacity` ids). */
  firstSeen(id: string): boolean {
    const a = hashOf(id);
    const b = lastHash.b;
    const slots = this.slots;
    const a32 = a | 0;
    let s = a & this.mask;
    for (let e = slots[2 * s]; e !== EMPTY; s = (s + 1) & this.mask, e = slots[2 * s]) {
      if (slots[2 * s + 1] === a32 && this.keys[2 * e + 1] === b) return false;
    }
    if (this.count === this.capacity) this.remove(this.head);
    else this.count++;
    const entry = this.head;
    this.keys[2 * entry] = a;
    this.keys[2 * entry + 1] = b;
    // The eviction may have shifted entries: find a free slot afresh.
    s = a & this.mask;
    while (slots[2 * s] !== EMPTY) s = (s + 1) & this.mask;
    slots[2 * s] = entry;
    slots[2 * s + 1] = a32;
    this.head = entry + 1 === this.capacity ? 0 : entry + 1;
    return true;
  }

  /** Remove `entry` from the index, pulling later slots of its probe run into the hole (no tombstones). */
  private remove(entry: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let hole = this.keys[2 * entry] & mask;
    while (slots[2 * hole] !== entry) hole = (hole + 1) & mask;
    for (let j = (hole + 1) & mask; slots[2 * j] !== EMPTY; j = (j + 1) & mask) {
      const home = slots[2 * j + 1] & mask;
      if (((hole - home) & mask) <= ((j - home) & mask)) {
        slots[2 * hole] = slots[2 * j];
        slots[2 * hole + 1] = slots[2 * j + 1];
        hole = j;
      }
    }
    slots[2 * hole] = EMPTY;
  }

  get size(): number {
    return this.count;
  }
}
