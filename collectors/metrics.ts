// Self-telemetry of the collector, on the injected registry. Every label has a closed set of values and
// every known combination is pre-initialised to 0, so a series never appears out of nowhere.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { EventKinds, type EventKind } from '../common/contract/events.ts';
import { AUTH_REFUSALS, type AuthRefusal } from './auth.ts';
import { EVENT_REASONS, REQUEST_REASONS, REQUEST_REASON_NAMES, type EventReason, type RequestReason } from './reasons.ts';

export const INGEST_ROUTES = ['/v1/heartbeats', '/v1/crashes', '/v1/deployments'] as const;
export type IngestRoute = (typeof INGEST_ROUTES)[number];

/** Topics the collector writes, by role (not by name: names carry the configurable prefix). */
export const PRODUCE_TARGETS = ['heartbeats', 'crashes', 'deployments', 'deadletter'] as const;
export type ProduceTarget = (typeof PRODUCE_TARGETS)[number];

const FAILED_REASONS = REQUEST_REASON_NAMES.filter((r) => REQUEST_REASONS[r].status === 503);
const ACCEPTED_REASONS = ['ok', 'clamped_time'] as const;
export type RequestOutcome = RequestReason | 'ok' | 'partial' | 'internal';

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export class CollectorMetrics {
  readonly events: Counter<'signal' | 'outcome' | 'reason'>;
  readonly requests: Counter<'route' | 'reason'>;
  readonly requestSeconds: Histogram<'route' | 'code'>;
  readonly produceSeconds: Histogram<'topic' | 'outcome'>;
  readonly pendingBytes: Gauge;
  readonly bucketsEvicted: Counter<'limit'>;
  readonly authRefusals: Counter<'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.events = metric(registry, 'ringwatch_collector_events_total', () => new Counter({
      name: 'ringwatch_collector_events_total', registers, labelNames: ['signal', 'outcome', 'reason'],
      help: 'Events by signal and outcome: accepted (written to Kafka), rejected (invalid, or not the credential\'s to post; dead-lettered), failed (Kafka did not take them; the client was told to retry).',
    }));
    this.requests = metric(registry, 'ringwatch_collector_requests_total', () => new Counter({
      name: 'ringwatch_collector_requests_total', registers, labelNames: ['route', 'reason'],
      help: 'Ingest requests by route and answer reason (ok, partial, or the refusal reason).',
    }));
    this.requestSeconds = metric(registry, 'ringwatch_collector_request_duration_seconds', () => new Histogram({
      name: 'ringwatch_collector_request_duration_seconds', registers, labelNames: ['route', 'code'],
      help: 'Ingest request latency, from the first byte handled to the answer.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }));
    this.produceSeconds = metric(registry, 'ringwatch_collector_produce_duration_seconds', () => new Histogram({
      name: 'ringwatch_collector_produce_duration_seconds', registers, labelNames: ['topic', 'outcome'],
      help: 'Time until Kafka acknowledged (or refused, or the deadline passed) one request\'s records on one topic.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }));
    this.pendingBytes = metric(registry, 'ringwatch_collector_pending_produce_bytes', () => new Gauge({
      name: 'ringwatch_collector_pending_produce_bytes', registers,
      help: 'Event bytes waiting for Kafka acknowledgement (bounded by collector.max_pending_produce_bytes).',
    }));
    this.bucketsEvicted = metric(registry, 'ringwatch_collector_rate_limit_buckets_evicted_total', () => new Counter({
      name: 'ringwatch_collector_rate_limit_buckets_evicted_total', registers, labelNames: ['limit'],
      help: 'Rate-limit buckets dropped because collector.max_tracked_sources was reached.',
    }));
    this.authRefusals = metric(registry, 'ringwatch_collector_auth_refusals_total', () => new Counter({
      name: 'ringwatch_collector_auth_refusals_total', registers, labelNames: ['reason'],
      help: 'Requests refused for their credential (401, or 403 for a token of the other kind), by reason: missing_token, unknown_token, wrong_route, or why a device JWT failed.',
    }));
    this.preInitialise();
  }

  private preInitialise(): void {
    for (const signal of EventKinds) {
      for (const reason of ACCEPTED_REASONS) this.events.inc({ signal, outcome: 'accepted', reason }, 0);
      for (const reason of EVENT_REASONS) this.events.inc({ signal, outcome: 'rejected', reason }, 0);
      for (const reason of FAILED_REASONS) this.events.inc({ signal, outcome: 'failed', reason }, 0);
    }
    for (const route of INGEST_ROUTES) {
      for (const reason of ['ok', 'partial', 'internal', ...REQUEST_REASON_NAMES]) this.requests.inc({ route, reason }, 0);
    }
    for (const topic of PRODUCE_TARGETS) for (const outcome of ['ok', 'error', 'timeout']) this.produceSeconds.zero({ topic, outcome });
    for (const limit of ['device', 'source']) this.bucketsEvicted.inc({ limit }, 0);
    for (const reason of AUTH_REFUSALS) this.authRefusals.inc({ reason }, 0);
  }

  accepted(signal: EventKind, count: number, clamped: number): void {
    this.events.inc({ signal, outcome: 'accepted', reason: 'ok' }, count - clamped);
    if (clamped) this.events.inc({ signal, outcome: 'accepted', reason: 'clamped_time' }, clamped);
  }

  rejected(signal: EventKind, reason: EventReason): void {
    this.events.inc({ signal, outcome: 'rejected', reason });
  }

  failed(signal: EventKind, reason: RequestReason, count: number): void {
    if (count) this.events.inc({ signal, outcome: 'failed', reason }, count);
  }

  authRefused(reason: AuthRefusal): void {
    this.authRefusals.inc({ reason });
  }

  answered(route: IngestRoute, outcome: RequestOutcome, code: number, seconds: number): void {
    this.requests.inc({ route, reason: outcome });
    this.requestSeconds.observe({ route, code: String(code) }, seconds);
  }
}
