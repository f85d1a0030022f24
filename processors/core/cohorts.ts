// Cohorts fixed at exposure, followed forward. A release started in ring R at t0 exposes the devices of R
// heard at or after t0 - one period (online at the start, or since: a rollout reaches a device when it
// checks in); the same-time control is the devices of rings the release has not reached, heard in the
// same span, in the same stratum (region + labels). Both groups are defined by what was known at t0 and
// by the same rule, never by which version a device reported lately (the version split compared "devices
// that just reported the new version", online by construction, with everyone else: survivorship bias).
import type { Signal } from '../../common/contract/decision.ts';
import { binomialUpperTail } from '../stats/exact-tails.ts';
import type { CatastropheResult } from './catastrophe.ts';
import type { Side } from './comparisons.ts';
import type { StratumRow } from './partial.ts';
import type { DetectionSettings } from './settings.ts';
import { CRASH_LABELS, regionOfStratum } from './strata.ts';

export interface StratumSide extends Side {
  /** Exposed devices online now whose spell began at or before the soak cutoff (watched long enough). */
  watched: number;
}

export interface StratumPair {
  stratum: string;
  updated: StratumSide;
  control: StratumSide;
}

export interface CohortView {
  /** Strata with exposed and control devices, compared with each other. */
  matched: StratumPair[];
  /** Every exposed device's stratum summed (matched or not). */
  updated: StratumSide;
  /** The matched strata summed. */
  matchedUpdated: StratumSide;
  control: StratumSide;
}

const emptySide = (): StratumSide => ({ exposed: 0, affected: 0, newAffected: 0, crashReports: 0, watched: 0 });

function addSide(into: StratumSide, from: StratumSide): StratumSide {
  into.exposed += from.exposed;
  into.affected += from.affected;
  into.newAffected += from.newAffected;
  into.crashReports += from.crashReports;
  into.watched += from.watched;
  return into;
}

/** A window-keyed histogram as parallel arrays, windows ascending. */
interface Hist {
  windows: number[];
  counts: number[];
}

function histOf(h: Record<string, number>): Hist {
  const windows: number[] = [];
  const counts: number[] = [];
  let ascending = true;
  for (const w in h) {
    const window = Number(w);
    ascending &&= !windows.length || window > windows[windows.length - 1];
    windows.push(window);
    counts.push(h[w]);
  }
  if (ascending) return { windows, counts };
  // Array-index keys enumerate in ascending order; any other key (a negative window) after them.
  const order = windows.map((_, i) => i).sort((a, b) => windows[a] - windows[b]);
  return { windows: order.map((i) => windows[i]), counts: order.map((i) => counts[i]) };
}

/**
 * A stratum row with its histograms read once. Rows are keyed by window numbers (about 28 million), so
 * V8 keeps them as dictionaries and every `for...in` over one costs about a microsecond whatever its size;
 * one window's views read each row dozens of times (every release, ring and signal).
 */
export interface CohortRow {
  row: StratumRow;
  heard: Hist;
  onset: Hist;
  spell: Hist;
}

export const cohortRow = (row: StratumRow): CohortRow => ({ row, heard: histOf(row.heard), onset: histOf(row.onset), spell: histOf(row.spell) });

const sumFrom = (h: Hist, from: number) => {
  let n = 0;
  for (let i = h.windows.length - 1; i >= 0 && h.windows[i] >= from; i--) n += h.counts[i];
  return n;
};
const sumUpTo = (h: Hist, to: number) => {
  let n = 0;
  for (let i = 0; i < h.windows.length && h.windows[i] <= to; i++) n += h.counts[i];
  return n;
};

export interface CohortWindow {
  /** First window of last heartbeats that count as exposed (window of t0 - one period). */
  fromWindow: number;
  /** New silences count only once the devices going silent were heard after the start. */
  countNewSilence: boolean;
  /** Spell starts at or before this window are watched long enough. */
  watchedUpTo: number;
}

/** One group's side per stratum. Crashes carry only a region, so the crash signal is stratified by region. */
export function sidesByStratum(rows: CohortRow[], signal: Signal, c: CohortWindow): Map<string, StratumSide> {
  const out = new Map<string, StratumSide>();
  const at = (key: string) => {
    let side = out.get(key);
    if (!side) out.set(key, (side = emptySide()));
    return side;
  };
  for (const prepared of rows) {
    const row = prepared.row;
    const crashRow = row.stratum.endsWith(`|${CRASH_LABELS}`);
    const key = signal === 'crashed' ? regionOfStratum(row.stratum) : row.stratum;
    if (crashRow && signal !== 'crashed') continue;
    const side = at(key);
    side.crashReports += row.crashReports;
    if (crashRow) {
      side.affected += row.crashed;
      side.newAffected += row.newCrashed;
      continue;
    }
    const silentSince = sumFrom(prepared.onset, c.fromWindow);
    side.exposed += sumFrom(prepared.heard, c.fromWindow) + silentSince;
    side.watched += sumUpTo(prepared.spell, c.watchedUpTo);
    if (signal === 'silent') {
      side.affected += silentSince;
      side.newAffected += c.countNewSilence ? row.newSilent : 0;
    } else if (signal === 'boot_loop') {
      side.affected += row.bootLoops;
      side.newAffected += row.newBootLoops;
    }
  }
  // Crashing devices that never sent a heartbeat still were exposed.
  for (const side of out.values()) side.exposed = Math.max(side.exposed, side.affected);
  return out;
}

export function cohortView(exposedRows: CohortRow[], controlRows: CohortRow[], signal: Signal, c: CohortWindow): CohortView {
  const u = sidesByStratum(exposedRows, signal, c);
  const k = sidesByStratum(controlRows, signal, c);
  const matched: StratumPair[] = [];
  const updated = emptySide();
  const matchedUpdated = emptySide();
  const control = emptySide();
  for (const [stratum, side] of [...u].sort(([a], [b]) => a.localeCompare(b))) {
    addSide(updated, side);
    const ctl = k.get(stratum);
    if (!ctl || ctl.exposed <= 0 || side.exposed <= 0) continue;
    matched.push({ stratum, updated: side, control: ctl });
    addSide(matchedUpdated, side);
    addSide(control, ctl);
  }
  return { matched, updated, matchedUpdated, control };
}

/**
 * The catastrophe rule, stratified: the exposed devices' affected count against what each stratum's
 * control fraction predicts for them. The null is a sum of binomials with different p (Poisson-binomial);
 * by Hoeffding (1956) its upper tail beyond the mean is at most that of Binomial(n, mean p), so the exact
 * binomial tail at the exposure-weighted control fraction is a valid (slightly conservative) p-value.
 * Absolute guards as before: at least min_affected_devices, and the excess over the expected fraction.
 */
export function stratifiedCatastrophe(view: CohortView, s: DetectionSettings, alpha = s.alphaCatastrophe): CatastropheResult {
  const n = view.matchedUpdated.exposed;
  const control = view.control.exposed;
  let expectedSmoothed = 0;
  let expected = 0;
  for (const m of view.matched) {
    expectedSmoothed += m.updated.exposed * ((m.control.affected + 0.5) / (m.control.exposed + 1));
    expected += m.updated.exposed * (m.control.affected / m.control.exposed);
  }
  const nullFraction = n > 0 ? Math.min(1, expectedSmoothed / n) : 0;
  if (n <= 0 || control < s.minControl) return { applicable: false, fired: false, pValue: 1, excess: 0, nullFraction };
  const affected = view.matchedUpdated.affected;
  const excess = affected / n - expected / n;
  const pValue = binomialUpperTail(affected, n, nullFraction);
  const fired = affected >= s.minAffected && excess >= s.minExcess && pValue <= alpha;
  return { applicable: true, fired, pValue, excess, nullFraction };
}
