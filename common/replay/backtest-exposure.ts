// Blast radius: how many devices a release could have reached by a given moment of the replay.
//
// Definition (docs/backtest.md): the distinct devices that, up to that moment, either
//   (a) reported the release's version of its component in a heartbeat or crash (installed or applying), or
//   (b) sent any telemetry from a ring in which the release had a `started` deployment by then.
// (b) matters because a device that dies while loading an update never reports the new version (the
// CrowdStrike failure); (a) catches devices that took the release outside the rings the feed names.
// Memory is bounded by the fleet: one set of device ids per ring and per release.
import type { AnyEnvelope } from '../contract/envelope.ts';
import { releaseKey, type Release } from '../contract/decision.ts';

export interface BlastRadius {
  /** |(a) ∪ (b)| */
  devices: number;
  reportedRelease: number;
  inStartedRings: number;
  /** Rings the release had started in, in the order it reached them. */
  rings: string[];
}

export class ExposureTracker {
  private readonly ringDevices = new Map<string, Set<string>>();
  /** component -> version -> devices that reported it. Only versions some deployment named are tracked. */
  private readonly reporters = new Map<string, Map<string, Set<string>>>();
  private readonly started = new Map<string, { release: Release; rings: string[] }>();

  observe(env: AnyEnvelope): void {
    if (env.kind === 'deployment') {
      const d = env.event;
      if (d.action !== 'started') return;
      const key = releaseKey(d);
      let entry = this.started.get(key);
      if (!entry) this.started.set(key, (entry = { release: { component: d.component, version: d.version }, rings: [] }));
      if (!entry.rings.includes(d.ring)) entry.rings.push(d.ring);
      let versions = this.reporters.get(d.component);
      if (!versions) this.reporters.set(d.component, (versions = new Map()));
      if (!versions.has(d.version)) versions.set(d.version, new Set());
      return;
    }
    const e = env.event;
    let inRing = this.ringDevices.get(e.ring);
    if (!inRing) this.ringDevices.set(e.ring, (inRing = new Set()));
    inRing.add(e.deviceId);
    if (!this.reporters.size) return;
    this.noteVersions(e.components, e.deviceId);
    if (env.kind === 'heartbeat' && env.event.applying) this.noteVersions(env.event.applying, e.deviceId);
  }

  blastRadius(release: Release): BlastRadius {
    const rings = [...(this.started.get(releaseKey(release))?.rings ?? [])];
    const reported = this.reporters.get(release.component)?.get(release.version) ?? new Set<string>();
    const union = new Set(reported);
    let inStartedRings = 0;
    for (const ring of rings) {
      const devices = this.ringDevices.get(ring);
      if (!devices) continue;
      inStartedRings += devices.size;
      for (const d of devices) union.add(d);
    }
    return { devices: union.size, reportedRelease: reported.size, inStartedRings, rings };
  }

  /** Releases some deployment started, in the order they first started. */
  startedReleases(): Release[] {
    return [...this.started.values()].map((e) => e.release);
  }

  private noteVersions(components: Record<string, string>, deviceId: string): void {
    for (const component in components) {
      const versions = this.reporters.get(component);
      versions?.get(components[component])?.add(deviceId);
    }
  }
}
