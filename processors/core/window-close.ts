// Closing a window: one pass over the device table turns per-device state into counts. Devices are first
// grouped by (ring, component set) -- most devices share a handful of sets -- and only the groups are
// expanded into (ring, component, version) cells, so the per-device cost is a few typed-array reads.
import { FLAG_ALWAYS_ON, FLAG_BOOT_LOOP_COUNTED, FLAG_SILENT_COUNTED, stampAgeMin, type DeviceTable } from './device-table.ts';
import { addCounts, emptyCounts, emptyStratum, type Counts, type ScopeRow, type StratumRow } from './partial.ts';
import { expectedOnline } from './presence.ts';
import type { DetectionSettings } from './settings.ts';

export const RING_SPAN = 65536;

export interface DeviceGroup {
  ring: number;
  compSet: number;
  applyingSet: number;
  counts: Counts;
}

export interface DeviceCounts {
  groups: DeviceGroup[];
  rings: Map<number, Counts>;
  /** Keyed by ring + RING_SPAN * scope id. */
  regions: Map<number, ScopeTally>;
  collectors: Map<number, ScopeTally>;
  /** Keyed by ring + RING_SPAN * stratum id; names filled in by the caller. */
  strata: Map<number, StratumRow>;
}

interface ScopeTally { expected: number; silent: number; fresh: number }

function bump(map: Map<number, ScopeTally>, key: number, silent: boolean, fresh: boolean): void {
  let s = map.get(key);
  if (!s) map.set(key, (s = { expected: 0, silent: 0, fresh: 0 }));
  s.expected++;
  if (silent) s.silent++;
  if (fresh) s.fresh++;
}

/** The latest time a minute stamp can stand for (its minute's end, at most `lastMs`): never too early. */
const stampedAt = (stamp: number, lastMs: number) =>
  Math.min(lastMs, (Math.floor(lastMs / 60_000) - stampAgeMin(stamp, lastMs) + 1) * 60_000);

/**
 * A stratum's histograms while counting: Maps, turned into the row's window-keyed records once at the end.
 * Window numbers (about 28 million) make those records dictionaries, where one increment per device and
 * window was the costliest step of closing a window.
 */
interface StratumTally { row: StratumRow; heard: Hist; onset: Hist; spell: Hist }

/**
 * A histogram while counting. Most devices of a stratum were last heard in the same window (and most
 * spells fall in the oldest bucket), so a run of one window number is counted before the Map is touched;
 * windows still enter the Map in the order they first occur.
 */
class Hist {
  readonly counts = new Map<number, number>();
  private w = 0;
  private n = 0;

  add(w: number): void {
    if (this.n > 0 && w === this.w) {
      this.n++;
      return;
    }
    this.flush();
    this.w = w;
    this.n = 1;
  }

  flush(): void {
    if (this.n > 0) this.counts.set(this.w, (this.counts.get(this.w) ?? 0) + this.n);
    this.n = 0;
  }
}

function toRecord(into: Record<string, number>, from: Hist): void {
  from.flush();
  for (const [w, n] of from.counts) into[w] = n;
}

/**
 * Count every tracked device as of the end of window `w`; marks newly silent / looping devices. A device
 * heard in each of the last `alwaysOnHours` hours up to its last heartbeat is counted in the stratum
 * `alwaysOn(its stratum)` gives (the caller interns it), so comparisons pair always-on devices with always-on ones.
 */
export function countDevices(t: DeviceTable, w: number, s: DetectionSettings, alwaysOn: (stratum: number) => number = (x) => x): DeviceCounts {
  const W = s.windowMs;
  const end = (w + 1) * W;
  const byKey = new Map<number, DeviceGroup>();
  const byApplying = new Map<string, DeviceGroup>();
  const rings = new Map<number, Counts>();
  const regions = new Map<number, ScopeTally>();
  const collectors = new Map<number, ScopeTally>();
  const tallies = new Map<number, StratumTally>();
  const k = s.silenceIntervals;
  const forget = s.silenceIntervals + s.silenceMemoryIntervals;
  // How long a silent device stays counted is the same time for every device, whatever its own period (a
  // device reporting every 20 minutes is not remembered four times as long as its comparable devices).
  const memoryMs = s.silenceMemoryIntervals * s.heartbeatMs;
  // Spells older than the silence horizon are all "long enough": one bucket keeps the rows small.
  const oldestSpell = w - Math.ceil((forget + 1) * s.heartbeatMs / W);
  for (let r = 0; r < t.size; r++) {
    if (t.hbCount[r] < s.regularMinHeartbeats) continue;
    const last = t.lastHb[r];
    const period = Math.max(s.heartbeatMs, t.gapMs[r]);
    if (last < end - k * period - memoryMs) {
      t.flags[r] &= ~(FLAG_SILENT_COUNTED | FLAG_BOOT_LOOP_COUNTED);
      continue;
    }
    const lastWindow = Math.floor(last / W);
    const d = lastWindow - w;
    const reported = d >= 0 && d < 8 && ((t.hbBits[r] >> d) & 1) === 1;
    const quietSince = last < end - k * period;
    const ring = t.ring[r];
    const stratum = s.alwaysOnHours > 0 && (t.flags[r] & FLAG_ALWAYS_ON) !== 0 ? alwaysOn(t.stratum[r]) : t.stratum[r];
    const skey = ring + RING_SPAN * stratum;
    let tally = tallies.get(skey);
    if (!tally) tallies.set(skey, (tally = { row: emptyStratum('', ''), heard: new Hist(), onset: new Hist(), spell: new Hist() }));
    const st = tally.row;
    // Quiet at its usual time: censored (neither expected nor silent), until it is usually back.
    if (quietSince && !expectedOnline(t.presence, r, last, end, stampedAt(t.firstSeen[r], last))) {
      t.flags[r] &= ~FLAG_SILENT_COUNTED;
      st.quiet++;
      continue;
    }
    const silent = quietSince;
    const newSilent = silent && (t.flags[r] & FLAG_SILENT_COUNTED) === 0;
    t.flags[r] = silent ? t.flags[r] | FLAG_SILENT_COUNTED : t.flags[r] & ~FLAG_SILENT_COUNTED;
    const looping = t.shortBoots[r] >= s.bootLoopMinBoots;
    const newLoop = looping && (t.flags[r] & FLAG_BOOT_LOOP_COUNTED) === 0;
    t.flags[r] = looping ? t.flags[r] | FLAG_BOOT_LOOP_COUNTED : t.flags[r] & ~FLAG_BOOT_LOOP_COUNTED;

    const compSet = t.compSet[r];
    const applying = t.applyingSet[r];
    let group: DeviceGroup | undefined;
    if (applying === 0) {
      const key = ring + RING_SPAN * compSet;
      group = byKey.get(key);
      if (!group) byKey.set(key, (group = { ring, compSet, applyingSet: 0, counts: emptyCounts() }));
    } else {
      const key = `${ring}/${compSet}/${applying}`;
      group = byApplying.get(key);
      if (!group) byApplying.set(key, (group = { ring, compSet, applyingSet: applying, counts: emptyCounts() }));
    }
    const c = group.counts;
    c.expected++;
    if (reported) c.reported++;
    if (silent) {
      c.silent++;
      c.onset[lastWindow] = (c.onset[lastWindow] ?? 0) + 1;
    }
    if (newSilent) c.newSilent++;
    if (looping) c.bootLoops++;
    if (newLoop) c.newBootLoops++;
    const fresh = silent && last >= end - (k + 2) * period;
    bump(regions, ring + RING_SPAN * t.region[r], silent, fresh);
    bump(collectors, ring + RING_SPAN * t.collector[r], silent, fresh);
    if (silent) tally.onset.add(lastWindow);
    else {
      tally.heard.add(lastWindow);
      tally.spell.add(Math.max(oldestSpell, Math.floor(stampedAt(t.spellStart[r], last) / W)));
    }
    if (newSilent) st.newSilent++;
    if (looping) st.bootLoops++;
    if (newLoop) st.newBootLoops++;
  }
  const strata = new Map<number, StratumRow>();
  for (const [key, tally] of tallies) {
    toRecord(tally.row.heard, tally.heard);
    toRecord(tally.row.onset, tally.onset);
    toRecord(tally.row.spell, tally.spell);
    strata.set(key, tally.row);
  }
  const groups = [...byKey.values(), ...byApplying.values()];
  for (const g of groups) {
    const into = rings.get(g.ring);
    if (into) addCounts(into, g.counts);
    else rings.set(g.ring, addCounts(emptyCounts(), g.counts));
  }
  return { groups, rings, regions, collectors, strata };
}

/** Scope rows of a window from device counts plus per-collector record tallies. */
export function scopeRows(
  counts: DeviceCounts,
  records: Map<number, { records: number; delayed: number }>,
  regionRecords: Map<number, { records: number; delayed: number }>,
  names: { ring: (id: number) => string; region: (id: number) => string; collector: (id: number) => string },
): ScopeRow[] {
  const rows: ScopeRow[] = [];
  const regionKeys = new Set([...counts.regions.keys(), ...regionRecords.keys()]);
  for (const key of regionKeys) {
    const v = counts.regions.get(key) ?? { expected: 0, silent: 0, fresh: 0 };
    rows.push({ kind: 'region', name: names.region(Math.floor(key / RING_SPAN)), ring: names.ring(key % RING_SPAN), ...v, records: regionRecords.get(key)?.records ?? 0, delayed: 0 });
  }
  const collectorKeys = new Set([...counts.collectors.keys(), ...records.keys()]);
  for (const key of collectorKeys) {
    const v = counts.collectors.get(key) ?? { expected: 0, silent: 0, fresh: 0 };
    const rec = records.get(key) ?? { records: 0, delayed: 0 };
    rows.push({ kind: 'collector', name: names.collector(Math.floor(key / RING_SPAN)), ring: names.ring(key % RING_SPAN), ...v, ...rec });
  }
  return rows;
}
