// Cohorts fixed at exposure, followed forward. A release started in ring R at t0 exposes the devices of R
// heard at or after t0 - one period (online at the start, or since: a rollout reaches a device when it
// checks in); the same-time control is the devices of rings the release has not reached, heard in the
// same span, in the same stratum (region + labels). Both groups are defined by what was known at t0 and
// by the same rule, never by which version a device reported lately (the version split compared "devices
// that just reported the new version", online by construction, with everyone else: survivorship bias).
import type { Signal } from '../../common/contract/decision.ts';
import { countRule, type CatastropheResult } from './catastrophe.ts';
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
const sumBetween = (h: Hist, from: number, to: number) => {
  let n = 0;
  for (let i = h.windows.length - 1; i >= 0 && h.windows[i] >= from; i--) if (h.windows[i] <= to) n += h.counts[i];
  return n;
};
const countAt = (h: Hist, w: number) => {
  const i = h.windows.lastIndexOf(w);
  return i < 0 ? 0 : h.counts[i];
};

export interface CohortWindow {
  /** First window of last heartbeats that count as exposed (window of t0 - one period). */
  fromWindow: number;
  /** New silences count only once the devices going silent were heard after the start. */
  countNewSilence: boolean;
  /** Spell starts at or before this window are watched long enough. */
  watchedUpTo: number;
  /**
   * Silence: exposed devices whose last heartbeat is after this window are censored (neither exposed nor
   * silent): the release declared a downtime (`expectedDowntimeSecs`) they may still be in. Exposed side only.
   */
  silentUpTo?: number;
}

/**
 * The last window of last heartbeats whose silence counts under a downtime (declared by `expectedDowntimeSecs`,
 * or inferred: release-restarts.ts): the whole window k intervals + the downtime before `endMs`; later
 * silences are censored (`silentUpTo`). A silent device is forgotten after k + memory intervals, so a
 * downtime is cut to the memory less two windows: a device dead on the release is counted before that.
 */
export const silentUpToUnder = (downtimeMs: number, endMs: number, s: DetectionSettings): number =>
  Math.floor((endMs - s.silenceIntervals * s.heartbeatMs - downtimeInForce(downtimeMs, s)) / s.windowMs) - 1;

/** A downtime as it is applied: cut to the silence memory less two windows (above). */
export const downtimeInForce = (downtimeMs: number, s: DetectionSettings): number =>
  Math.max(0, Math.min(downtimeMs, s.silenceMemoryIntervals * s.heartbeatMs - 2 * s.windowMs));

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
    const censor = signal === 'silent' && c.silentUpTo !== undefined;
    const silentSince = censor ? sumBetween(prepared.onset, c.fromWindow, c.silentUpTo!) : sumFrom(prepared.onset, c.fromWindow);
    side.exposed += sumFrom(prepared.heard, c.fromWindow) + silentSince;
    side.watched += sumUpTo(prepared.spell, c.watchedUpTo);
    if (signal === 'silent') {
      side.affected += silentSince;
      // Under a declared downtime a device becomes newly silent when its silence outlasts it.
      side.newAffected += !c.countNewSilence ? 0 : censor ? countAt(prepared.onset, c.silentUpTo!) : row.newSilent;
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
  const k = sidesByStratum(controlRows, signal, c.silentUpTo === undefined ? c : { ...c, silentUpTo: undefined });
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
  return countRule(view.matchedUpdated.affected, n, ringNull(view), n > 0 && view.control.exposed >= s.minControl, s, alpha);
}

/**
 * The null fraction of the ring's exposed devices: each stratum's control fraction weighted by the ring's
 * devices in it, smoothed (an all-clear control is not "0 %") and raw (for the excess guard).
 */
function ringNull(view: CohortView): { smoothed: number; raw: number } {
  const n = view.matchedUpdated.exposed;
  let smoothed = 0;
  let raw = 0;
  for (const m of view.matched) {
    smoothed += m.updated.exposed * ((m.control.affected + 0.5) / (m.control.exposed + 1));
    raw += m.updated.exposed * (m.control.affected / m.control.exposed);
  }
  return n > 0 ? { smoothed: Math.min(1, smoothed / n), raw: raw / n } : { smoothed: 0, raw: 0 };
}

/**
 * The catastrophe rule on the devices that announced the release (`applying`, sent before applying it):
 * exposure known per device at the moment it happened, not per ring. `announced.exposed` counts the
 * devices of the ring on the release's version or applying it whose fate is known (those that announced
 * and came back, those silent since announcing; the caller leaves out those still applying and not yet
 * silent); `announced.affected` only those silent since their announcement, that is silent before their
 * next heartbeat was due. A ring's cohort holds every device
 * heard since the start, reached or not, so in a 25-device ring five deaths among the first seven devices
 * reached are 5 of 25 there and 5 of 7 here.
 *
 * The null is what the ring's cohort test uses: each stratum's control silent fraction since the start,
 * weighted by the ring's devices in it (the announcing devices' own strata are not in the cells). That is
 * conservative for this count: a healthy device is silent since announcing only if it went quiet within
 * one interval of that heartbeat, where the control's fraction counts silences over the whole time since
 * the start (at least k intervals when a silence can first be seen). Devices that took the release without
 * announcing it can only add to `exposed`, never to `affected`: they make the test weaker, not looser.
 */
export function announcedCatastrophe(announced: Side, view: CohortView, s: DetectionSettings, alpha = s.alphaCatastrophe): CatastropheResult {
  const applicable = announced.exposed > 0 && view.matchedUpdated.exposed > 0 && view.control.exposed >= s.minControl;
  return countRule(announced.affected, announced.exposed, ringNull(view), applicable, s, alpha);
}
