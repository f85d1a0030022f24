// Kafka bus on kafkajs 2.2.4. Safety settings from kafka.md: idempotent producer (acks=all), one request
// in flight, explicit retries; consumers use eachBatch with explicit commits after processing, heartbeat
// inside long batches, and bounded restarts (kafkajs #1720, #1721).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type SASLOptions } from 'kafkajs';
import type { Bus, BusConsumer, ConsumedRecord, BusProducer, ConsumerOptions, LeadershipOptions, ScanRange, TopicSpec } from './types.ts';
import { ConsumerRegistry } from './consumer-registry.ts';
import { toConsumed, type KafkaBusOptions, type KafkaSettings } from './kafka-shared.ts';
import { KafkaProducer } from './kafka-producer.ts';
import { KafkaConsumer } from './kafka-consumer.ts';
import { RetryingAdmin } from './kafka-admin.ts';
import { BatchingProducer } from './batching-producer.ts';
import { KafkaLeadership } from './kafka-leadership.ts';

export type { KafkaBusOptions } from './kafka-shared.ts';

// kafkajs 2.2.4 computes a negative setTimeout on Node >= 24 and Node warns on every one (kafkajs #1751).
// The timer still fires at once, which is what kafkajs means; only that warning is silenced here.
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (type === 'TimeoutNegativeWarning') return;
  emitWarning(warning, ...rest);
}) as typeof process.emitWarning;

function sasl(s: KafkaSettings): SASLOptions | undefined {
  if (s.sasl_mechanism === 'none') return undefined;
  return { mechanism: s.sasl_mechanism, username: s.sasl_username, password: s.sasl_password ?? '' } as SASLOptions;
}

export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private retrying: RetryingAdmin | undefined;
  private readonly options: KafkaBusOptions;
  private readonly producers = new Set<KafkaProducer>();
  private readonly registry = new ConsumerRegistry();

  constructor(options: KafkaBusOptions) {
    this.options = options;
    const s = options.settings;
    const log = options.logger.child({ component: 'kafkajs' });
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: s.brokers,
      connectionTimeout: s.connection_timeout_ms,
      requestTimeout: s.request_timeout_ms,
      ssl: s.ssl,
      sasl: sasl(s),
      retry: { retries: s.retries, initialRetryTime: s.retry_initial_ms, maxRetryTime: s.retry_max_ms },
      logLevel: logLevel.WARN,
      logCreator: () => ({ namespace, level, log: entry }) => {
        const { message, ...rest } = entry;
        const fields = { namespace, error: rest.error, broker: rest.broker, groupId: rest.groupId };
        if (level <= logLevel.ERROR) log.error(fields, message);
        else log.warn(fields, message);
      },
    });
  }

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    const s = this.options.settings;
    this.admin = admin;
    this.retrying = new RetryingAdmin(admin, {
      deadlineMs: s.admin_deadline_ms, initialMs: s.retry_initial_ms, maxMs: s.retry_max_ms, logger: this.options.logger.child({ component: 'kafka-admin' }),
    });
  }

  async stop(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    this.retrying = undefined;
    await admin?.disconnect();
  }

  ready(): boolean {
    if (!this.admin) return false;
    for (const p of this.producers) if (!p.healthy) return false;
    return true;
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    if (specs.length) await this.requireAdmin().ensureTopics(specs, this.options.replicationFactor);
  }

  producer(): BusProducer {
    const p = new KafkaProducer(this.kafka, this.options, () => this.producers.delete(p));
    this.producers.add(p);
    const batching = this.options.batching;
    return batching ? new BatchingProducer(p, (topic) => this.partitionCount(topic), batching) : p;
  }

  private readonly partitionCounts = new Map<string, { count: number; at: number }>();

  /** Partitions of a topic (from the cluster's metadata, cached for bus.kafka.metadata_max_age_ms). */
  async partitionCount(topic: string): Promise<number> {
    const known = this.partitionCounts.get(topic);
    const now = Date.now();
    if (known && now - known.at < this.options.settings.metadata_max_age_ms) return known.count;
    const meta = await this.requireAdmin().fetchTopicMetadata([topic]);
    const count = meta.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
    if (count < 1) throw new Error(`topic ${topic}: no partitions in the metadata`);
    this.partitionCounts.set(topic, { count, at: now });
    return count;
  }

  consumer(options: ConsumerOptions): BusConsumer {
    const consumer = new KafkaConsumer(this.kafka, this.options, options);
    this.registry.add({ groupId: options.groupId, topics: options.topics, consumer });
    return consumer;
  }

  consumers() {
    return this.registry.active();
  }

  leadership(options: LeadershipOptions) {
    return new KafkaLeadership(this.kafka, this.options, options);
  }

  async scan(topic: string, range: ScanRange, onBatch: (records: ConsumedRecord[]) => Promise<void>): Promise<number> {
    const admin = this.requireAdmin();
    range.signal?.throwIfAborted();
    const ends = (await admin.fetchTopicOffsets(topic, range.signal)).filter((e) => range.partition === undefined || e.partition === range.partition);
    const starts = range.fromMs === undefined ? undefined
      : new Map((await admin.fetchTopicOffsetsByTimestamp(topic, range.fromMs, range.signal)).map((e) => [e.partition, BigInt(e.offset)]));
    // Per partition: the next offset to pass on, and the end (exclusive). A partition leaves `todo` when read.
    const todo = new Map<number, { next: bigint; end: bigint }>();
    for (const e of ends) {
      const high = BigInt(e.high);
      const end = range.untilOffset !== undefined && range.untilOffset < high ? range.untilOffset : high;
      const from = starts?.get(e.partition);
      const next = from === undefined || from < 0n ? (starts ? high : BigInt(e.low)) : from;
      if (next < end) todo.set(e.partition, { next, end });
    }
    if (!todo.size) return 0;
    // kafkajs has no manual assignment: the scan is the only member of a fresh group, so it is assigned every
    // partition. GROUP_JOIN is emitted inside the join, before the first fetch: partitions with nothing to
    // read are paused there (kafkajs leaves paused partitions out of fetch requests) and the others sought;
    // a partition is paused as soon as its range is read. After a restart the join repeats from `next`.
    const groupId = `ringwatch-scan-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    const { promise: done, resolve, reject } = Promise.withResolvers<void>();
    let settled = false;
    const finish = (err?: unknown) => { if (!settled) { settled = true; if (err === undefined) resolve(); else reject(err); } };
    const abort = () => finish(range.signal?.reason ?? new Error('scan aborted'));
    range.signal?.addEventListener('abort', abort, { once: true });
    if (range.signal?.aborted) abort();
    const advance = (partition: number, lastOffset: string) => {
      const window = todo.get(partition);
      if (!window || BigInt(lastOffset) + 1n < window.end) return;
      todo.delete(partition);
      consumer.pause([{ topic, partitions: [partition] }]);
      if (!todo.size) finish();
    };
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const idle = (payload.memberAssignment[topic] ?? []).filter((p) => !todo.has(p));
      if (idle.length) consumer.pause([{ topic, partitions: idle }]);
      for (const [partition, { next }] of todo) consumer.seek({ topic, partition, offset: next.toString() });
    });
    // Batches of only control records never reach eachBatch, but end here too.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => advance(payload.partition, payload.lastOffset));
    consumer.on(consumer.events.CRASH, ({ payload }) => { if (!payload.restart) finish(payload.error); });
    let count = 0;
    // Start-up races the end of the scan (an abort while joining); it is never left half-started.
    const consuming = (async () => {
      await consumer.connect();
      if (!settled) await consumer.subscribe({ topics: [topic], fromBeginning: true });
      if (!settled) await consumer.run({
        autoCommit: false, // nothing to commit: the group is deleted below
        eachBatch: async ({ batch }) => {
          const window = todo.get(batch.partition);
          if (!window || settled) return;
          const records = batch.messages
            .filter((m) => BigInt(m.offset) >= window.next && BigInt(m.offset) < window.end && Number(m.timestamp) < (range.toMs ?? Infinity))
            .map((m) => toConsumed(batch.topic, batch.partition, m));
          try {
            if (records.length) await onBatch(records);
          } catch (err) {
            finish(err);
            return;
          }
          count += records.length;
          window.next = BigInt(batch.lastOffset()) + 1n;
          advance(batch.partition, batch.lastOffset());
        },
      });
    })();
    consuming.catch(finish);
    try {
      await done;
    } finally {
      range.signal?.removeEventListener('abort', abort);
      await consuming.catch(() => {});
      await consumer.disconnect();
      // Best effort and not retried: the group never committed, so the coordinator drops it once empty anyway.
      await this.requireRawAdmin().deleteGroups([groupId]).catch(() => {});
    }
    return count;
  }

  async deleteGroups(groupIds: string[]): Promise<void> {
    // Groups that never committed (GROUP_ID_NOT_FOUND) count as deleted; anything else is the caller's to log.
    if (groupIds.length) await this.requireAdmin().deleteGroups(groupIds);
  }

  // Not retried here: the consumer monitor measures again at its next poll.
  async lag(groupId: string, topics: string[]) {
    const admin = this.requireRawAdmin();
    const out: { topic: string; partition: number; lag: number }[] = [];
    const committed = await admin.fetchOffsets({ groupId, topics });
    for (const { topic, partitions } of committed) {
      const ends = await admin.fetchTopicOffsets(topic);
      for (const end of ends) {
        const c = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const from = Number(c) < 0 ? Number(end.low) : Number(c);
        out.push({ topic, partition: end.partition, lag: Math.max(0, Number(end.high) - from) });
      }
    }
    return out;
  }

  /** The admin calls, retried until bus.kafka.admin_deadline_ms. */
  private requireAdmin(): RetryingAdmin {
    if (!this.retrying) throw new Error('kafka bus not started');
    return this.retrying;
  }

  private requireRawAdmin(): Admin {
    if (!this.admin) throw new Error('kafka bus not started');
    return this.admin;
  }
}
