// Kafka producer behind BusProducer: idempotent (acks=all), one request in flight, explicit retries;
// after a failed send it starts afresh, since an idempotent producer may hold stale sequence numbers.
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { recordValue, type BusProducer, type BusRecord } from './types.ts';
import { compressionType, type KafkaBusOptions } from './kafka-shared.ts';

export class KafkaProducer implements BusProducer {
  healthy = true;
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private readonly kafka: Kafka;
  private readonly options: KafkaBusOptions;
  private readonly onStop: () => void;

  constructor(kafka: Kafka, options: KafkaBusOptions, onStop: () => void) {
    this.kafka = kafka;
    this.options = options;
    this.onStop = onStop;
  }

  async start(): Promise<void> {
    await this.connected();
  }

  async stop(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    this.onStop();
    await p?.disconnect();
  }

  async publish(topic: string, records: BusRecord[]): Promise<void> {
    if (!records.length) return;
    const producer = await this.connected();
    try {
      await producer.send({
        topic,
        acks: -1,
        compression: compressionType(this.options.settings.compression),
        messages: records.map((r) => ({ key: r.key, value: r.tombstone ? null : recordValue(r), headers: r.headers })),
      });
      this.healthy = true;
    } catch (err) {
      this.healthy = false;
      // An idempotent producer that exhausted its retries may hold stale sequence numbers: start afresh.
      this.reset(producer);
      throw err;
    }
  }

  private connected(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      const s = this.options.settings;
      const p = this.kafka.producer({
        // Murmur2 like the Java client (and common/bus/partitioner.ts); also silences kafkajs' v2 warning.
        createPartitioner: Partitioners.DefaultPartitioner,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        retry: { retries: s.retries, initialRetryTime: s.retry_initial_ms, maxRetryTime: s.retry_max_ms },
      });
      try {
        await p.connect();
      } catch (err) {
        this.connecting = undefined;
        this.healthy = false;
        throw err;
      }
      this.producer = p;
      return p;
    })();
    return this.connecting;
  }

  private reset(failed: Producer): void {
    if (this.producer !== failed) return;
    this.producer = undefined;
    this.connecting = undefined;
    failed.disconnect().catch(() => {});
  }
}
