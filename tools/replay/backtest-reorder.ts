// Restores receive-time order in a file that is only roughly sorted (collectors stamp receipt times a little
// out of order; an export writes each topic and partition in append order). Events wait in a FIFO (in-order
// majority) or a min-heap by receivedAt until they are `windowMs` behind the newest heartbeat seen, so memory
// is bounded by one window of events plus the sparse kinds held ahead (and a hard cap), never by the file.
//
// Only heartbeats, the steady stream, move the "newest" mark. An export writes the whole range's
// deployments and crashes before its heartbeats: had they moved the mark, the first of them from day 7
// would release everything before it and turn all the heartbeats behind it into late events. Held
// deployments and crashes wait until the heartbeats catch up with them.
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import type { Shape } from '../../common/contract/heartbeat-shape.ts';

export interface Timed {
  t: number;
  seq: number;
  envelope: AnyEnvelope;
  shape: Shape | undefined;
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

/**
 * The in-order heartbeats: a growable ring of parallel columns, so the bulk of a replay allocates no
 * wrapper object per event (the heap, for the few out-of-order ones, keeps Timed objects).
 */
class Fifo {
  private t = new Float64Array(1024);
  private seq = new Float64Array(1024);
  private envelopes: (AnyEnvelope | undefined)[] = new Array(1024);
  private shapes: (Shape | undefined)[] = new Array(1024);
  private head = 0;
  size = 0;

  push(t: number, seq: number, envelope: AnyEnvelope, shape: Shape | undefined): void {
    if (this.size === this.t.length) this.grow();
    const i = (this.head + this.size) & (this.t.length - 1);
    this.t[i] = t;
    this.seq[i] = seq;
    this.envelopes[i] = envelope;
    this.shapes[i] = shape;
    this.size++;
  }

  get headT(): number {
    return this.t[this.head];
  }

  get headSeq(): number {
    return this.seq[this.head];
  }

  get lastT(): number {
    return this.t[(this.head + this.size - 1) & (this.t.length - 1)];
  }

  get headShape(): Shape | undefined {
    return this.shapes[this.head];
  }

  shift(): AnyEnvelope {
    const e = this.envelopes[this.head] as AnyEnvelope;
    this.envelopes[this.head] = undefined;
    this.shapes[this.head] = undefined;
    this.head = (this.head + 1) & (this.t.length - 1);
    this.size--;
    return e;
  }

  private grow(): void {
    const n = this.t.length;
    const t = new Float64Array(2 * n);
    const seq = new Float64Array(2 * n);
    const envelopes: (AnyEnvelope | undefined)[] = new Array(2 * n);
    const shapes: (Shape | undefined)[] = new Array(2 * n);
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) & (n - 1);
      t[k] = this.t[i];
      seq[k] = this.seq[i];
      envelopes[k] = this.envelopes[i];
      shapes[k] = this.shapes[i];
    }
    this.t = t;
    this.seq = seq;
    this.envelopes = envelopes;
    this.shapes = shapes;
    this.head = 0;
  }
}

/** Gets each event released, with its receipt time (parsed once, when it was pushed) and its shape if known. */
export type Emit = (e: AnyEnvelope, receivedMs: number, shape: Shape | undefined) => void;

export class ReorderBuffer {
  /** Heartbeats that arrived in order wait in a FIFO (O(1)); the sparse kinds and stragglers use the heap. */
  private readonly fifo = new Fifo();
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
    return this.heap.length + this.fifo.size;
  }

  /**
   * Add one event; `emit` gets every event that is now ready, oldest first. A late event is emitted at
   * once (the pipeline never moves time backwards, so it lands in the current window or is dropped there
   * exactly as a late record would be in production).
   */
  push(envelope: AnyEnvelope, t: number, emit: Emit, shape?: Shape): void {
    if (t < this.newestHeartbeat - this.windowMs) {
      this.counts.late++;
      this.counts.lateByKind[envelope.kind]++;
      emit(envelope, t, shape);
      return;
    }
    const seq = this.seq++;
    const heartbeat = envelope.kind === 'heartbeat';
    if (heartbeat && (this.fifo.size === 0 || this.fifo.lastT <= t)) this.fifo.push(t, seq, envelope, shape);
    else this.insert({ t, seq, envelope, shape });
    const held = this.size;
    if (held > this.counts.peakHeld) this.counts.peakHeld = held;
    if (heartbeat && t > this.newestHeartbeat) this.newestHeartbeat = t;
    const horizon = this.newestHeartbeat - this.windowMs;
    while (this.size && this.oldestT() <= horizon) this.take(emit);
    while (this.size > this.maxHeld) {
      this.counts.forced++;
      this.take(emit);
    }
  }

  /** End of input: everything still held, oldest first. */
  drain(emit: Emit): void {
    while (this.size) this.take(emit);
  }

  /** Whether the heap's top comes before the FIFO's head (false when either is empty and the FIFO is not). */
  private heapFirst(): boolean {
    const h = this.heap[0];
    if (!h) return false;
    if (!this.fifo.size) return true;
    const t = this.fifo.headT;
    return h.t < t || (h.t === t && h.seq < this.fifo.headSeq);
  }

  /** Receipt time of the oldest event held (call only when something is held). */
  private oldestT(): number {
    return this.heapFirst() ? this.heap[0].t : this.fifo.headT;
  }

  /** Emits the oldest event held with its receipt time. */
  private take(emit: Emit): void {
    if (this.heapFirst()) {
      const item = this.pop();
      emit(item.envelope, item.t, item.shape);
    } else {
      const t = this.fifo.headT;
      const shape = this.fifo.headShape;
      emit(this.fifo.shift(), t, shape);
    }
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
