// Device groups and crash tallies -> (ring, component, version) cells. A device running a component at
// version v counts in cell (ring, component, v); if it says it is applying v' it counts under v' instead,
// because a device that dies while applying v' died taking v'. Such devices go to a separate part of the
// cell (`applying: true`): until a later heartbeat without `applying` they have not shown that they
// survive v', so attribution must not count them as unaffected devices running it (release-eval.ts).
import type { ComponentSets, Interner } from './intern.ts';
import { addCounts, emptyCounts, type CellRow, type Counts, type RingRow } from './partial.ts';
import type { DeviceCounts } from './window-close.ts';

const CELL_SPAN = 65536;

export function expandCells(
  devices: DeviceCounts,
  crashes: { ring: number; compSet: number; counts: Counts }[],
  sets: ComponentSets,
  rings: Interner,
): { cells: CellRow[]; rings: RingRow[] } {
  const cells = new Map<number, CellRow>();
  const names = sets.names;
  const add = (ring: number, component: number, version: number, applying: boolean, counts: Counts) => {
    // < 2^49: exact in a double.
    const key = 2 * (ring + CELL_SPAN * (component + CELL_SPAN * version)) + (applying ? 1 : 0);
    const row = cells.get(key);
    if (row) addCounts(row, counts);
    else {
      const base = { ...emptyCounts(), ring: rings.value(ring), component: names.value(component), version: names.value(version) };
      cells.set(key, addCounts(applying ? { ...base, applying: true as const } : base, counts));
    }
  };
  const spread = (ring: number, compSet: number, applyingSet: number, counts: Counts) => {
    const pairs = sets.pairsOf(compSet);
    const applying = new Map<number, number>();
    const ap = sets.pairsOf(applyingSet);
    for (let i = 0; i < ap.length; i += 2) applying.set(ap[i], ap[i + 1]);
    for (let i = 0; i < pairs.length; i += 2) {
      const to = applying.get(pairs[i]);
      if (to !== undefined && to !== pairs[i + 1]) add(ring, pairs[i], to, true, counts);
      else add(ring, pairs[i], pairs[i + 1], false, counts);
    }
  };
  for (const g of devices.groups) spread(g.ring, g.compSet, g.applyingSet, g.counts);
  const ringRows = new Map<number, RingRow>();
  for (const [ring, counts] of devices.rings) ringRows.set(ring, addCounts({ ...emptyCounts(), ring: rings.value(ring) }, counts));
  for (const c of crashes) {
    spread(c.ring, c.compSet, 0, c.counts);
    const into = ringRows.get(c.ring);
    if (into) addCounts(into, c.counts);
    else ringRows.set(c.ring, addCounts({ ...emptyCounts(), ring: rings.value(c.ring) }, c.counts));
  }
  return { cells: [...cells.values()], rings: [...ringRows.values()] };
}
