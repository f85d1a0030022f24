// Deterministic synthetic fleets for processor tests: heartbeats at a fixed period with per-device phase,
// releases that devices take (or die taking), crash floods, churn, and region outages with backfill.
// Returns envelopes in receipt order, exactly what collectors would have written to the topics.
import type { AnyEnvelope } from '../../../common/contract/envelope.ts';
import type { DeploymentAction } from '../../../common/contract/events.ts';

export interface Ring { name: string; devices: number; }

export interface Take {
  ring: string;
  component: string;
  version: string;
  /** Share of the ring's devices that take it (the first ones by index). */
  share: number;
  at: number;
  /** Devices die while loading it: no heartbeat and no crash report after their next heartbeat. */
  dies?: boolean;
  /** Ring index the taking devices start from (wrapping), so two releases pick different devices. */
  offset?: number;
}

export interface Spec {
  startMs: number;
  endMs: number;
  heartbeatMs: number;
  rings: Ring[];
  regions: string[];
  components: Record<string, string>;
  deployments: { component: string; version: string; ring: string; action: DeploymentAction; at: number }[];
  takes: Take[];
  /** One device floods crash reports. */
  floods?: { deviceId: string; from: number; count: number; spacingMs: number }[];
  /** A region's telemetry does not arrive in [from, to); at `to` it is delivered late (backfill). */
  outages?: { region: string; from: number; to: number; backfillCrashes: number }[];
  /** Devices (by global index) that shut down for good at the given time: normal churn. */
  churn?: { index: number; at: number }[];
  /** Background crashes: device index and time. */
  crashes?: { index: number; at: number }[];
}

interface Device { id: string; index: number; ring: string; region: string; phase: number; ringIndex: number; }

const iso = (ms: number) => new Date(ms).toISOString();

export function devicesOf(spec: Spec): Device[] {
  const out: Device[] = [];
  for (const ring of spec.rings) {
    for (let i = 0; i < ring.devices; i++) {
      const index = out.length;
      out.push({
        id: `dev-${ring.name}-${i}`, index, ring: ring.name, region: spec.regions[index % spec.regions.length],
        // Spread over the period, never exactly on a window boundary.
        phase: Math.floor(((index * 7919) % 997) / 997 * (spec.heartbeatMs - 2)) + 1, ringIndex: i,
      });
    }
  }
  return out;
}

function componentsAt(spec: Spec, d: Device, t: number): { components: Record<string, string>; dying: boolean } {
  const components = { ...spec.components };
  const ringSize = spec.rings.find((r) => r.name === d.ring)?.devices ?? 0;
  let dying = false;
  for (const take of spec.takes) {
    const rank = (d.ringIndex - (take.offset ?? 0) + ringSize) % ringSize;
    if (take.ring !== d.ring || rank >= Math.round(take.share * ringSize) || t < take.at) continue;
    if (take.dies) dying = true;
    else components[take.component] = take.version;
  }
  return { components, dying };
}

export function buildScenario(spec: Spec): AnyEnvelope[] {
  const out: { env: AnyEnvelope; seq: number }[] = [];
  let seq = 0;
  const push = (env: AnyEnvelope) => out.push({ env, seq: seq++ });
  const collector = (region: string) => `col-${region}`;
  for (const dep of spec.deployments) {
    push({ v: 1, kind: 'deployment', receivedAt: iso(dep.at), eventAt: iso(dep.at), collectorId: 'col-release', event: {
      eventId: `dep-${dep.component}-${dep.version}-${dep.ring}-${dep.action}`, component: dep.component, version: dep.version,
      ring: dep.ring, action: dep.action, at: iso(dep.at),
    } });
  }
  for (const d of devicesOf(spec)) {
    const churnAt = spec.churn?.find((c) => c.index === d.index)?.at ?? Infinity;
    for (let t = spec.startMs + d.phase, n = 0; t < spec.endMs && t < churnAt; t += spec.heartbeatMs, n++) {
      const { components, dying } = componentsAt(spec, d, t - spec.heartbeatMs);
      if (dying) break; // took the release at its previous heartbeat and never came back
      const outage = spec.outages?.find((o) => o.region === d.region && t >= o.from && t < o.to);
      const receivedAt = outage ? outage.to + (t - outage.from) / 1000 : t;
      push({ v: 1, kind: 'heartbeat', receivedAt: iso(receivedAt), eventAt: iso(t), collectorId: collector(d.region), event: {
        eventId: `hb-${d.id}-${n}`, deviceId: d.id, sentAt: iso(t), ring: d.ring, bootId: `boot-${d.id}`,
        uptimeSec: 3600 + Math.floor((t - spec.startMs) / 1000), components, region: d.region,
      } });
    }
  }
  const crash = (d: Device, id: string, at: number, receivedAt: number) => push({
    v: 1, kind: 'crash', receivedAt: iso(receivedAt), eventAt: iso(at), collectorId: collector(d.region), event: {
      eventId: id, deviceId: d.id, occurredAt: iso(at), ring: d.ring, bootId: `boot-${d.id}`,
      components: componentsAt(spec, d, at).components, kind: 'kernel', region: d.region,
    },
  });
  const devices = devicesOf(spec);
  for (const f of spec.floods ?? []) {
    const d = devices.find((x) => x.id === f.deviceId);
    if (!d) throw new Error(`no device ${f.deviceId}`);
    for (let i = 0; i < f.count; i++) crash(d, `flood-${d.id}-${i}`, f.from + i * f.spacingMs, f.from + i * f.spacingMs);
  }
  for (const [i, c] of (spec.crashes ?? []).entries()) crash(devices[c.index], `bg-${i}`, c.at, c.at);
  for (const o of spec.outages ?? []) {
    const inRegion = devices.filter((d) => d.region === o.region);
    for (let i = 0; i < o.backfillCrashes; i++) {
      const at = o.from + ((o.to - o.from) * i) / (2 * o.backfillCrashes);
      crash(inRegion[i % inRegion.length], `backfill-${o.region}-${i}`, at, o.to + i);
    }
  }
  out.sort((a, b) => Date.parse(a.env.receivedAt) - Date.parse(b.env.receivedAt) || a.seq - b.seq);
  return out.map((o) => o.env);
}

/** A small deterministic pseudo-random sequence (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
