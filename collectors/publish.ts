// Write one request's records and wait for Kafka's acknowledgement, but never longer than the deadline:
// a client gets 503 + Retry-After instead of hanging for Kafka's whole retry time. Records still held by
// the client library after the deadline count against max_pending_produce_bytes until they settle, so a
// slow or absent broker cannot make the collector buffer without bound.
import { context, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { BusProducer, BusRecord } from '../common/bus/types.ts';
import type { Clock } from '../common/runtime/clock.ts';
import { SpanKind, traceHeaders, tracer } from '../common/telemetry/tracing.ts';
import { IngestError } from './reasons.ts';
import type { CollectorMetrics, ProduceTarget } from './metrics.ts';

export interface Write {
  topic: string;
  target: ProduceTarget;
  records: BusRecord[];
  /**
   * Bytes these records hold while they wait for Kafka, when their values are not encoded yet (records
   * given as documents: the request body's size); else the sum of keys and values.
   */
  bytes?: number;
}

export interface PublishSettings {
  timeoutMs: number;
  maxPendingBytes: number;
  retryAfterSecs: number;
}

/** Time since the last failed or late write during which the collector reports itself not ready. */
const unreadyMs = (s: PublishSettings) => s.retryAfterSecs * 1000;

function sendSpan(write: Write): Span {
  return tracer().startSpan(`send ${write.topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.destination.name': write.topic,
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.batch.message_count': write.records.length,
    },
  }, context.active());
}

export class DeadlinePublisher {
  private pending = 0;
  /** Writes past their deadline that Kafka has not settled yet. */
  private overdue = 0;
  private lastFailureMs = Number.NEGATIVE_INFINITY;
  private readonly producer: BusProducer;
  private readonly settings: PublishSettings;
  private readonly metrics: CollectorMetrics;
  private readonly clock: Clock;

  constructor(producer: BusProducer, settings: PublishSettings, metrics: CollectorMetrics, clock: Clock) {
    this.producer = producer;
    this.settings = settings;
    this.metrics = metrics;
    this.clock = clock;
  }

  get pendingBytes(): number {
    return this.pending;
  }

  /**
   * For /readyz: false while a write is overdue or one failed within the last retry_after_secs. It turns
   * true again by itself after that, so a balancer sends traffic back and the next writes probe Kafka.
   */
  ready(): boolean {
    return this.overdue === 0 && this.clock.now() - this.lastFailureMs > unreadyMs(this.settings);
  }

  /** Resolves once every write is acknowledged; throws a 503 IngestError otherwise. */
  async publish(writes: Write[]): Promise<void> {
    const { timeoutMs, maxPendingBytes, retryAfterSecs } = this.settings;
    const live = writes.filter((w) => w.records.length);
    if (!live.length) return;
    const bytes = live.reduce((sum, w) => sum + (w.bytes ?? w.records.reduce((s, r) => s + r.value.length + r.key.length, 0)), 0);
    // An idle collector takes any single request, so a request larger than the bound cannot starve.
    if (this.pending > 0 && this.pending + bytes > maxPendingBytes) {
      throw new IngestError('overloaded', 'too many events are waiting for Kafka; retry later', { retryAfterSecs });
    }
    this.pending += bytes;
    this.metrics.pendingBytes.set(this.pending);
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        this.overdue++;
        this.lastFailureMs = this.clock.now();
        reject(new IngestError('produce_timeout', `Kafka did not acknowledge within ${timeoutMs} ms; retry later`, { retryAfterSecs }));
      }, timeoutMs);
    });
    const all = Promise.all(live.map((w) => this.send(w, () => timedOut)));
    void all.finally(() => {
      this.pending -= bytes;
      this.metrics.pendingBytes.set(this.pending);
      if (timedOut) this.overdue--;
    }).catch(() => {
      this.lastFailureMs = this.clock.now();
    });
    try {
      await Promise.race([all, deadline]);
    } catch (err) {
      if (err instanceof IngestError) throw err;
      throw new IngestError('bus_unavailable', 'Kafka refused the write; retry later', { retryAfterSecs });
    } finally {
      clearTimeout(timer);
    }
  }

  private async send(write: Write, late: () => boolean): Promise<void> {
    const span = sendSpan(write);
    const headers = traceHeaders(span);
    // Records without headers of their own share one headers object: a batch record says it once.
    const records = Object.keys(headers).length
      ? write.records.map((r) => ({ ...r, headers: r.headers ? { ...r.headers, ...headers } : headers }))
      : write.records;
    const end = this.metrics.produceSeconds.startTimer({ topic: write.target });
    try {
      await this.producer.publish(write.topic, records);
      end({ outcome: late() ? 'timeout' : 'ok' });
    } catch (err) {
      end({ outcome: late() ? 'timeout' : 'error' });
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  }
}
