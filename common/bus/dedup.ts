// Redelivery is normal (a crash between processing and commit redelivers the batch), so consumers
// recognise events by eventId. Bounded: the oldest ids are forgotten first. A ring of ids plus a Set:
// eviction is O(1) (a Set's "first value" gets slower as deletions pile up in it).
export class RecentIds {
  private readonly ids = new Set<string>();
  private readonly ring: (string | undefined)[];
  private head = 0;
  evicted = 0;

  constructor(capacity: number) {
    this.ring = new Array<string | undefined>(Math.max(1, capacity));
  }

  /** True the first time an id is seen (within the window of the last `capacity` ids). */
  firstSeen(id: string): boolean {
    if (this.ids.has(id)) return false;
    const oldest = this.ring[this.head];
    if (oldest !== undefined) {
      this.ids.delete(oldest);
      this.evicted++;
    }
    this.ring[this.head] = id;
    this.head = (this.head + 1) % this.ring.length;
    this.ids.add(id);
    return true;
  }

  get size(): number {
    return this.ids.size;
  }
}
