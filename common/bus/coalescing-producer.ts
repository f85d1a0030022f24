// kafkajs has no linger: every send() is its own produce request, and the idempotent producer keeps one
// request in flight, so the others queue behind it. Many concurrent HTTP requests each publishing a few
// events would make thousands of tiny requests. This producer coalesces publishes per topic: the first
// waits up to `lingerMs` for company; while a request for the topic is in flight, everything that arrives
// waits for it and goes out in the next one (at most `maxRecords` per request), so requests grow with
// the broker's round trip instead of queueing. Every caller's promise settles with the outcome of the
// request that carried its records: a caller is acknowledged only when its own records were.
import type { BusProducer, BusRecord } from './types.ts';

interface Pending { records: BusRecord[]; resolve: () => void; reject: (err: unknown) => void; }
interface Queue { items: Pending[]; count: number; timer?: NodeJS.Timeout; sending: boolean; }

export class CoalescingProducer implements BusProducer {
  private readonly inner: BusProducer;
  private readonly lingerMs: number;
  private readonly maxRecords: number;
  private readonly queues = new Map<string, Queue>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;

  constructor(inner: BusProducer, options: { lingerMs: number; maxRecords: number }) {
    this.inner = inner;
    this.lingerMs = options.lingerMs;
    this.maxRecords = options.maxRecords;
  }

  start(): Promise<void> {
    this.stopping = false;
    return this.inner.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const topic of this.queues.keys()) this.flush(topic);
    // A settling request sends what waited behind it, so wait until nothing is left in flight.
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    await this.inner.stop();
  }

  publish(topic: string, records: BusRecord[]): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('producer is stopping'));
    if (!records.length) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let q = this.queues.get(topic);
      if (!q) this.queues.set(topic, (q = { items: [], count: 0, sending: false }));
      q.items.push({ records, resolve, reject });
      q.count += records.length;
      if (q.sending) return; // goes out when the request in flight settles
      if (q.count >= this.maxRecords || this.lingerMs === 0) this.flush(topic);
      else q.timer ??= setTimeout(() => this.flush(topic), this.lingerMs);
    });
  }

  /** Send what waits for `topic` (whole publishes, up to maxRecords unless one alone is larger). */
  private flush(topic: string): void {
    const q = this.queues.get(topic);
    if (!q || q.sending || !q.items.length) return;
    if (q.timer) clearTimeout(q.timer);
    q.timer = undefined;
    let n = 0;
    let count = 0;
    while (n < q.items.length && (n === 0 || count + q.items[n].records.length <= this.maxRecords)) count += q.items[n++].records.length;
    const items = q.items.splice(0, n);
    q.count -= count;
    q.sending = true;
    const send = this.inner.publish(topic, items.length === 1 ? items[0].records : items.flatMap((i) => i.records)).then(
      () => { for (const i of items) i.resolve(); },
      (err: unknown) => { for (const i of items) i.reject(err); },
    );
    this.inFlight.add(send);
    void send.finally(() => {
      this.inFlight.delete(send);
      q.sending = false;
      // What arrived meanwhile has waited a whole round trip already: send it now.
      this.flush(topic);
    });
  }
}
