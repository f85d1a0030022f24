// Updated-vs-control exposures of one release in one ring, for one signal. Two comparisons:
// - version split: devices in the ring that run (or are applying) the release vs those that do not;
// - ring split: every device in the ring with the component, since the release started there, vs the
//   same component in rings the release has not reached. This is the one that sees a CrowdStrike-like
//   failure, where the devices die before they can report the new version.
import type { Signal } from '../../common/contract/decision.ts';
import type { CellRow, MergedWindow } from './partial.ts';
import { groupBy } from './group-by.ts';

/**
 * 'cohort': devices exposed at the rollout's start vs a same-time control cohort of the same strata in
 * rings not reached (cohorts.ts); 'announced': the devices of the ring that announced the release
 * (`applying`) vs the same control (cohorts.ts, announcedCatastrophe); 'self_controlled': the exposed
 * cohort vs its own past at the same hour of the week, when no control is left. The older splits by
 * reported version and by ring remain only as the naming evidence of attribution.
 */
export type ComparisonKind = 'cohort' | 'announced' | 'self_controlled' | 'version_split' | 'ring_split';

export interface Side {
  /** Devices that could have shown the signal. */
  exposed: number;
  /** Devices showing it now (silent since the release started, crashed in the window, looping). */
  affected: number;
  /** Devices that started showing it in this window (what the sequential gate counts). */
  newAffected: number;
  crashReports: number;
}

export interface Comparison {
  kind: ComparisonKind;
  updated: Side;
  control: Side;
  controlRings?: string[];
}

/** Cells of a window indexed by ring and component. */
export function indexCells(merged: MergedWindow): Map<string, CellRow[]> {
  return groupBy(merged.cells.values(), (c) => `${c.ring}\u0000${c.component}`);
}

/**
 * Sum a set of cells (or ring rows) into one side, for a signal; silence counts from `onsetFrom` on, and
 * up to `onsetTo` (later silences are censored: within a declared downtime, out of numerator and exposure).
 */
export function sideOf(rows: Iterable<CellRow | Omit<CellRow, 'component' | 'version'>>, signal: Signal, onsetFrom: number, onsetTo = Infinity): Side {
  const side: Side = { exposed: 0, affected: 0, newAffected: 0, crashReports: 0 };
  for (const r of rows) {
    side.crashReports += r.crashReports;
    if (signal === 'silent') {
      let out = 0;
      let since = 0;
      for (const [w, n] of Object.entries(r.onset)) {
        if (Number(w) < onsetFrom || Number(w) > onsetTo) out += n;
        else since += n;
      }
      // Devices silent since before the release are not its doing, those silent within a declared downtime
      // not yet known to be: out of numerator and exposure.
      side.exposed += r.expected - out;
      side.affected += since;
      side.newAffected += r.newSilent;
    } else if (signal === 'crashed') {
      side.exposed += r.expected;
      side.affected += r.crashed;
      side.newAffected += r.newCrashed;
    } else {
      side.exposed += r.expected;
      side.affected += r.bootLoops;
      side.newAffected += r.newBootLoops;
    }
  }
  // Crashing devices that never sent a heartbeat still were exposed.
  side.exposed = Math.max(side.exposed, side.affected);
  return side;
}

export interface ReleaseInRing {
  component: string;
  version: string;
  ring: string;
  /** Window from which silence counts against the release (its start minus one heartbeat interval). */
  onsetFrom: number;
  /** Rings the release has not reached (control rings of the ring split). */
  unreached: string[];
}

export function comparisons(x: ReleaseInRing, signal: Signal, index: Map<string, CellRow[]>): Comparison[] {
  const rows = index.get(`${x.ring}\u0000${x.component}`) ?? [];
  const out: Comparison[] = [];
  const took = rows.filter((r) => r.version === x.version);
  const others = rows.filter((r) => r.version !== x.version);
  if (took.length && others.length) {
    out.push({ kind: 'version_split', updated: sideOf(took, signal, x.onsetFrom), control: sideOf(others, signal, x.onsetFrom) });
  }
  const controlRows = x.unreached.flatMap((ring) => index.get(`${ring}\u0000${x.component}`) ?? []);
  if (rows.length && controlRows.length) {
    out.push({
      kind: 'ring_split', updated: sideOf(rows, signal, x.onsetFrom), control: sideOf(controlRows, signal, x.onsetFrom),
      controlRings: [...new Set(controlRows.map((r) => r.ring))],
    });
  }
  return out;
}
