// Layer 0, the data-completeness gate. A bad release silences the devices that took it, in the rings it
// reached; a broken collector or a region's network silences every device behind it, in every ring and
// at every version, at once. So a scope (region or collector) is a data gap when, in *every* ring it has
// devices in, most of its recently active devices fell silent together (an abrupt drop: k + 2 periods)
// AND its arrivals dropped to almost nothing against the scope's own hour-of-week profile; it stays one
// while most of its devices stay silent. A region's workstations going home are its profile (and, once
// their presence profiles know it, not silence at all), never a gap; a release that kills devices still
// lets the rest of the scope, and crash reports, through. A collector whose records mostly reach Kafka
// late is a gap too. A gap pages the pipeline's on-call and withholds release verdicts in the rings it
// touches: inconclusive, never fail.
import { baselineAdd, hourRate, newBaseline, type Baseline } from '../stats/hour-of-week.ts';
import type { MergedWindow, ScopeRow } from './partial.ts';
import { groupBy } from './group-by.ts';
import type { DetectionSettings } from './settings.ts';

const HOUR_MS = 3_600_000;

export type GapReason = 'silent' | 'ingest_delay';

export interface Gap {
  kind: 'region' | 'collector';
  name: string;
  reason: GapReason;
  expected: number;
  silent: number;
  records: number;
  delayed: number;
  /** Per ring: devices expected and silent in this scope. */
  rings: { ring: string; expected: number; silent: number }[];
}

/** Per scope: its arrivals by hour of the week, and whether a gap is open. */
export class ScopeWatch {
  private readonly arrivals = new Map<string, Baseline>();
  private readonly open = new Set<string>();
  /** Last window each scope's devices fell silent together (an abrupt drop may precede the arrivals'). */
  private readonly abruptAt = new Map<string, number>();
  /** Per scope, its arrivals in the windows of the last hour outside gaps (what an unseen hour is read against). */
  private readonly lastHour = new Map<string, number[]>();
  private readonly s: DetectionSettings;

  constructor(s: DetectionSettings) {
    this.s = s;
  }

  /** Every scope of a window, summarised; `gap` says whether it is one. Learns arrivals outside gaps. */
  judge(merged: MergedWindow): (Gap & { gap: boolean })[] {
    const s = this.s;
    const startMs = merged.window * merged.windowMs;
    const out = scopeSummaries(merged, s, (key, rows, records) => {
      const judged = rows.filter((r) => r.expected >= s.gapMinDevices);
      const everyRing = (test: (r: ScopeRow) => boolean) => judged.length >= s.gapMinRings && judged.every(test);
      // Recently active devices (still heard, or gone silent within k + 2 periods), enough of them per ring.
      const active = (r: ScopeRow) => r.expected - r.silent + (r.fresh ?? r.silent);
      const lively = rows.filter((r) => active(r) >= s.gapMinDevices);
      const abrupt = lively.length >= s.gapMinRings && lively.every((r) => (r.fresh ?? r.silent) / active(r) >= s.gapSilentFraction);
      const sustained = everyRing((r) => r.silent / r.expected >= s.gapSilentFraction);
      const profile = this.arrivals.get(key);
      // No profile yet: nothing to tell a drop by, so silence alone decides (as before profiles).
      // The hour's own history dominates (one window of shrinkage toward the all-hours mean): at night a
      // scope expects the few records its always-on devices send, and a scope that usually sends fewer
      // than gap_min_devices devices would cannot be judged by its arrivals. An hour of the week not seen
      // yet is read from the same hour on the days seen, and an hour never seen on any day (the first day)
      // from the scope's last hour: an outage lets nothing through, offices going home dwindle over an hour.
      // (The all-hours mean, used before, made a remote collector's laptops going home on its first evening
      // a gap.)
      const recent = this.lastHour.get(key);
      const expectedArrivals = profile && profile.windows > 0
        ? hourRate(profile, startMs, 1) ?? (recent?.length ? recent.reduce((a, b) => a + b, 0) / recent.length : 0)
        : Infinity;
      const judgeable = expectedArrivals >= (s.gapMinDevices * merged.windowMs) / s.heartbeatMs;
      const dropped = judgeable && records <= s.gapMaxArrivalShare * expectedArrivals;
      if (abrupt) this.abruptAt.set(key, merged.window);
      const horizon = Math.ceil(((s.silenceIntervals + s.silenceMemoryIntervals) * s.heartbeatMs) / merged.windowMs);
      const recentlyAbrupt = merged.window - (this.abruptAt.get(key) ?? -Infinity) <= horizon;
      const gap = this.open.has(key) ? sustained : sustained && recentlyAbrupt && dropped;
      if (gap) this.open.add(key);
      else {
        this.open.delete(key);
        const b = profile ?? newBaseline();
        this.arrivals.set(key, b);
        baselineAdd(b, startMs, records, 1, s.baselineDecay);
        const last = recent ?? [];
        this.lastHour.set(key, last);
        last.push(records);
        if (last.length > Math.max(1, Math.round(HOUR_MS / merged.windowMs))) last.shift();
      }
      return gap;
    });
    return out;
  }
}

type Decide = (key: string, rows: ScopeRow[], records: number) => boolean;

/** Every scope of a window, summarised; `silentGap` decides the silence part. */
export function scopeSummaries(merged: MergedWindow, s: DetectionSettings, silentGap: Decide): (Gap & { gap: boolean })[] {
  const byScope = groupBy(merged.scopes.values(), (row) => `${row.kind}\u0000${row.name}`);
  const out: (Gap & { gap: boolean })[] = [];
  for (const [key, rows] of byScope) {
    const records = rows.reduce((n, r) => n + r.records, 0);
    const silentEverywhere = silentGap(key, rows, records);
    const delayed = rows.reduce((n, r) => n + r.delayed, 0);
    const late = s.maxIngestDelayMs > 0 && records >= s.gapMinDevices && delayed / records >= 0.5;
    out.push({
      gap: silentEverywhere || late,
      kind: rows[0].kind,
      name: rows[0].name,
      reason: silentEverywhere ? 'silent' : 'ingest_delay',
      expected: rows.reduce((n, r) => n + r.expected, 0),
      silent: rows.reduce((n, r) => n + r.silent, 0),
      records,
      delayed,
      rings: rows.filter((r) => r.expected > 0).map((r) => ({ ring: r.ring, expected: r.expected, silent: r.silent })),
    });
  }
  return out;
}

export const gapKey = (g: Pick<Gap, 'kind' | 'name'>): string => `${g.kind}:${g.name}`;

/** Rings that have devices behind a gap: their release verdicts are withheld. */
export function gappedRings(gaps: Gap[]): Set<string> {
  return new Set(gaps.flatMap((g) => g.rings.map((r) => r.ring)));
}
