// Self-telemetry of the alerter on the injected registry: decisions taken in, deliveries by outcome and
// reason (pre-initialised so series never go missing), latency, and the outbox. Release gauges (verdicts,
// exposures, statistics) are computed at scrape time from the core in release-metrics.ts.
import { DEGRADED_REASONS } from './health.ts';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { INCIDENT_KINDS } from '../core/model.ts';
import { PERMANENT_REASONS, RETRY_REASONS, type Attempt } from '../integrations/retry-table.ts';
import type { Integration } from '../core/routing.ts';

export const DECISION_OUTCOMES = ['applied', 'duplicate', 'stale', 'invalid'] as const;
const PAGE_INTEGRATIONS: Integration[] = ['pagerduty', 'webhook'];
const SIGNAL_INTEGRATIONS: Integration[] = ['pagerduty', 'webhook', 'signals_topic'];
type DeliveryLabels = 'integration' | 'outcome' | 'reason';

function deliveryCounter(registry: Registry, name: string, what: string, integrations: Integration[]): Counter<DeliveryLabels> {
  const c = new Counter({
    name, help: `${what} by integration, outcome (sent, failed for good, retried) and reason.`,
    labelNames: ['integration', 'outcome', 'reason'], registers: [registry],
  });
  for (const integration of integrations) {
    // Only the reasons an integration can have: HTTP ones for HTTP, bus ones for the topic.
    const busReasons = ['bus_unavailable', 'not_configured'];
    const possible = (r: string) => (integration === 'signals_topic' ? busReasons.includes(r) : r !== 'bus_unavailable');
    c.inc({ integration, outcome: 'sent', reason: 'ok' }, 0);
    for (const reason of PERMANENT_REASONS.filter(possible)) c.inc({ integration, outcome: 'failed', reason }, 0);
    for (const reason of RETRY_REASONS.filter(possible)) c.inc({ integration, outcome: 'retried', reason }, 0);
  }
  return c;
}

export class AlertingMetrics {
  readonly decisions: Counter<'outcome'>;
  readonly pages: Counter<DeliveryLabels>;
  readonly signals: Counter<DeliveryLabels>;
  readonly dropped: Counter<'integration'>;
  readonly evicted: Counter;
  readonly requestSeconds: Histogram<'integration'>;
  readonly delaySeconds: Histogram<'integration'>;
  readonly takeovers: Counter;
  readonly degraded: Counter<'reason'>;

  constructor(registry: Registry, sources: { openIncidents: () => { kind: string }[]; pending: (i: Integration) => number; active: () => boolean }) {
    this.decisions = new Counter({
      name: 'ringwatch_alerting_decisions_total', help: 'Decisions consumed, by outcome (duplicate and stale ones change nothing).',
      labelNames: ['outcome'], registers: [registry],
    });
    for (const outcome of DECISION_OUTCOMES) this.decisions.inc({ outcome }, 0);
    this.pages = deliveryCounter(registry, 'ringwatch_alerting_pages_total', 'Incident notifications (PagerDuty trigger / resolve, webhook incident events)', PAGE_INTEGRATIONS);
    this.signals = deliveryCounter(registry, 'ringwatch_alerting_signals_total', 'Halt signals (signals topic, webhooks, PagerDuty change events)', SIGNAL_INTEGRATIONS);
    this.dropped = new Counter({
      name: 'ringwatch_alerting_deliveries_dropped_total', help: 'Deliveries refused because the outbox was full (alerting.max_outbox_entries).',
      labelNames: ['integration'], registers: [registry],
    });
    for (const integration of SIGNAL_INTEGRATIONS) this.dropped.inc({ integration }, 0);
    this.evicted = new Counter({
      name: 'ringwatch_alerting_release_rings_evicted_total', help: 'Release-rings forgotten because alerting.max_tracked_release_rings was reached.', registers: [registry],
    });
    this.requestSeconds = new Histogram({
      name: 'ringwatch_alerting_request_duration_seconds', help: 'Duration of one outbound delivery attempt.',
      labelNames: ['integration'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry],
    });
    this.delaySeconds = new Histogram({
      name: 'ringwatch_alerting_delivery_delay_seconds', help: 'Time from a notice to its successful delivery (retries and outages included).',
      labelNames: ['integration'], buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600], registers: [registry],
    });
    new Gauge({
      name: 'ringwatch_alerting_active', help: 'Whether this replica is the active alerter (1) or a standby (0); sum over replicas is 1.', registers: [registry],
      collect() { this.set(sources.active() ? 1 : 0); },
    });
    this.takeovers = new Counter({
      name: 'ringwatch_alerting_takeovers_total', help: 'Times this replica became the active alerter (its first election included).', registers: [registry],
    });
    this.degraded = new Counter({
      name: 'ringwatch_alerting_degraded_answers_total', help: 'Verdict and hook answers that were inconclusive because ringwatch could not judge, by reason.',
      labelNames: ['reason'], registers: [registry],
    });
    for (const reason of DEGRADED_REASONS) this.degraded.inc({ reason }, 0);
    new Gauge({
      name: 'ringwatch_alerting_incidents_open', help: 'Open incidents by kind.', labelNames: ['kind'], registers: [registry],
      collect() {
        const open = sources.openIncidents();
        for (const kind of INCIDENT_KINDS) this.set({ kind }, open.filter((i) => i.kind === kind).length);
      },
    });
    new Gauge({
      name: 'ringwatch_alerting_outbox_pending', help: 'Deliveries waiting (for a first attempt or a retry).', labelNames: ['integration'], registers: [registry],
      collect() {
        for (const integration of SIGNAL_INTEGRATIONS) this.set({ integration }, sources.pending(integration));
      },
    });
  }

  /** Count one attempt's outcome; `kind` says whether it carried a page or a signal. */
  attempt(kind: 'page' | 'signal', integration: Integration, attempt: Attempt): void {
    const counter = kind === 'page' ? this.pages : this.signals;
    if (attempt.kind === 'ok') counter.inc({ integration, outcome: 'sent', reason: 'ok' });
    else counter.inc({ integration, outcome: attempt.kind === 'retry' ? 'retried' : 'failed', reason: attempt.reason });
  }
}
