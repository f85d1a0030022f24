// Delivery: when each event reaches the server. Events are generated in device time; the network adds
// late and duplicated deliveries and collector outages hold a region back (then backfill it). The outbox
// releases events strictly in receive-time order, so a consumer sees what a collector would have seen.
import type { EventKind, EventOf } from '../../common/contract/events.ts';

export interface SimEvent<K extends EventKind = EventKind> {
  kind: K;
  receivedAtMs: number;
  /** The event's own timestamp (device clock, or the release tool's), as ms. */
  eventMs: number;
  collectorId: string;
  event: EventOf<K>;
  /** Insertion order: ties in receive time keep the order events were produced in. */
  seq: number;
}

const before = (a: SimEvent, b: SimEvent) => a.receivedAtMs < b.receivedAtMs || (a.receivedAtMs === b.receivedAtMs && a.seq < b.seq);

/** Binary min-heap on (receivedAtMs, seq). */
class EventHeap {
  private readonly items: SimEvent[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): SimEvent | undefined {
    return this.items[0];
  }

  push(e: SimEvent): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): SimEvent | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && before(a[l], a[m])) m = l;
      if (r < a.length && before(a[r], a[m])) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m], a[i]];
      i = m;
    }
    return top;
  }
}

/**
 * Events due before the current step's end go to a plain array that is sorted once per step (cheap:
 * most of it is already in order); only events for later steps pay for the heap.
 */
export class Outbox {
  private due: SimEvent[] = [];
  private readonly later = new EventHeap();
  private limitMs = -Infinity;
  private seq = 0;

  /** Events received before `limitMs` will be drained at the end of the current step. */
  beginStep(limitMs: number): void {
    this.limitMs = limitMs;
  }

  push<K extends EventKind>(kind: K, receivedAtMs: number, eventMs: number, collectorId: string, event: EventOf<K>): void {
    const e: SimEvent = { kind, receivedAtMs, eventMs, collectorId, event, seq: this.seq++ } as SimEvent;
    if (receivedAtMs < this.limitMs) this.due.push(e);
    else this.later.push(e);
  }

  get pending(): number {
    return this.due.length + this.later.size;
  }

  /** Everything received before `limitMs`, in receive order. */
  drain(limitMs: number): SimEvent[] {
    const out = this.due;
    this.due = [];
    for (let next = this.later.peek(); next && next.receivedAtMs < limitMs; next = this.later.peek()) {
      out.push(this.later.pop() as SimEvent);
    }
    out.sort((a, b) => a.receivedAtMs - b.receivedAtMs || a.seq - b.seq);
    return out;
  }
}
