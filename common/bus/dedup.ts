// Redelivery is normal (a crash between processing and commit redelivers the batch), so consumers
// recognise events by eventId. Bounded: the oldest ids are forgotten first.
export class RecentIds {
  private readonly ids = new Set<string>();
  private readonly capacity: number;
  evicted = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** True the first time an id is seen (within the window of the last `capacity` ids). */
  firstSeen(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
      this.evicted++;
    }
    return true;
  }

  get size(): number {
    return this.ids.size;
  }
}
