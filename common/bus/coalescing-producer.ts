// kafkajs has no linger: every send() is its own produce request. Many concurrent HTTP requests each
// publishing a few events would make thousands of tiny requests. This producer coalesces publishes that
// arrive within `lingerMs` (or until `maxRecords`) into one request per topic, and settles every caller's
// promise with that request's outcome: a caller is acknowledged only when its own records were.
import type { BusProducer, BusRecord } from './types.ts';

interface Pending { records: BusRecord[]; resolve: () => void; reject: (err: unknown) => void; }

export class CoalescingProducer implements BusProducer {
  private readonly inner: BusProducer;
  private readonly lingerMs: number;
  private readonly maxRecords: number;
  private readonly queues = new Map<string, { items: Pending[]; count: number; timer?: NodeJS.Timeout }>();
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
    for (const topic of [...this.queues.keys()]) this.flush(topic);
    await Promise.allSettled([...this.inFlight]);
    await this.inner.stop();
  }

  publish(topic: string, records: BusRecord[]): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('producer is stopping'));
    if (!records.length) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let q = this.queues.get(topic);
      if (!q) this.queues.set(topic, (q = { items: [], count: 0 }));
      q.items.push({ records, resolve, reject });
      q.count += records.length;
      if (q.count >= this.maxRecords || this.lingerMs === 0) this.flush(topic);
      else q.timer ??= setTimeout(() => this.flush(topic), this.lingerMs);
    });
  }

  private flush(topic: string): void {
    const q = this.queues.get(topic);
    if (!q) return;
    this.queues.delete(topic);
    if (q.timer) clearTimeout(q.timer);
    const send = this.inner.publish(topic, q.items.flatMap((i) => i.records)).then(
      () => { for (const i of q.items) i.resolve(); },
      (err: unknown) => { for (const i of q.items) i.reject(err); },
    );
    this.inFlight.add(send);
    void send.finally(() => this.inFlight.delete(send));
  }
}
