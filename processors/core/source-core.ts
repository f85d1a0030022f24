// One source of telemetry (a topic partition, or the whole stream in-process): per-device state, and the
// partial cells of every window it closes. Pure: records and data times in, partials out; no timers and
// no wall clock. Windows close on an event-time watermark (newest receipt time seen minus the allowed
// lateness), so the same records in the same order always give the same partials.
import type { AnyEnvelope, Envelope } from '../../common/contract/envelope.ts';
import { timestampMs } from '../../common/contract/formats.ts';
import { CrashTable } from './crash-table.ts';
import { EventDedup } from './event-dedup.ts';
import { DeviceTable, FLAG_ALWAYS_ON, hash32, hashOf, lastHash, minuteOf, refreshStamp, stampAgeMin } from './device-table.ts';
import { ComponentSets, Interner } from './intern.ts';
import { emptyCounts, emptyStratum, type Counts, type PartialWindow, type StratumRow } from './partial.ts';
import type { DetectionSettings } from './settings.ts';
import { countDevices, RING_SPAN, scopeRows } from './window-close.ts';
import { expandCells } from './expand-cells.ts';
import { heardThroughout, notePresence } from './presence.ts';
import { alwaysOnStratum, crashStratum, sameStratum, stratumOf, stratumParts } from './strata.ts';

const HOUR_MS = 3_600_000;

export type DeviceChangeListener = (hashA: number, hashB: number, ring: number, compSet: number, applyingSet: number) => void;

export type FeedOutcome = 'accepted' | 'duplicate' | 'late' | 'backfill' | 'ignored';

/** What one (ring, component set) did in a window besides being counted at its close: crashes, restarts. */
interface CellTally { ring: number; compSet: number; counts: Counts; }
interface OpenWindow {
  /** Per ring + 65536 * component set. */
  tallies: Map<number, CellTally>;
  /** Crashes per ring + 65536 * stratum id (the crash's region). */
  crashStrata: Map<number, StratumRow>;
  records: Map<number, { records: number; delayed: number }>;
  /** Records per ring + 65536 * region id (a region's arrivals, for its pipeline-gap profile). */
  regionRecords: Map<number, { records: number; delayed: number }>;
  late: number;
  backfill: number;
}

const NO_PARTIALS: readonly PartialWindow[] = Object.freeze([]);

export class SourceCore {
  readonly source: string;
  readonly devices: DeviceTable;
  readonly crashes: CrashTable;
  readonly rings: Interner;
  readonly regions: Interner;
  readonly collectors: Interner;
  /** Comparison strata: region + the configured labels. */
  readonly strata: Interner;
  readonly componentSets: ComponentSets;
  private readonly s: DetectionSettings;
  private readonly dedup: EventDedup;
  private readonly open = new Map<number, OpenWindow>();
  /**
   * Per stratum id, the region and label values a heartbeat's stratum string was built from: a device
   * whose region and labels are unchanged keeps its stratum without the string being built and looked up.
   */
  private readonly stratumParts: (readonly string[] | undefined)[] = [];
  /** Per stratum id, the id of its always-on twin (interned on first use). */
  private readonly alwaysOnIds: number[] = [];
  private outbox: PartialWindow[] = [];
  /** Next window to close; undefined until the first record. */
  nextClose: number | undefined;
  maxReceived = -Infinity;
  /** Offset of the next record expected from the log (shells skip what is already applied). */
  nextOffset = 0n;
  windowsClosed = 0;
  /**
   * Told when a heartbeat shows a device for the first time or with another ring, component map or
   * applying map (interned ids of this core; the device as its 64-bit id hash). Backtests derive each
   * release's blast radius from it, at no cost to the heartbeats that change nothing.
   */
  onDeviceChange?: DeviceChangeListener;

  constructor(source: string, settings: DetectionSettings) {
    this.source = source;
    this.s = settings;
    this.devices = new DeviceTable(settings.maxDevices);
    this.crashes = new CrashTable(settings.maxCrashedDevices, settings.crashEpisodeMs);
    this.rings = new Interner(settings.maxInterned);
    this.regions = new Interner(settings.maxInterned);
    this.collectors = new Interner(settings.maxInterned);
    this.strata = new Interner(settings.maxInterned);
    this.componentSets = new ComponentSets(new Interner(settings.maxInterned), settings.maxComponentSets);
    this.dedup = new EventDedup(settings.dedupCapacity);
  }

  private windowOf(ms: number): number {
    return Math.floor(ms / this.s.windowMs);
  }

  /** Apply one validated envelope. `brokerMs` (Kafka append time) measures ingest delay when known. */
  feed(env: AnyEnvelope, brokerMs?: number): FeedOutcome {
    if (env.kind === 'deployment') return 'ignored';
    if (!this.dedup.firstSeen(env.event.eventId)) return 'duplicate';
    const t = timestampMs(env.receivedAt);
    this.maxReceived = Math.max(this.maxReceived, t);
    this.closeUpTo(this.maxReceived - this.s.latenessMs, t);
    this.nextClose ??= this.windowOf(t);
    const w = this.windowOf(t);
    const open = w >= this.nextClose ? this.openWindow(w) : undefined;
    const ring = this.rings.id(env.event.ring);
    // Region and collector ids found here are handed to the heartbeat, which would look them up again.
    let region = -1;
    let collector = -1;
    if (open) {
      collector = this.collectors.id(env.collectorId);
      const key = ring + 65536 * collector;
      let tally = open.records.get(key);
      if (!tally) open.records.set(key, (tally = { records: 0, delayed: 0 }));
      tally.records++;
      region = this.regions.id(env.event.region ?? 'unknown');
      const rkey = ring + 65536 * region;
      const byRegion = open.regionRecords.get(rkey);
      if (byRegion) byRegion.records++;
      else open.regionRecords.set(rkey, { records: 1, delayed: 0 });
      if (brokerMs !== undefined && this.s.maxIngestDelayMs > 0 && brokerMs - t > this.s.maxIngestDelayMs) tally.delayed++;
    }
    return env.kind === 'heartbeat' ? this.heartbeat(env, t, open, ring, region, collector) : this.crash(env, t, w, open, ring);
  }

  /** Watermark from elsewhere (a tick from the heartbeat partition, or the wall clock when idle). */
  advance(watermarkMs: number, closedAt: number): void {
    this.nextClose ??= this.windowOf(watermarkMs) - 1;
    this.closeUpTo(watermarkMs, closedAt);
  }

  /** Partials of windows closed since the last drain (callers only read it). */
  drain(): readonly PartialWindow[] {
    // Asked after every event in-process, and almost always empty: no new array each time.
    if (this.outbox.length === 0) return NO_PARTIALS;
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  private openWindow(w: number): OpenWindow {
    let o = this.open.get(w);
    if (!o) this.open.set(w, (o = { tallies: new Map(), crashStrata: new Map(), records: new Map(), regionRecords: new Map(), late: 0, backfill: 0 }));
    return o;
  }

  /** The tally of a (ring, component set) in an open window. */
  private tally(open: OpenWindow, ring: number, compSet: number): CellTally {
    const key = ring + 65536 * compSet;
    let tally = open.tallies.get(key);
    if (!tally) open.tallies.set(key, (tally = { ring, compSet, counts: emptyCounts() }));
    return tally;
  }

  /** `region`, `collector`: their ids when feed looked them up already, else -1. */
  private heartbeat(env: Envelope<'heartbeat'>, t: number, open: OpenWindow | undefined, ring: number, region: number, collector: number): FeedOutcome {
    const e = env.event;
    const table = this.devices;
    const a = hashOf(e.deviceId);
    const b = lastHash.b;
    let r = table.find(a, b);
    const added = r < 0;
    if (added) {
      if (table.full) table.evictOldest(Math.max(1, Math.ceil(table.size / 100)));
      r = table.insert(a, b);
    }
    const prev = table.lastHb[r];
    const W = this.s.windowMs;
    const period = Math.max(this.s.heartbeatMs, table.gapMs[r]);
    if (added) table.firstSeen[r] = minuteOf(t);
    // A new online spell: first heartbeat, or back after being silent (k periods missed).
    if (prev <= 0 || t - prev > this.s.silenceIntervals * period) table.spellStart[r] = minuteOf(t);
    table.firstSeen[r] = refreshStamp(table.firstSeen[r], t);
    table.spellStart[r] = refreshStamp(table.spellStart[r], t);
    table.bootSeen[r] = refreshStamp(table.bootSeen[r], t);
    notePresence(table.presence, r, prev, t);
    // Always on or not depends on the presence bits and the last heartbeat's hour, which change only here:
    // decided once per device and hour (not at every window close, for every device).
    if (this.s.alwaysOnHours > 0 && (t < prev || Math.floor(t / HOUR_MS) !== Math.floor(prev / HOUR_MS))) {
      const on = heardThroughout(table.presence, r, Math.max(t, prev), this.s.alwaysOnHours);
      table.flags[r] = on ? table.flags[r] | FLAG_ALWAYS_ON : table.flags[r] & ~FLAG_ALWAYS_ON;
    }
    if (prev > 0 && t > prev) {
      const gap = t - prev;
      const estimate = table.gapMs[r] || this.s.heartbeatMs;
      // Long offline spells are not the device's period: only gaps near the estimate refine it.
      if (gap <= 3 * Math.max(estimate, this.s.heartbeatMs)) table.gapMs[r] = table.gapMs[r] ? 0.8 * table.gapMs[r] + 0.2 * gap : gap;
    }
    // The agent's own interval, when it says (an update that makes it report less often): a floor under the
    // estimate from now on, so the device is not silent between two heartbeats; its gaps bring it down again.
    if (e.intervalSecs !== undefined) table.gapMs[r] = Math.max(table.gapMs[r], Math.min(e.intervalSecs * 1000, this.s.reportedIntervalMaxMs));
    if (t >= prev) {
      const shift = this.windowOf(t) - Math.floor(prev / W);
      table.hbBits[r] = (shift >= 8 ? 0 : (table.hbBits[r] << shift) & 0xff) | 1;
      table.lastHb[r] = t;
    } else {
      const back = Math.floor(prev / W) - this.windowOf(t);
      if (back < 8) table.hbBits[r] |= 1 << back;
    }
    table.hbCount[r] = Math.min(255, table.hbCount[r] + 1);
    table.region[r] = region >= 0 ? region : this.regions.id(e.region ?? 'unknown');
    table.collector[r] = collector >= 0 ? collector : this.collectors.id(env.collectorId);
    table.stratum[r] = this.stratumId(table.stratum[r], e.region, e.labels);
    let changed = added || table.ring[r] !== ring;
    table.ring[r] = ring;
    const sets = this.componentSets;
    if (!sets.matches(table.compSet[r], e.components)) {
      const id = sets.id(e.components);
      changed ||= id !== table.compSet[r];
      table.compSet[r] = id;
    }
    if ((e.applying || table.applyingSet[r]) && !sets.matches(table.applyingSet[r], e.applying)) {
      const id = sets.id(e.applying);
      changed ||= id !== table.applyingSet[r];
      table.applyingSet[r] = id;
    }
    if (changed) this.onDeviceChange?.(a, b, ring, table.compSet[r], table.applyingSet[r]);
    // Boot loops by boot-id churn: a new boot counts as short when its first heartbeat shows a short uptime
    // or when the previous boot id was first seen less than a short boot plus two periods ago (at 5-minute
    // heartbeats a looping device's first heartbeat of a boot can show any uptime). A boot that lives
    // longer than that ends the streak.
    const boot = hash32(e.bootId);
    // Back after a gap (two periods missed, at most the longest downtime a restarting update may take) on a
    // new boot that began during it: restarted, counted under what it runs now (release-restarts.ts).
    const gap = t - prev;
    if (open && prev > 0 && gap > 2 * period && gap <= this.s.restartMaxDowntimeMs && boot !== table.bootHash[r] && e.uptimeSec * 1000 <= gap) {
      const counts = this.tally(open, ring, table.compSet[r]).counts;
      counts.restarted = (counts.restarted ?? 0) + 1;
    }
    const short = e.uptimeSec <= this.s.bootLoopMaxUptimeSecs;
    // Minute stamps: the boot's age is known to a minute, rounded up.
    const churnMin = Math.ceil((this.s.bootLoopMaxUptimeSecs + (2 * period) / 1000) / 60);
    const bootAgeMin = stampAgeMin(table.bootSeen[r], t);
    if (boot !== table.bootHash[r]) {
      const churn = short || (table.bootHash[r] !== 0 && bootAgeMin <= churnMin);
      table.shortBoots[r] = churn ? Math.min(255, table.shortBoots[r] + 1) : 0;
      table.bootHash[r] = boot;
      table.bootSeen[r] = minuteOf(t);
    } else if (!short && bootAgeMin > churnMin) {
      table.shortBoots[r] = 0;
    }
    return 'accepted';
  }

  /** The always-on twin of a stratum: heard in every recent hour, compared only with its like. */
  private readonly alwaysOn = (stratum: number): number =>
    this.alwaysOnIds[stratum] ??= this.strata.id(alwaysOnStratum(this.strata.value(stratum)));

  /** The stratum of a heartbeat, `current` (the device's) when its region and labels are those it was built from. */
  private stratumId(current: number, region: string | undefined, labels: Record<string, string> | undefined): number {
    const names = this.s.strataLabels;
    const parts = this.stratumParts[current];
    if (parts !== undefined && sameStratum(parts, region, labels, names)) return current;
    const id = this.strata.id(stratumOf(region, labels, names));
    // Not for 0: every stratum past the interner's bound folds into it.
    if (id !== 0 && this.stratumParts[id] === undefined) this.stratumParts[id] = stratumParts(region, labels, names);
    return id;
  }

  private crash(env: Envelope<'crash'>, t: number, w: number, open: OpenWindow | undefined, ring: number): FeedOutcome {
    const e = env.event;
    const deviceTime = Math.min(t, env.eventAt ? timestampMs(env.eventAt) : t);
    const backfill = t - deviceTime > this.s.crashMaxDelayMs;
    const counted = open !== undefined && !backfill;
    const outcome = this.crashes.record(e.deviceId, deviceTime, w, counted);
    // Counted in the window they arrive in (or the oldest open one): what a user sees arriving.
    if (backfill) {
      this.openWindow(Math.max(w, this.nextClose ?? w)).backfill++;
      return 'backfill';
    }
    if (!open) {
      this.openWindow(this.nextClose ?? w).late++;
      return 'late';
    }
    const tally = this.tally(open, ring, this.componentSets.id(e.components));
    tally.counts.crashReports++;
    if (outcome.newInWindow) tally.counts.crashed++;
    if (outcome.newEpisode) tally.counts.newCrashed++;
    const skey = ring + RING_SPAN * this.strata.id(crashStratum(e.region));
    let st = open.crashStrata.get(skey);
    if (!st) open.crashStrata.set(skey, (st = emptyStratum('', '')));
    st.crashReports++;
    if (outcome.newInWindow) st.crashed++;
    if (outcome.newEpisode) st.newCrashed++;
    return 'accepted';
  }

  private closeUpTo(watermarkMs: number, closedAt: number): void {
    if (this.nextClose === undefined) return;
    const W = this.s.windowMs;
    // After a jump (an outage of the whole source, a clock step), windows past the silence horizon hold
    // nothing new: close up to the horizon, then skip to the watermark.
    const horizon = Math.ceil(((this.s.silenceIntervals + this.s.silenceMemoryIntervals + 1) * this.s.heartbeatMs) / W) + 2;
    let closed = 0;
    while ((this.nextClose + 1) * W <= watermarkMs) {
      if (closed++ === horizon) {
        const skipTo = Math.floor(watermarkMs / W) - 1;
        for (const w of this.open.keys()) if (w < skipTo) this.open.delete(w);
        this.nextClose = Math.max(this.nextClose, skipTo);
      }
      this.closeWindow(this.nextClose, closedAt);
      this.nextClose++;
    }
  }

  private closeWindow(w: number, closedAt: number): void {
    const open = this.open.get(w);
    this.open.delete(w);
    const counts = countDevices(this.devices, w, this.s, this.alwaysOn);
    const { cells, rings } = expandCells(counts, [...(open?.tallies.values() ?? [])], this.componentSets, this.rings);
    this.outbox.push({
      v: 1,
      source: this.source,
      window: w,
      windowMs: this.s.windowMs,
      closedAt,
      cells,
      rings,
      strata: this.strataRows(counts.strata, open?.crashStrata),
      scopes: scopeRows(counts, open?.records ?? new Map(), open?.regionRecords ?? new Map(), {
        ring: (id) => this.rings.value(id), region: (id) => this.regions.value(id), collector: (id) => this.collectors.value(id),
      }),
      late: open?.late ?? 0,
      backfill: open?.backfill ?? 0,
    });
    this.windowsClosed++;
  }

  private strataRows(devices: Map<number, StratumRow>, crashes: Map<number, StratumRow> | undefined): StratumRow[] {
    const out: StratumRow[] = [];
    for (const map of [devices, crashes ?? new Map<number, StratumRow>()]) {
      for (const [key, row] of map) {
        out.push({ ...row, ring: this.rings.value(key % RING_SPAN), stratum: this.strata.value(Math.floor(key / RING_SPAN)) });
      }
    }
    return out;
  }
}
