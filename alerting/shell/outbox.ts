// Pending deliveries, pure and bounded. Each order key sends its oldest entry first and one at a time, so
// a resolve waits behind its trigger while PagerDuty is down. Entries stay until delivered or refused
// for good: a pager outage delays pages but loses none (the role persists every entry before adding it).
import type { Delivery, Integration, PlannedDelivery } from '../core/routing.ts';

export class Outbox {
  private readonly entries = new Map<string, Delivery>();
  private readonly capacity: number;
  private lastSeq = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Room for this many more entries. */
  room(): number {
    return Math.max(0, this.capacity - this.entries.size);
  }

  /**
   * Turn planned deliveries into entries (not yet added): sequence numbers keep their order across restarts;
   * `traceContext` (W3C headers of the planning span, if any) is kept with each, across restarts too.
   */
  prepare(planned: PlannedDelivery[], now: number, traceContext: Record<string, string> = {}): Delivery[] {
    const trace = Object.keys(traceContext).length ? { traceContext } : {};
    return planned.filter((p) => !this.entries.has(p.id))
      .map((p) => ({ ...p, seq: ++this.lastSeq, createdAtMs: now, attempts: 0, nextAttemptAtMs: now, ...trace }));
  }

  /** Add an entry (new, or read back at start-up). */
  add(d: Delivery): void {
    this.entries.set(d.id, d);
    this.lastSeq = Math.max(this.lastSeq, d.seq);
  }

  /** The entries that may be sent now: the oldest per order key, if due and not already in flight. */
  due(now: number, inFlight: ReadonlySet<string>, limit: number): Delivery[] {
    const heads = new Map<string, Delivery>();
    for (const d of this.entries.values()) {
      const head = heads.get(d.orderKey);
      if (!head || d.seq < head.seq) heads.set(d.orderKey, d);
    }
    return [...heads.values()]
      .filter((d) => d.nextAttemptAtMs <= now && !inFlight.has(d.id))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit);
  }

  /** When the next not-in-flight head becomes due (undefined: nothing pending). */
  nextDueAt(inFlight: ReadonlySet<string>): number | undefined {
    let next: number | undefined;
    for (const d of this.due(Number.POSITIVE_INFINITY, inFlight, Number.POSITIVE_INFINITY)) {
      next = next === undefined ? d.nextAttemptAtMs : Math.min(next, d.nextAttemptAtMs);
    }
    return next;
  }

  retryAt(id: string, at: number): void {
    const d = this.entries.get(id);
    if (d) this.entries.set(id, { ...d, attempts: d.attempts + 1, nextAttemptAtMs: at });
  }

  remove(id: string): void {
    this.entries.delete(id);
  }

  pendingBy(integration: Integration): number {
    let n = 0;
    for (const d of this.entries.values()) if (d.integration === integration) n++;
    return n;
  }
}
