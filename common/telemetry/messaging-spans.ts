// Kafka spans by the OpenTelemetry messaging conventions: `send <topic>` (PRODUCER) around a write, its
// context injected into every record's headers; `process <topic>` (CONSUMER) around a consumed batch,
// linked to each record's creation context (a batch has many parents, so links, never a parent), with
// messaging.system, messaging.operation.name / .type, messaging.destination.name and .partition.id,
// messaging.consumer.group.name, messaging.batch.message_count. Without an SDK every span is a no-op.
import { context, SpanStatusCode, trace, type Link, type Span } from '@opentelemetry/api';
import type { BusProducer, BusRecord, ConsumedBatch } from '../bus/types.ts';
import { linksFromHeaders, SpanKind, traceHeaders, tracer } from './tracing.ts';

/** Run `fn` with `span` active; an error marks the span (error.type, status) and is rethrown; the span ends. */
export async function inSpan<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(context.active(), span), fn);
  } catch (err) {
    span.recordException(err as Error);
    span.setAttribute('error.type', (err as Error)?.name || 'Error');
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw err;
  } finally {
    span.end();
  }
}

export function sendSpan(topic: string, count: number): Span {
  return tracer().startSpan(`send ${topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.destination.name': topic,
      'messaging.batch.message_count': count,
    },
  }, context.active());
}

/** Publish inside a `send <topic>` span (child of the active one); every record carries its context. */
export function tracedPublish(producer: BusProducer, topic: string, records: BusRecord[]): Promise<void> {
  if (!records.length) return producer.publish(topic, records);
  const span = sendSpan(topic, records.length);
  const headers = traceHeaders(span);
  const carried = Object.keys(headers).length ? records.map((r) => ({ ...r, headers: { ...r.headers, ...headers } })) : records;
  return inSpan(span, () => producer.publish(topic, carried));
}

/** A `process <topic>` span for one consumed batch, linked to (at most `maxLinks`) records' contexts. */
export function processSpan(batch: ConsumedBatch, group: string, maxLinks: number): Span {
  return tracer().startSpan(`process ${batch.topic}`, {
    kind: SpanKind.CONSUMER,
    links: linksFromHeaders(batch.records.map((r) => r.headers), maxLinks),
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': batch.topic,
      'messaging.destination.partition.id': String(batch.partition),
      'messaging.consumer.group.name': group,
      'messaging.batch.message_count': batch.records.length,
    },
  }, context.active());
}

/** Wrap a batch handler: each batch is processed inside its own `process <topic>` span. */
export function tracedHandler<A extends unknown[]>(group: string, maxLinks: number, handler: (batch: ConsumedBatch, ...rest: A) => Promise<void>) {
  return (batch: ConsumedBatch, ...rest: A): Promise<void> => inSpan(processSpan(batch, group, maxLinks), () => handler(batch, ...rest));
}

/** An INTERNAL span linked to the given contexts (e.g. a judged window to every partial it merged). */
export function linkedSpan(name: string, links: Link[], attributes: Record<string, string | number> = {}): Span {
  return tracer().startSpan(name, { kind: SpanKind.INTERNAL, links, attributes }, context.active());
}
