// Self-telemetry registry. Each process builds one Registry and injects it; nothing uses prom-client's
// global registry. Label values that come from data (ring, component, version) go through a
// LabelLimiter so a flood of new values cannot blow up the series count.
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export function createRegistry(defaultMetrics = true): Registry {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'ringwatch_' });
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
