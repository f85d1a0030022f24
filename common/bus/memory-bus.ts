// In-memory bus for the embedded single-process mode and unit tests. Same semantics as the Kafka bus:
// per-key ordering within partitions, consumer groups that share partitions, commits after processing,
// redelivery from the last commit after a failure or a crash. Not durable: a process exit loses it.
import type {
  BatchHandler, Bus, BusConsumer, ConsumerStats, BusProducer, BusRecord, ConsumedRecord, ConsumerOptions, LeadershipOptions, ScanRange, TopicSpec,
} from './types.ts';
import { recordValue } from './types.ts';
import { MemoryElections } from './memory-leadership.ts';
import { partitionFor } from './partitioner.ts';
import { ConsumerRegistry } from './consumer-registry.ts';
import { BatchingProducer, type BatchingOptions } from './batching-producer.ts';
import type { Logger } from '../telemetry/logger.ts';

export interface MemoryBusOptions {
  maxBatch?: number;
  /** Write batchable records as batch records (record format v2 / v3), as the Kafka bus does. */
  batching?: BatchingOptions;
  /** Where a failing consumer handler is reported (each failure, with its group, partition and error). */
  logger?: Logger;
  /**
   * Consecutive handler failures a consumer retries before it gives up, as the Kafka consumer does
   * (bus.kafka.max_restarts); then it stops and `onFatal` is called. Default: retry for ever.
   */
  maxRestarts?: number;
  /** Wait before the n-th retry: retryInitialMs doubled each time up to retryMaxMs (default 100 ms each). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  onFatal?: (err: Error) => void;
}

interface Topic { spec: TopicSpec; partitions: ConsumedRecord[][]; }
interface Group { committed: Map<string, number>; members: MemoryConsumer[]; }

const tp = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, Group>();
  private waiters: (() => void)[] = [];
  private readonly registry = new ConsumerRegistry();
  private readonly elections = new MemoryElections();
  private readonly maxBatch: number;
  private readonly batching: BatchingOptions | undefined;
  readonly failures: Required<Pick<MemoryBusOptions, 'maxRestarts' | 'retryInitialMs' | 'retryMaxMs'>> & Pick<MemoryBusOptions, 'logger' | 'onFatal'>;
  /** Test hook: when set, publish fails with this error (simulates an unavailable broker). */
  failPublishWith: Error | undefined;

  constructor(options: MemoryBusOptions = {}) {
    this.maxBatch = options.maxBatch ?? 500;
    this.batching = options.batching;
    const retryInitialMs = options.retryInitialMs ?? 100;
    this.failures = {
      maxRestarts: options.maxRestarts ?? Number.POSITIVE_INFINITY, retryInitialMs, retryMaxMs: Math.max(retryInitialMs, options.retryMaxMs ?? 100),
      logger: options.logger, onFatal: options.onFatal,
    };
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {
    for (const g of this.groups.values()) for (const m of [...g.members]) await m.stop();
  }
  ready(): boolean { return this.failPublishWith === undefined; }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    for (const spec of specs) {
      if (!this.topics.has(spec.name)) {
        this.topics.set(spec.name, { spec, partitions: Array.from({ length: spec.partitions }, () => []) });
      }
    }
  }

  producer(): BusProducer {
    const plain: BusProducer = { start: async () => {}, stop: async () => {}, publish: (topic, records) => this.append(topic, records) };
    return this.batching ? new BatchingProducer(plain, async (topic) => this.partitionCount(topic), this.batching) : plain;
  }

  partitionCount(topic: string): number {
    const t = this.topics.get(topic);
    if (!t) throw new Error(`unknown topic ${topic}`);
    return t.partitions.length;
  }

  consumer(options: ConsumerOptions): BusConsumer {
    const consumer = new MemoryConsumer(this, options);
    this.registry.add({ groupId: options.groupId, topics: options.topics, consumer });
    return consumer;
  }

  consumers() {
    return this.registry.active();
  }

  leadership(options: LeadershipOptions) {
    return this.elections.candidate(options);
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    for (const id of groupIds) if (!this.groups.get(id)?.members.length) this.groups.delete(id);
  }

  async lag(groupId: string, topics: string[]) {
    const group = this.groups.get(groupId);
    return topics.flatMap((topic) => (this.topics.get(topic)?.partitions ?? []).map((log, partition) => ({
      topic, partition, lag: log.length - (group?.committed.get(tp(topic, partition)) ?? 0),
    })));
  }

  async scan(topic: string, range: ScanRange, onBatch: (records: ConsumedRecord[]) => Promise<void>): Promise<number> {
    range.signal?.throwIfAborted();
    const logs = (this.topics.get(topic)?.partitions ?? []).map((log, partition) => ({ log, partition, end: log.length }))
      .filter((p) => range.partition === undefined || p.partition === range.partition);
    let count = 0;
    for (const { log, end } of logs) {
      const until = range.untilOffset !== undefined && range.untilOffset < BigInt(end) ? Math.max(0, Number(range.untilOffset)) : end;
      const records = log.slice(0, until).filter((r) => r.timestamp >= (range.fromMs ?? -Infinity) && r.timestamp < (range.toMs ?? Infinity));
      if (records.length) await onBatch(records);
      range.signal?.throwIfAborted();
      count += records.length;
    }
    return count;
  }

  /** Every record of a topic in partition order (tests, export). */
  records(topic: string): ConsumedRecord[] {
    return (this.topics.get(topic)?.partitions ?? []).flat();
  }

  private async append(topic: string, records: BusRecord[]): Promise<void> {
    if (this.failPublishWith) throw this.failPublishWith;
    const t = this.topics.get(topic);
    if (!t) throw new Error(`unknown topic ${topic}`);
    const now = Date.now();
    for (const r of records) {
      const partition = partitionFor(r.key, t.partitions.length);
      const log = t.partitions[partition];
      const { batchable: _, doc: __, ...rest } = r;
      log.push({ ...rest, value: recordValue(r), headers: { ...(r.headers ?? {}) }, topic, partition, offset: String(log.length), timestamp: now });
    }
    this.wake();
  }

  // --- used by MemoryConsumer ---
  group(id: string): Group {
    let g = this.groups.get(id);
    if (!g) this.groups.set(id, (g = { committed: new Map(), members: [] }));
    return g;
  }

  /** Partitions of the group's topics assigned to a member: round robin in join order. */
  assignment(groupId: string, member: MemoryConsumer, topics: string[]): { topic: string; partition: number }[] {
    const g = this.group(groupId);
    const index = g.members.indexOf(member);
    if (index < 0) return [];
    const all = topics.flatMap((topic) =>
      (this.topics.get(topic)?.partitions ?? []).map((_, partition) => ({ topic, partition })));
    return all.filter((_, i) => i % g.members.length === index);
  }

  fetch(topic: string, partition: number, from: number): ConsumedRecord[] {
    return this.topics.get(topic)?.partitions[partition]?.slice(from, from + this.maxBatch) ?? [];
  }

  committedOffset(groupId: string, topic: string, partition: number, fromBeginning: boolean): number {
    const committed = this.group(groupId).committed.get(tp(topic, partition));
    if (committed !== undefined) return committed;
    return fromBeginning ? 0 : (this.topics.get(topic)?.partitions[partition]?.length ?? 0);
  }

  commit(groupId: string, topic: string, partition: number, next: number): void {
    this.group(groupId).committed.set(tp(topic, partition), next);
  }

  /** Resolves on the next publish or membership change, or after `ms`. */
  waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => { clearTimeout(timer); resolve(); });
    });
  }

  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export class MemoryConsumer implements BusConsumer {
  readonly stats: ConsumerStats = { batches: 0, records: 0, lastProgressMs: Date.now(), started: false, stopped: false };
  private running = false;
  private loop: Promise<void> | undefined;
  private generation = 0;
  /** Handler failures since the last batch that went through (reset by success, as kafkajs does). */
  private restarts = 0;
  /** Ends a back-off early: a consumer that stops does not wait out its retry delay. */
  private interrupt: (() => void) | undefined;
  private readonly bus: MemoryBus;
  private readonly options: ConsumerOptions;
  private readonly handler: BatchHandler;

  constructor(bus: MemoryBus, options: ConsumerOptions) {
    this.bus = bus;
    this.options = options;
    this.handler = options.handler;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stats.started = true;
    this.stats.stopped = false;
    this.stats.lastProgressMs = Date.now();
    this.bus.group(this.options.groupId).members.push(this);
    this.bus.wake();
    this.loop = this.run(++this.generation);
  }

  /** Graceful: finish the batch in hand (and commit it), then leave the group. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stats.stopped = true;
    this.leave();
    await this.loop;
  }

  /** Test double of SIGKILL: leave at once; whatever is in the handler is never committed. */
  simulateCrash(): void {
    this.running = false;
    this.stats.stopped = true;
    this.generation++;
    this.leave();
  }

  private backOff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.interrupt = undefined; resolve(); }, ms);
      this.interrupt = () => { clearTimeout(timer); this.interrupt = undefined; resolve(); };
    });
  }

  private leave(): void {
    this.interrupt?.();
    const members = this.bus.group(this.options.groupId).members;
    const i = members.indexOf(this);
    if (i >= 0) members.splice(i, 1);
    this.bus.wake();
  }

  private async run(generation: number): Promise<void> {
    const { groupId, topics, fromBeginning = true } = this.options;
    let lastAssignment = '';
    const alive = () => this.running && this.generation === generation;
    while (alive()) {
      const assigned = this.bus.assignment(groupId, this, topics);
      const key = JSON.stringify(assigned);
      if (key !== lastAssignment) {
        lastAssignment = key;
        this.options.onAssignment?.(assigned);
      }
      let progressed = false;
      for (const { topic, partition } of assigned) {
        if (!alive()) return;
        const from = this.bus.committedOffset(groupId, topic, partition, fromBeginning);
        const records = this.bus.fetch(topic, partition, from);
        if (!records.length) continue;
        const stillOwned = () => alive() && this.bus.assignment(groupId, this, topics)
          .some((a) => a.topic === topic && a.partition === partition);
        try {
          await this.handler({ topic, partition, records }, { heartbeat: async () => {}, isRunning: stillOwned });
        } catch (err) {
          if (!this.failed(err, topic, partition)) return;
          // Retried from the last commit after a back-off, like kafkajs' retry and restart.
          const { retryInitialMs, retryMaxMs } = this.bus.failures;
          await this.backOff(Math.min(retryMaxMs, retryInitialMs * 2 ** (this.restarts - 1)));
          continue;
        }
        this.restarts = 0;
        if (this.generation !== generation) return; // crashed inside the handler: nothing is committed
        this.bus.commit(groupId, topic, partition, from + records.length);
        this.stats.batches++;
        this.stats.records += records.length;
        this.stats.lastProgressMs = Date.now();
        progressed = true;
      }
      if (!progressed) await this.bus.waitForChange(50);
    }
  }

  /**
   * A handler threw: the batch is redelivered from the last commit. Every failure is logged (a handler
   * that fails on every record must not loop unseen); past max restarts in a row the consumer stops and
   * the bus's onFatal is told, as a Kafka consumer's final crash is. False: stopped.
   */
  private failed(err: unknown, topic: string, partition: number): boolean {
    const error = err instanceof Error ? err : new Error(String(err));
    const { maxRestarts, logger, onFatal } = this.bus.failures;
    const restart = ++this.restarts <= maxRestarts;
    logger?.error({ err: error.message, group: this.options.groupId, topic, partition, restarts: this.restarts, restart },
      restart ? 'consumer handler failed; the batch is redelivered from the last commit' : 'consumer handler failed too often; the consumer stops');
    if (restart) return true;
    this.running = false;
    this.stats.stopped = true;
    this.leave();
    onFatal?.(error);
    return false;
  }
}
