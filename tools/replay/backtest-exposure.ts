// Blast radius: how many devices a release could have reached by a given moment of the replay.
//
// Definition (docs/backtest.md): the distinct devices that, up to that moment, either
//   (a) reported the release's version of its component in a heartbeat or crash (installed or applying), or
//   (b) sent any telemetry from a ring in which the release had a `started` deployment by then.
// (b) matters because a device that dies while loading an update never reports the new version (the
// CrowdStrike failure); (a) catches devices that took the release outside the rings the feed names.
//
// Heartbeats are the bulk of a replay and a device's ring and components rarely change, so this does not
// look at them itself: the detection core's source, which already finds each device and compares its
// maps, tells it when a device is new or changed (SourceCore.onDeviceChange, relayed as `device` steps
// with each component set's pairs sent once as a `set` step, so the tracker can run beside the judge on
// another thread). Crashes and deployments, which are rare, come through observe(). Counts are taken when
// asked (a halt, the end) in one pass over the devices. Memory is bounded by the fleet: one small record
// per device; only releases some deployment named are tracked.
import type { AnyEnvelope, Envelope } from '../../common/contract/envelope.ts';
import { releaseKey, type Release } from '../../common/contract/decision.ts';
import { hashOf, lastHash } from '../../processors/core/device-table.ts';
import type { SourceCore } from '../../processors/core/source-core.ts';
import type { StepSink } from './pipeline-steps.ts';

export interface BlastRadius {
  /** |(a) ∪ (b)| */
  devices: number;
  reportedRelease: number;
  inStartedRings: number;
  /** Rings the release had started in, in the order it reached them. */
  rings: string[];
}

interface DeviceSeen {
  /** Every ring the device has sent telemetry from (almost always one). */
  rings: string[];
  /** The source's component set ids of its last installed and applying maps (0: none). */
  installed: number;
  applying: number;
  /** Component map of its last crash report (devices that die before a heartbeat have only that). */
  crashed?: Record<string, string>;
  /** Indexes of the tracked releases it has reported. */
  reported: number[];
}

interface Tracked {
  release: Release;
  rings: string[];
}

/** A device's 64-bit id hash as one Map key (53 bits of it; the detection core keys devices the same way). */
const deviceKey = (a: number, b: number) => a * 2097152 + (b >>> 11);

export class ExposureTracker {
  private readonly devices = new Map<number, DeviceSeen>();
  /** Releases with a started deployment, by key; their position is their index in DeviceSeen.reported. */
  private readonly tracked = new Map<string, number>();
  private readonly releases: Tracked[] = [];

  /** Component set id -> its (component, version) pairs, flat; names folded by the source's bound left out. */
  private readonly sets = new Map<number, readonly string[]>();

  /** A device seen first, or whose ring or component maps changed (set ids defined with defineSet). */
  deviceChanged(a: number, b: number, ring: string, installed: number, applying: number): void {
    const seen = this.device(a, b);
    if (!seen.rings.includes(ring)) seen.rings.push(ring);
    seen.installed = installed;
    seen.applying = applying;
    this.noteReported(seen);
  }

  defineSet(id: number, pairs: readonly string[]): void {
    this.sets.set(id, pairs);
  }

  /** Crashes and deployments (heartbeats come through deviceChanged). */
  observe(env: AnyEnvelope): void {
    if (env.kind === 'deployment') this.deployment(env.event);
    else if (env.kind === 'crash') this.crash(env);
  }

  blastRadius(release: Release): BlastRadius {
    const index = this.tracked.get(releaseKey(release));
    const rings = index === undefined ? [] : [...this.releases[index].rings];
    let devices = 0;
    let reportedRelease = 0;
    let inStartedRings = 0;
    for (const seen of this.devices.values()) {
      const reported = index !== undefined && seen.reported.includes(index);
      let inRings = 0;
      for (const ring of seen.rings) if (rings.includes(ring)) inRings++;
      if (reported) reportedRelease++;
      inStartedRings += inRings;
      if (reported || inRings) devices++;
    }
    return { devices, reportedRelease, inStartedRings, rings };
  }

  /** Releases some deployment started, in the order they first started. */
  startedReleases(): Release[] {
    return this.releases.map((t) => t.release);
  }

  private device(a: number, b: number): DeviceSeen {
    const key = deviceKey(a, b);
    let seen = this.devices.get(key);
    if (!seen) this.devices.set(key, (seen = { rings: [], installed: 0, applying: 0, reported: [] }));
    return seen;
  }

  private crash(env: Envelope<'crash'>): void {
    const e = env.event;
    const a = hashOf(e.deviceId);
    const seen = this.device(a, lastHash.b);
    if (!seen.rings.includes(e.ring)) seen.rings.push(e.ring);
    seen.crashed = e.components;
    this.noteReported(seen);
  }

  private deployment(d: Envelope<'deployment'>['event']): void {
    if (d.action !== 'started') return;
    const key = releaseKey(d);
    let index = this.tracked.get(key);
    if (index === undefined) {
      index = this.releases.length;
      this.tracked.set(key, index);
      this.releases.push({ release: { component: d.component, version: d.version }, rings: [] });
      // Devices that reported the version before its deployment was announced count too.
      for (const seen of this.devices.values()) if (this.names(seen, index)) seen.reported.push(index);
    }
    const rings = this.releases[index].rings;
    if (!rings.includes(d.ring)) rings.push(d.ring);
  }

  /** A device's maps changed: note every tracked release they name. */
  private noteReported(seen: DeviceSeen): void {
    for (let i = 0; i < this.releases.length; i++) {
      if (!seen.reported.includes(i) && this.names(seen, i)) seen.reported.push(i);
    }
  }

  /** Whether the device's current maps (installed, applying, last crash) name tracked release `index`. */
  private names(seen: DeviceSeen, index: number): boolean {
    const { component, version } = this.releases[index].release;
    if (seen.crashed?.[component] === version) return true;
    for (const set of [seen.installed, seen.applying]) {
      const pairs = set ? this.sets.get(set) : undefined;
      if (!pairs) continue;
      for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === component && pairs[i + 1] === version) return true;
    }
    return false;
  }
}

/**
 * The source half's side of exposure: relays the source's device changes as steps, each component set's
 * pairs sent before the first step that names it. Pairs with a name folded into "other" by the source's
 * bound are left out (such a pair names no release).
 */
export function relayDeviceChanges(source: SourceCore, send: StepSink): void {
  const sent = new Set<number>([0]);
  const sets = source.componentSets;
  const define = (id: number) => {
    if (sent.has(id)) return;
    sent.add(id);
    const ids = sets.pairsOf(id);
    const pairs: string[] = [];
    for (let i = 0; i < ids.length; i += 2) if (ids[i] > 0 && ids[i + 1] > 0) pairs.push(sets.names.value(ids[i]), sets.names.value(ids[i + 1]));
    send({ k: 'set', id, pairs });
  };
  source.onDeviceChange = (a, b, ring, installed, applying) => {
    define(installed);
    define(applying);
    send({ k: 'device', a, b, ring: source.rings.value(ring), installed, applying });
  };
}
