// Turns device happenings into contract-v1 events and hands them to the outbox with their delivery time:
// the device clock's skew goes into the event's own timestamp, the network's lateness, duplicates and
// collector outages into the receive time.
import type { Crash, CrashKind, Heartbeat } from '../../common/contract/events.ts';
import type { Catalog } from './catalog.ts';
import type { Fleet } from './fleet.ts';
import type { Outbox } from './outbox.ts';
import type { Rng } from './rng.ts';
import { DEVICE_CLASSES, type Scenario } from './scenario-schema.ts';
import type { SiteOutages } from './site-outages.ts';

export interface DeliveryStats {
  heartbeats: number;
  crashes: number;
  late: number;
  duplicates: number;
  heldByOutage: number;
  lostInOutage: number;
  /** Held by agents while their site's network was down, and dropped when their buffer was full. */
  bufferedByAgent: number;
  droppedByAgent: number;
}

interface OutageWindow { region: number; fromMs: number; toMs: number; backfill: boolean; spreadMs: number }

export const deviceIdOf = (i: number): string => `dev-${String(i).padStart(7, '0')}`;
export const collectorIdOf = (region: string): string => `collector-${region}`;

export class Emitter {
  readonly stats: DeliveryStats = { heartbeats: 0, crashes: 0, late: 0, duplicates: 0, heldByOutage: 0, lostInOutage: 0, bufferedByAgent: 0, droppedByAgent: 0 };
  /** Index of the remote collector (laptops off the office network), after the regions' ones. */
  readonly remoteCollector: number;
  private readonly siteOutages: SiteOutages | undefined;
  private readonly bufferMax: number;
  private readonly intervalMs: number;
  private readonly reportInterval: boolean;
  private readonly rings: string[];
  private readonly regions: string[];
  private readonly collectors: string[];
  private readonly outages: OutageWindow[];
  private readonly noise: Scenario['noise'];
  private readonly os: string;
  /** Per device class (CLASS_*), the labels its heartbeats carry: one shared object per class; none when off. */
  private readonly classLabels: readonly (Readonly<Record<string, string>> | undefined)[];
  private readonly fleet: Fleet;
  private readonly catalog: Catalog;
  private readonly outbox: Outbox;
  private readonly rng: Rng;
  private readonly runId: string;

  /** `runId` goes into event and boot ids, so two live runs of one scenario never share an id. */
  constructor(scenario: Scenario, startMs: number, fleet: Fleet, catalog: Catalog, outbox: Outbox, rng: Rng, runId: string, siteOutages?: SiteOutages) {
    this.siteOutages = siteOutages?.any ? siteOutages : undefined;
    this.bufferMax = scenario.agent.buffer_max_events;
    this.intervalMs = scenario.fleet.heartbeat_interval_secs * 1000;
    this.reportInterval = scenario.agent.report_interval;
    this.runId = runId;
    this.fleet = fleet;
    this.catalog = catalog;
    this.outbox = outbox;
    this.rng = rng;
    this.noise = scenario.noise;
    this.os = scenario.fleet.os;
    this.classLabels = scenario.fleet.class_labels ? DEVICE_CLASSES.map((c) => Object.freeze({ class: c })) : [];
    this.rings = scenario.fleet.rings.map((r) => r.name);
    this.regions = scenario.fleet.regions.map((r) => r.name);
    this.collectors = [...this.regions.map(collectorIdOf), collectorIdOf('remote')];
    this.remoteCollector = this.regions.length;
    this.outages = scenario.noise.outages.map((o) => ({
      region: this.regions.indexOf(o.region), fromMs: startMs + o.start_secs * 1000,
      toMs: startMs + (o.start_secs + o.duration_secs) * 1000, backfill: o.backfill, spreadMs: o.backfill_spread_secs * 1000,
    }));
  }

  private nextEventId(i: number): string {
    return `${deviceIdOf(i)}-${this.runId}-${++this.fleet.eventSeq[i]}`;
  }

  bootIdOf(i: number): string {
    return `${deviceIdOf(i)}-${this.runId}-b${this.fleet.bootSeq[i]}`;
  }

  heartbeat(i: number, atMs: number, applying?: Record<string, string>): void {
    const f = this.fleet;
    const hb: Heartbeat = {
      eventId: this.nextEventId(i),
      deviceId: deviceIdOf(i),
      sentAt: new Date(atMs + f.skewMs[i]).toISOString(),
      ring: this.rings[f.ring[i]],
      bootId: this.bootIdOf(i),
      uptimeSec: Math.max(0, Math.floor((atMs - f.bootAt[i]) / 1000)),
      components: this.catalog.combos[f.combo[i]].components as Record<string, string>,
      os: this.os,
      region: this.regions[f.region[i]],
    };
    const labels = this.classLabels[f.cls[i]];
    if (labels) hb.labels = labels as Record<string, string>;
    if (applying) hb.applying = applying;
    if (this.reportInterval) hb.intervalSecs = Math.round((f.intervalMs[i] || this.intervalMs) / 1000);
    this.stats.heartbeats++;
    this.deliver(i, atMs, atMs + f.skewMs[i], 'heartbeat', hb);
  }

  /** A crash at `atMs` during boot `bootId`, reported at `sendMs` (after the reboot, for kernel crashes). */
  crash(i: number, atMs: number, sendMs: number, kind: CrashKind, signature: string, combo: number, bootId: string): void {
    const f = this.fleet;
    const crash: Crash = {
      eventId: this.nextEventId(i),
      deviceId: deviceIdOf(i),
      occurredAt: new Date(atMs + f.skewMs[i]).toISOString(),
      ring: this.rings[f.ring[i]],
      bootId,
      components: this.catalog.combos[combo].components as Record<string, string>,
      kind,
      signature,
      region: this.regions[f.region[i]],
    };
    this.stats.crashes++;
    this.deliver(i, sendMs, atMs + f.skewMs[i], 'crash', crash);
  }

  private deliver(i: number, sendMs: number, eventMs: number, kind: 'heartbeat' | 'crash', event: Heartbeat | Crash): void {
    // A collector outage hits the collector the device is behind now (a roaming laptop escapes it).
    const region = this.fleet.collector[i];
    let at = sendMs;
    const offNetworkUntil = this.siteOutages?.offNetworkUntil(this.fleet.site[i], sendMs);
    if (offNetworkUntil !== undefined) {
      // The agent keeps the first buffer_max_events and sends them once its network is back.
      if (this.fleet.held[i] >= this.bufferMax) {
        this.stats.droppedByAgent++;
        return;
      }
      this.fleet.held[i]++;
      this.stats.bufferedByAgent++;
      at = offNetworkUntil + this.rng.next() * this.intervalMs;
    } else if (this.fleet.held[i]) {
      this.fleet.held[i] = 0;
    }
    if (this.noise.delivery_delay_max_secs > 0) at += this.rng.next() * this.noise.delivery_delay_max_secs * 1000;
    if (this.rng.chance(this.noise.late_share)) {
      at += this.rng.next() * this.noise.late_max_secs * 1000;
      this.stats.late++;
    }
    for (const o of this.outages) {
      if (o.region !== region || at < o.fromMs || at >= o.toMs) continue;
      if (!o.backfill) {
        this.stats.lostInOutage++;
        return;
      }
      this.stats.heldByOutage++;
      at = o.toMs + this.rng.next() * o.spreadMs;
    }
    const collector = this.collectors[region];
    this.outbox.push(kind, at, eventMs, collector, event);
    if (this.rng.chance(this.noise.duplicate_share)) {
      this.stats.duplicates++;
      this.outbox.push(kind, at + this.rng.next() * this.noise.duplicate_max_secs * 1000, eventMs, collector, event);
    }
  }
}
