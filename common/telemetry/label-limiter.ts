// Bounded label values that follow the present. Each label (ring, component, version) keeps at most `limit`
// values, in least-recently-used order: a new value evicts the one unused for longest, so release N+1 is
// labelled by its version like release 1 was. Metrics are written in rounds (a judged batch of windows, a
// scrape); a value used in the current round is never evicted for another one of the same round: beyond
// `limit` values in one round the extra ones are folded into "other" (counts add up) and counted.
// A metric that uses the limiter writes all of its series each round and drops those it did not write
// (series-rounds.ts, or reset-and-fill at scrape time), so evicted and forgotten values leave no series.
import { Counter, type Registry } from 'prom-client';

export const OTHER_LABEL = 'other';

function sharedCounter(registry: Registry, name: string, help: string): Counter<'label'> {
  const existing = registry.getSingleMetric(name) as Counter<'label'> | undefined;
  return existing ?? new Counter({ name, help, labelNames: ['label'], registers: [registry] });
}

export class LabelLimiter {
  /** Per label: value -> round it was last used in; Map order is least recently used first. */
  private readonly used = new Map<string, Map<string, number>>();
  private readonly folded: Counter<'label'>;
  private readonly evicted: Counter<'label'>;
  private readonly limit: number;
  private round = 0;

  constructor(registry: Registry, limit: number) {
    this.limit = limit;
    this.folded = sharedCounter(registry, 'ringwatch_metric_label_values_folded_total',
      'Label values written as "other" because more than telemetry.label_cardinality_limit values of the label were in use at once.');
    this.evicted = sharedCounter(registry, 'ringwatch_metric_label_values_evicted_total',
      'Least recently used label values forgotten (their series removed) to make room for a new one (telemetry.label_cardinality_limit).');
  }

  /** Start a round of writes: values used from now on are protected from eviction until the next round. */
  nextRound(): void {
    this.round++;
  }

  /** The label value to write for `value`: itself (marked as used now), or "other" when the round is full. */
  value(label: string, value: string): string {
    let used = this.used.get(label);
    if (!used) {
      this.used.set(label, (used = new Map()));
      this.folded.inc({ label }, 0);
      this.evicted.inc({ label }, 0);
    }
    if (used.delete(value)) {
      used.set(value, this.round);
      return value;
    }
    if (used.size >= this.limit) {
      const [oldest, lastRound] = used.entries().next().value as [string, number];
      if (lastRound === this.round) {
        this.folded.inc({ label });
        return OTHER_LABEL;
      }
      used.delete(oldest);
      this.evicted.inc({ label });
    }
    used.set(value, this.round);
    return value;
  }

  /** Values currently kept for `label`, least recently used first. */
  values(label: string): string[] {
    return [...(this.used.get(label)?.keys() ?? [])];
  }
}
