// Restores receive-time order in a file that is only roughly sorted (collectors stamp receipt times a little
// out of order; an export writes each topic and partition in append order). Events wait in a FIFO (in-order
// majority) or a min-heap by receivedAt until they are `windowMs` behind the newest heartbeat seen, so memory
// is bounded by one window of events plus the sparse kinds held ahead (and a hard cap), never by the file.
//
// Only heartbeats, the steady stream, move the "newest" mark. An export writes the whole range's
// deployments and crashes before its heartbeats: had they moved the mark, the first of them from day 7
// would release everything before it and turn all the heartbeats behind it into late events. Held
// deployments and crashes wait until the heartbeats catch up with them.
import type { AnyEnvelope } from '../contract/envelope.ts';

export interface Timed {
  t: number;
  seq: number;
  envelope: AnyEnvelope;
}

export interface ReorderCounts {
  /** Arrived more than the window behind the newest heartbeat: fed at once, out of order. */
  late: number;
  lateByKind: Record<AnyEnvelope['kind'], number>;
  /** Released early because the buffer hit its cap (order is then only as good as the file's). */
  forced: number;
  /** Most events held at once. */
  peakHeld: number;
}

const before = (a: Timed, b: Timed) => a.t < b.t || (a.t === b.t && a.seq < b.seq);

export class ReorderBuffer {
  /** Heartbeats that arrived in order wait in a FIFO (O(1)); the sparse kinds and stragglers use the heap. */
  private queue: Timed[] = [];
  private queueHead = 0;
  private readonly heap: Timed[] = [];
  private readonly windowMs: number;
  private readonly maxHeld: number;
  private newestHeartbeat = Number.NEGATIVE_INFINITY;
  private seq = 0;
  readonly counts: ReorderCounts = { late: 0, lateByKind: { heartbeat: 0, crash: 0, deployment: 0 }, forced: 0, peakHeld: 0 };

  constructor(windowMs: number, maxHeld: number) {
    this.windowMs = windowMs;
    this.maxHeld = maxHeld;
  }

  get size(): number {
    return this.heap.length + this.queue.length - this.queueHead;
  }

  /**
   * Add one event; `emit` gets every event that is now ready, oldest first. A late event is emitted at
   * once (the pipeline never moves time backwards, so it lands in the current window or is dropped there
   * exactly as a late record would be in production).
   */
  push(envelope: AnyEnvelope, t: number, emit: (e: AnyEnvelope) => void): void {
    if (t < this.newestHeartbeat - this.windowMs) {
      this.counts.late++;
      this.counts.lateByKind[envelope.kind]++;
      emit(envelope);
      return;
    }
    const item = { t, seq: this.seq++, envelope };
    const q = this.queue;
    if (envelope.kind === 'heartbeat' && (this.queueHead === q.length || q[q.length - 1].t <= t)) q.push(item);
    else this.insert(item);
    const held = this.size;
    if (held > this.counts.peakHeld) this.counts.peakHeld = held;
    if (envelope.kind === 'heartbeat' && t > this.newestHeartbeat) this.newestHeartbeat = t;
    const horizon = this.newestHeartbeat - this.windowMs;
    for (let next = this.peek(); next && next.t <= horizon; next = this.peek()) emit(this.take().envelope);
    while (this.size > this.maxHeld) {
      this.counts.forced++;
      emit(this.take().envelope);
    }
  }

  /** End of input: everything still held, oldest first. */
  drain(emit: (e: AnyEnvelope) => void): void {
    while (this.size) emit(this.take().envelope);
  }

  /** The oldest event held: the head of the FIFO or of the heap. */
  private peek(): Timed | undefined {
    const q = this.queueHead < this.queue.length ? this.queue[this.queueHead] : undefined;
    const h = this.heap[0];
    if (!q) return h;
    return h && before(h, q) ? h : q;
  }

  private take(): Timed {
    const q = this.queueHead < this.queue.length ? this.queue[this.queueHead] : undefined;
    if (q && !(this.heap.length && before(this.heap[0], q))) {
      this.queueHead++;
      // Compact now and then instead of shifting on every take.
      if (this.queueHead >= 4096 && this.queueHead * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      return q;
    }
    return this.pop();
  }

  private insert(item: Timed): void {
    const h = this.heap;
    let i = h.length;
    h.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = item;
  }

  private pop(): Timed {
    const h = this.heap;
    const top = h[0];
    const last = h.pop() as Timed;
    if (h.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && before(h[r], h[l]) ? r : l;
        if (!before(h[c], last)) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
