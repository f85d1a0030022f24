// Self-telemetry registry. Each process builds one Registry and injects it; nothing uses prom-client's
// global registry. Label values that come from data (ring, component, version) go through a
// LabelLimiter (label-limiter.ts) so a flood of new values cannot blow up the series count.
import { Registry, collectDefaultMetrics } from 'prom-client';

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

export { LabelLimiter, OTHER_LABEL } from './label-limiter.ts';
