// A release that restarts its devices to finish (an OS update, a firmware flash) leaves each one dark for
// a while right after it takes it: past k intervals that is silence, what a boot loop looks like. A rollout
// may declare the downtime (`expectedDowntimeSecs`); where it does not, the devices show it themselves: a
// device back from a gap on a new boot that began during it has restarted, and one back running the release
// restarted for it and survived. When, since the release's start in a ring, at least `restart_min_devices`
// of the ring's devices did so, significantly more (one-sided binomial at `restart_alpha`) than the restart
// rate of the fleet's devices not running it over the same time predicts (a patch night restarts them
// alike; a push to every ring leaves the devices not yet updated), the release is treated there as having
// declared `restart_max_downtime_secs`: its devices' silences count only once they outlast it
// (docs/detection.md, "Inferred downtime").
//
// A device dead on the release never comes back, so a release that kills every device it reaches is
// judged as before. One that kills some devices and restarts the others is failed that much later.
import { releaseKey } from '../../common/contract/decision.ts';
import { logBinomialUpperTail } from '../stats/exact-tails.ts';
import type { CellRow, RingRow } from './partial.ts';
import type { RingRollout } from './rollout.ts';
import type { DetectionSettings } from './settings.ts';

interface Tally {
  /** Devices of the ring back on a new boot running the release. */
  restarted: number;
  /** Devices anywhere back on a new boot running another version of its component, over the same windows. */
  othersRestarted: number;
}

interface Counted { restarted: number; expected: number }

/** Per component, this window: restarted and expected devices over all its cells, per version and per (ring, version). */
interface ComponentCounts extends Counted {
  byVersion: Map<string, Counted>;
  byCell: Map<string, Counted>;
}

const NONE: Counted = { restarted: 0, expected: 0 };

function add(map: Map<string, Counted>, key: string, restarted: number, expected: number): void {
  const c = map.get(key);
  if (c) {
    c.restarted += restarted;
    c.expected += expected;
  } else map.set(key, { restarted, expected });
}

function countsByComponent(index: Map<string, CellRow[]>): Map<string, ComponentCounts> {
  const out = new Map<string, ComponentCounts>();
  for (const rows of index.values()) {
    for (const row of rows) {
      let c = out.get(row.component);
      if (!c) out.set(row.component, (c = { restarted: 0, expected: 0, byVersion: new Map(), byCell: new Map() }));
      const restarted = row.restarted ?? 0;
      c.restarted += restarted;
      c.expected += row.expected;
      add(c.byVersion, row.version, restarted, row.expected);
      add(c.byCell, `${row.ring}\u0000${row.version}`, restarted, row.expected);
    }
  }
  return out;
}

export class ReleaseRestarts {
  private readonly s: DetectionSettings;
  /** Per release and ring, since its start there. */
  private readonly tallies = new Map<string, Tally>();

  constructor(settings: DetectionSettings) {
    this.s = settings;
  }

  /**
   * Adds window `window`'s restarts to each rollout's tally (`index`: its cells by ring and component;
   * `rings`: its ring rows) and returns the rollouts as they are to be judged (a new array): one without a
   * declared downtime that restarts its devices carries the inferred one. Call once per window, before
   * judging it; rollouts not given are forgotten.
   */
  observe(window: number, windowMs: number, rollouts: RingRollout[], index: Map<string, CellRow[]>, rings: Map<string, RingRow>): RingRollout[] {
    if (this.s.restartMinDevices === 0) return [...rollouts];
    const byComponent = countsByComponent(index);
    const live = new Set<string>();
    const out = rollouts.map((r) => {
      const key = `${releaseKey(r.release)}|${r.ring}`;
      live.add(key);
      let t = this.tallies.get(key);
      const component = byComponent.get(r.release.component);
      // Devices on the release's version, in any ring: the rest are the control.
      const onIt = component?.byVersion.get(r.release.version) ?? NONE;
      // Counted from the window holding the start on: a device restarting before it took nothing from it.
      if ((window + 1) * windowMs > r.startedAt) {
        if (!t) this.tallies.set(key, (t = { restarted: 0, othersRestarted: 0 }));
        t.restarted += component?.byCell.get(`${r.ring}\u0000${r.release.version}`)?.restarted ?? 0;
        t.othersRestarted += (component?.restarted ?? 0) - onIt.restarted;
      }
      if (r.downtimeMs || !t || t.restarted < this.s.restartMinDevices) return r;
      // Exposed: the whole ring, as its cohort counts it (devices the release has not reached yet included: conservative).
      const ringSize = Math.max(t.restarted, rings.get(r.ring)?.expected ?? 0);
      const othersSize = (component?.expected ?? 0) - onIt.expected;
      // The control's restart rate, one restart added: no restart there is no proof of none.
      const othersRate = Math.min(1, (t.othersRestarted + 1) / Math.max(1, othersSize));
      if (logBinomialUpperTail(t.restarted, ringSize, othersRate) > Math.log(this.s.restartAlpha)) return r;
      return { ...r, downtimeMs: this.s.restartMaxDowntimeMs, restartedDevices: t.restarted };
    });
    for (const key of this.tallies.keys()) if (!live.has(key)) this.tallies.delete(key);
    return out;
  }
}
