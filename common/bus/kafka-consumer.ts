// Kafka consumer behind BusConsumer: eachBatch with explicit commits after the handler resolves,
// heartbeats inside long batches, bounded restarts (kafkajs #1720, #1721); CRASH without restart is fatal.
// Up to bus.kafka.partitions_consumed_concurrently partitions are handled at once: handlers must not
// assume that batches of different partitions run one after another (types.ts BatchHandler).
import type { Consumer, Kafka } from 'kafkajs';
import type { BusConsumer, ConsumerOptions, ConsumerStats } from './types.ts';
import { consumerRetry, fatalOnFinalCrash, toConsumed, type KafkaBusOptions } from './kafka-shared.ts';

export class KafkaConsumer implements BusConsumer {
  readonly stats: ConsumerStats = { batches: 0, records: 0, lastProgressMs: Date.now(), started: false, stopped: false };
  private consumer: Consumer | undefined;
  private restarts = 0;
  private readonly kafka: Kafka;
  private readonly bus: KafkaBusOptions;
  private readonly options: ConsumerOptions;

  constructor(kafka: Kafka, bus: KafkaBusOptions, options: ConsumerOptions) {
    this.kafka = kafka;
    this.bus = bus;
    this.options = options;
  }

  async start(): Promise<void> {
    if (this.consumer) return;
    const s = this.bus.settings;
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: s.session_timeout_ms,
      heartbeatInterval: s.heartbeat_interval_ms,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: s.fetch_partition_max_bytes,
      maxBytes: s.fetch_max_bytes,
      maxWaitTimeInMs: s.fetch_max_wait_ms,
      retry: consumerRetry(s, () => ++this.restarts <= s.max_restarts),
    });
    fatalOnFinalCrash(consumer, this.bus.onFatal);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = Object.entries(payload.memberAssignment)
        .flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
      this.options.onAssignment?.(assigned);
    });
    this.consumer = consumer;
    this.stats.started = true;
    this.stats.stopped = false;
    this.stats.lastProgressMs = Date.now();
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning ?? true });
      await this.run(consumer);
    } catch (err) {
      // A start that fails half way (a topic whose leader is not elected yet, a broker going away) must not
      // leave a connected client behind: the caller may retry with a new consumer.
      this.consumer = undefined;
      this.stats.stopped = true;
      await consumer.disconnect().catch(() => {});
      throw err;
    }
  }

  private run(consumer: Consumer): Promise<void> {
    const s = this.bus.settings;
    return consumer.run({
      // Batches of different partitions overlap (one waits on its commit while another is processed);
      // kafkajs never runs two batches of one partition at once, so per-partition order is kept.
      partitionsConsumedConcurrently: s.partitions_consumed_concurrently,
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        if (!batch.messages.length || !isRunning() || isStale()) return;
        const records = batch.messages.map((m) => toConsumed(batch.topic, batch.partition, m));
        await this.options.handler(
          { topic: batch.topic, partition: batch.partition, records },
          { heartbeat, isRunning: () => isRunning() && !isStale() },
        );
        const last = batch.messages[batch.messages.length - 1].offset;
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        resolveOffset(last);
        this.restarts = 0;
        this.stats.batches++;
        this.stats.records += records.length;
        this.stats.lastProgressMs = Date.now();
      },
    });
  }

  async stop(): Promise<void> {
    const c = this.consumer;
    this.consumer = undefined;
    this.stats.stopped = true;
    await c?.disconnect();
  }
}
