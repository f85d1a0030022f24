// The baseline: the same events, as the same envelopes, written by a bare kafkajs producer with the
// settings the collector's bus uses (idempotent, acks=-1, one request in flight), in large batches.
// Messages are encoded before the clock starts: this measures what the Kafka client alone can carry.
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import { encodeEnvelope, envelopeKey } from '../../../common/contract/envelope.ts';
import type { Heartbeat } from '../../../common/contract/events.ts';
import { withRetries } from '../../../common/runtime/retry.ts';
import { percentile } from './stats.ts';

export interface BareOptions {
  brokers: string[];
  topic: string;
  partitions: number;
  events: Heartbeat[];
  batchSize: number;
  concurrency: number;
}

export interface PhaseResult {
  eventsPerSec: number;
  /** Milliseconds: per produce request (one batch) here, per HTTP request for the collector. */
  p50Ms: number;
  p99Ms: number;
}

export class BareProducer {
  private readonly o: BareOptions;
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private messages: { key: string; value: Buffer }[] = [];
  private cursor = 0;

  constructor(o: BareOptions) {
    this.o = o;
    this.kafka = new Kafka({ clientId: 'bench-bare', brokers: o.brokers, logLevel: logLevel.NOTHING });
  }

  async open(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    // Leaders are awaited by the retried first send below (kafkajs' own wait gives up after 5 s on a busy box).
    await admin.createTopics({ waitForLeaders: false, timeout: 30_000, topics: [{ topic: this.o.topic, numPartitions: this.o.partitions }] });
    await admin.disconnect();
    const receivedAt = new Date().toISOString();
    this.messages = this.o.events.map((event) => {
      const envelope = { v: 1 as const, kind: 'heartbeat' as const, receivedAt, eventAt: event.sentAt, collectorId: 'bench-bare', event };
      return { key: envelopeKey(envelope), value: encodeEnvelope(envelope) };
    });
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 8 } });
    await this.producer.connect();
    const producer = this.producer;
    // Warm-up: metadata and producer id. A new topic may take a moment to be known to every listener.
    await withRetries(() => producer.send({ topic: this.o.topic, acks: -1, messages: this.messages.slice(0, 10) }),
      { attempts: 10, initialMs: 200, maxMs: 2000, what: 'first send to the new topic' });
  }

  async run(durationSecs: number): Promise<PhaseResult> {
    const producer = this.producer;
    if (!producer) throw new Error('open() first');
    const latencies: number[] = [];
    let sent = 0;
    const started = performance.now();
    const endAt = started + durationSecs * 1000;
    const sender = async () => {
      while (performance.now() < endAt) {
        const from = this.cursor % this.messages.length;
        this.cursor += this.o.batchSize;
        const batch = this.messages.slice(from, from + this.o.batchSize);
        const t = performance.now();
        await producer.send({ topic: this.o.topic, acks: -1, messages: batch });
        latencies.push(performance.now() - t);
        sent += batch.length;
      }
    };
    await Promise.all(Array.from({ length: this.o.concurrency }, sender));
    const seconds = (performance.now() - started) / 1000;
    return { eventsPerSec: sent / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
  }
}
