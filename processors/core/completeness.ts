// Layer 0, the data-completeness gate. A bad release silences the devices that took it, in the rings it
// reached; a broken collector or a region's network silences every device behind it, in every ring and
// at every version. So a scope (region or collector) whose devices are mostly silent in *every* ring it
// has devices in is a data gap, as is a collector whose records mostly reach Kafka late. A gap pages the
// pipeline's on-call and withholds release verdicts in the rings it touches: inconclusive, never fail.
import type { MergedWindow } from './partial.ts';
import { groupBy } from './group-by.ts';
import type { DetectionSettings } from './settings.ts';

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

/** Every scope of a window, summarised; `gap` says whether it is one. */
export function scopeSummaries(merged: MergedWindow, s: DetectionSettings): (Gap & { gap: boolean })[] {
  const byScope = groupBy(merged.scopes.values(), (row) => `${row.kind}\u0000${row.name}`);
  const out: (Gap & { gap: boolean })[] = [];
  for (const rows of byScope.values()) {
    const judged = rows.filter((r) => r.expected >= s.gapMinDevices);
    const silentEverywhere = judged.length >= s.gapMinRings
      && judged.every((r) => r.silent / r.expected >= s.gapSilentFraction);
    const records = rows.reduce((n, r) => n + r.records, 0);
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
