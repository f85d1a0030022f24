// Self-telemetry registry. Each process builds one Registry and injects it; nothing uses prom-client's
// global registry. Label values that come from data (ring, component, version) go through a
// LabelLimiter so a flood of new values cannot blow up the series count.
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * prom-client's gauges that end in `_total` (promtool: "non-counter metrics should not have _total suffix").
 * Each is the sum of its labelled sibling: `sum without (type) (nodejs_active_handles)` (client_js #283).
 */
export const DROPPED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * Process and Node.js metrics keep their standard, unprefixed names (`process_cpu_seconds_total`,
 * `nodejs_eventloop_lag_p99_seconds`, ...), as stock dashboards and alerts expect; ringwatch's own are `ringwatch_*`.
 */
export function createRegistry(defaultMetrics = true): Registry {
  const registry = new Registry();
  if (!defaultMetrics) return registry;
  collectDefaultMetrics({ register: registry });
  for (const name of DROPPED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  return registry;
}

export const OTHER_LABEL = 'other';

/** Keeps at most `limit` distinct values per label; later values become "other" and are counted. */
export class LabelLimiter {
  private readonly seen = new Map<string, Set<string>>();
  private readonly folded: Counter<'label'>;
  private readonly limit: number;

  constructor(registry: Registry, limit: number) {
    this.limit = limit;
    const existing = registry.getSingleMetric('ringwatch_metric_label_values_folded_total');
    this.folded = (existing as Counter<'label'> | undefined) ?? new Counter({
      name: 'ringwatch_metric_label_values_folded_total',
      help: 'Label values replaced by "other" because the label reached telemetry.label_cardinality_limit.',
      labelNames: ['label'],
      registers: [registry],
    });
  }

  value(label: string, value: string): string {
    let values = this.seen.get(label);
    if (!values) this.seen.set(label, (values = new Set()));
    if (values.has(value)) return value;
    if (values.size >= this.limit) {
      this.folded.inc({ label });
      return OTHER_LABEL;
    }
    values.add(value);
    return value;
  }
}
