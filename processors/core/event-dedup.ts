// Redelivered events are recognised by eventId within the last `capacity` events of a source. Ids are kept
// as 64-bit hashes in a ring buffer with an open-addressing index: ~20 bytes per remembered id instead of a
// string in a Set, and constant-time eviction (a Set of strings slows down as deleted entries pile up in
// it; that took half the core's time in the figures script).
import { hashOf, lastHash } from './device-table.ts';
import { EMPTY_SLOT as EMPTY, placeEntry, removeEntry } from './open-addressing.ts';

export class EventDedup {
  private readonly capacity: number;
  private readonly keys: Uint32Array;
  private readonly slots: Int32Array;
  private readonly mask: number;
  private head = 0;
  private count = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.keys = new Uint32Array(2 * capacity);
    let size = 2;
    while (size < capacity * 2) size *= 2;
    this.slots = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
  }

  /** True the first time an id is seen (within the last `capacity` ids). */
  firstSeen(id: string): boolean {
    const a = hashOf(id);
    const b = lastHash.b;
    let s = a & this.mask;
    for (let e = this.slots[s]; e !== EMPTY; s = (s + 1) & this.mask, e = this.slots[s]) {
      if (this.keys[2 * e] === a && this.keys[2 * e + 1] === b) return false;
    }
    if (this.count === this.capacity) {
      removeEntry(this.slots, this.mask, this.keys[2 * this.head], this.head, (e) => this.keys[2 * e]);
    } else {
      this.count++;
    }
    const entry = this.head;
    this.keys[2 * entry] = a;
    this.keys[2 * entry + 1] = b;
    // The eviction may have shifted entries: find a free slot afresh.
    placeEntry(this.slots, this.mask, a, entry);
    this.head = (this.head + 1) % this.capacity;
    return true;
  }

  get size(): number {
    return this.count;
  }
}
