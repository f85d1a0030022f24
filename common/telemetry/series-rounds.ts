// Gauges that describe "the latest round" (e.g. the releases judged in the latest windows): every series
// is set again each round, and the ones not set in a round are removed at its end. A release that is no
// longer judged, or whose label value the LabelLimiter evicted, so leaves no stale series behind.
import type { Gauge } from 'prom-client';

type Labels = Record<string, string>;

const seriesKey = (labels: Labels): string => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

export class SeriesRounds {
  private previous = new Map<Gauge<string>, Map<string, Labels>>();
  private current = new Map<Gauge<string>, Map<string, Labels>>();

  set<T extends string>(gauge: Gauge<T>, labels: Record<T, string>, value: number): void {
    gauge.set(labels, value);
    const g = gauge as unknown as Gauge<string>;
    let written = this.current.get(g);
    if (!written) this.current.set(g, (written = new Map()));
    written.set(seriesKey(labels), labels);
  }

  /** Remove every series written in the previous round but not in this one; start the next round. */
  endRound(): void {
    for (const [gauge, written] of this.previous) {
      const now = this.current.get(gauge);
      for (const [key, labels] of written) if (!now?.has(key)) gauge.remove(labels);
    }
    this.previous = this.current;
    this.current = new Map();
  }
}
