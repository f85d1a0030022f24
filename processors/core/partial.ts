// Partial cells: what one source (a topic partition, or the whole stream in-process) counted in one
// window. Published to the cells topic, then summed per cell by the judge: numerators and denominators
// are summed, never ratios, so the merge of partials equals a count over the whole fleet.

/** What devices did in one window, counted the same way in a cell and in a stratum. */
export interface EventCounts {
  /** Devices that became silent at this window's end. */
  newSilent: number;
  bootLoops: number;
  newBootLoops: number;
  /** Distinct devices with a crash received in the window. */
  crashed: number;
  /** Crashed devices whose crash began a new episode (the release gate counts these). */
  newCrashed: number;
  crashReports: number;
}

/** Device counts of one cell in one window. */
export interface Counts extends EventCounts {
  /**
   * Devices back after a gap (more than two periods, at most restart_max_downtime_secs) on a new boot that
   * began during it: restarted. Absent from partials written before it was counted (read as 0).
   */
  restarted?: number;
  /** Devices expected to report: regular, heard within (k + memory) intervals. */
  expected: number;
  /** Devices with a heartbeat received in the window. */
  reported: number;
  /** Expected devices that missed k intervals as of the window's end. */
  silent: number;
  /** Silent devices by the window of their last heartbeat (the onset of their silence). */
  onset: Record<string, number>;
}

export const COUNT_FIELDS = ['expected', 'reported', 'silent', 'newSilent', 'bootLoops', 'newBootLoops', 'crashed', 'newCrashed', 'crashReports', 'restarted'] as const;
export type CountField = (typeof COUNT_FIELDS)[number];

export const emptyCounts = (): Counts => ({
  expected: 0, reported: 0, silent: 0, newSilent: 0, bootLoops: 0, newBootLoops: 0, crashed: 0, newCrashed: 0, crashReports: 0, restarted: 0, onset: {},
});

/** Adds `from` into `into`. Field by field, not over a list of names: a keyed loop was 2 % of a backtest. */
function addEventCounts(into: EventCounts, from: EventCounts): void {
  into.newSilent += from.newSilent;
  into.bootLoops += from.bootLoops;
  into.newBootLoops += from.newBootLoops;
  into.crashed += from.crashed;
  into.newCrashed += from.newCrashed;
  into.crashReports += from.crashReports;
}

const addHist = (into: Record<string, number>, from: Record<string, number>) => {
  for (const w in from) into[w] = (into[w] ?? 0) + from[w];
};

/** Adds `from` into `into`. */
export function addCounts<T extends Counts>(into: T, from: Counts): T {
  addCountFields(into, from);
  addHist(into.onset, from.onset);
  return into;
}

function addCountFields(into: Counts, from: Counts): void {
  into.expected += from.expected;
  into.reported += from.reported;
  into.silent += from.silent;
  if (from.restarted) into.restarted = (into.restarted ?? 0) + from.restarted;
  addEventCounts(into, from);
}

/** `into` (empty) takes `from`'s counts and shares its onset histogram (see `shareStratum`). */
function shareCounts<T extends Counts>(into: T, from: Counts): T {
  addCountFields(into, from);
  into.onset = from.onset;
  return into;
}

/** One (ring, component, version) cell. `version` is what the device runs, or what it said it is applying. */
export interface CellRow extends Counts {
  ring: string;
  component: string;
  version: string;
  /**
   * Set on the part of the cell whose devices are counted under `version` only because their latest
   * heartbeat said they were applying it: they have not yet shown that they survive it (attribution
   * treats them apart; the comparisons sum both parts). Absent on the rest.
   */
  applying?: true;
}

export interface RingRow extends Counts {
  ring: string;
}

/** Completeness of one scope (a region or a collector) within one ring. */
export interface ScopeRow {
  kind: 'region' | 'collector';
  name: string;
  ring: string;
  expected: number;
  silent: number;
  /** Silent devices whose last heartbeat is recent (k + 2 periods): an abrupt drop, not the evening. */
  fresh?: number;
  /** Records received from this scope in the window, and how many reached Kafka late. */
  records: number;
  delayed: number;
}

/**
 * One (ring, stratum) of a window: what cohorts fixed at a rollout's start are followed with. A release
 * started at t0 exposes the devices heard at or after t0 - one period (online at the start, or since):
 * `heard` and `onset` by the window of the last heartbeat give that count for any t0, so the judge can
 * compare an exposed cohort with a same-time control cohort of other rings without per-release state here.
 */
export interface StratumRow extends EventCounts {
  ring: string;
  stratum: string;
  /** Expected, not silent: by window of the last heartbeat. */
  heard: Record<string, number>;
  /** Unexpectedly silent (usually heard by now): by window of the last heartbeat. */
  onset: Record<string, number>;
  /** Online devices by the window their online spell began (older spells at the horizon's window). */
  spell: Record<string, number>;
  /** Quiet at their usual time (presence profile): censored, neither exposed nor affected. */
  quiet: number;
}

export const emptyStratum = (ring: string, stratum: string): StratumRow => ({
  ring, stratum, heard: {}, onset: {}, spell: {}, quiet: 0, newSilent: 0, bootLoops: 0, newBootLoops: 0, crashed: 0, newCrashed: 0, crashReports: 0,
});

export function addStratum(into: StratumRow, from: StratumRow): StratumRow {
  addHist(into.heard, from.heard);
  addHist(into.onset, from.onset);
  addHist(into.spell, from.spell);
  into.quiet += from.quiet;
  addEventCounts(into, from);
  return into;
}

/**
 * A window's only partial as its merged row, sharing its histograms instead of copying them (copying a
 * window-keyed record walks a dictionary: a tenth of a backtest, where one source closes every window).
 * Partials are read-only once merged, and a merged row is never added to.
 */
const shareStratum = (from: StratumRow): StratumRow => {
  const row = { ...emptyStratum(from.ring, from.stratum), heard: from.heard, onset: from.onset, spell: from.spell, quiet: 0 + from.quiet };
  addEventCounts(row, from);
  return row;
};

export interface PartialWindow {
  v: 1;
  /** "heartbeats/3", "crashes/3", or "all" in-process. */
  source: string;
  window: number;
  windowMs: number;
  /** Receipt time of the record that closed the window (data time, not wall time). */
  closedAt: number;
  cells: CellRow[];
  rings: RingRow[];
  scopes: ScopeRow[];
  /** Per (ring, stratum): cohort counts (absent from partials of older versions: read as none). */
  strata?: StratumRow[];
  /** Records that arrived after their window closed, and crash backfill kept out of windows. */
  late: number;
  backfill: number;
}

/** The fleet-wide view of one window: partials of every source summed per cell. */
export interface MergedWindow {
  window: number;
  windowMs: number;
  closedAt: number;
  cells: Map<string, CellRow>;
  rings: Map<string, RingRow>;
  scopes: Map<string, ScopeRow>;
  strata: Map<string, StratumRow>;
  late: number;
  backfill: number;
}

export const cellKey = (ring: string, component: string, version: string, applying = false): string =>
  `${ring}\u0000${component}\u0000${version}${applying ? '\u0000applying' : ''}`;
const scopeKey = (s: ScopeRow): string => `${s.kind}\u0000${s.name}\u0000${s.ring}`;

export function mergePartials(window: number, windowMs: number, partials: PartialWindow[]): MergedWindow {
  const merged: MergedWindow = {
    window, windowMs, closedAt: 0, cells: new Map(), rings: new Map(), scopes: new Map(), strata: new Map(), late: 0, backfill: 0,
  };
  // One partial (one source closes every window, as in-process): its rows' histograms are shared, not copied.
  const first = partials.length === 1 ? shareCounts : addCounts;
  for (const p of partials) {
    merged.closedAt = Math.max(merged.closedAt, p.closedAt);
    merged.late += p.late;
    merged.backfill += p.backfill;
    for (const c of p.cells) {
      const key = cellKey(c.ring, c.component, c.version, c.applying === true);
      const into = merged.cells.get(key);
      if (into) addCounts(into, c);
      else merged.cells.set(key, first({ ...emptyCounts(), ring: c.ring, component: c.component, version: c.version, ...(c.applying ? { applying: true as const } : {}) }, c));
    }
    for (const r of p.rings) {
      const into = merged.rings.get(r.ring);
      if (into) addCounts(into, r);
      else merged.rings.set(r.ring, first({ ...emptyCounts(), ring: r.ring }, r));
    }
    for (const s of p.scopes) {
      const into = merged.scopes.get(scopeKey(s));
      if (!into) merged.scopes.set(scopeKey(s), { ...s });
      else {
        into.expected += s.expected;
        into.silent += s.silent;
        into.fresh = (into.fresh ?? 0) + (s.fresh ?? 0);
        into.records += s.records;
        into.delayed += s.delayed;
      }
    }
    for (const st of p.strata ?? []) {
      const key = `${st.ring}\u0000${st.stratum}`;
      const into = merged.strata.get(key);
      if (into) addStratum(into, st);
      else if (first === shareCounts) merged.strata.set(key, shareStratum(st));
      else merged.strata.set(key, addStratum(emptyStratum(st.ring, st.stratum), st));
    }
  }
  return merged;
}
