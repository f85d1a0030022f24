// A small realistic fleet for verdict tests on the pure core, in virtual time: 5-minute heartbeats,
// workstations on from 08:00 to 18:00 local (each with its own minutes of arrival and departure), servers
// always on, regions in several time zones, a first ring drawn from one office. Releases either do
// nothing or kill (silently, at the device's first heartbeat after the start) a share of the devices.
import type { AnyEnvelope } from '../../../common/contract/envelope.ts';
import { rng } from './scenario.ts';

export const HB_MS = 300_000;
export const HOUR_MS = 3_600_000;

/** `serverShare`: this ring's share of always-on servers (the spec's by default). */
export interface OfficeRing { name: string; devices: number; region?: string; serverShare?: number }
export interface OfficeRelease {
  component: string;
  version: string;
  rings: string[];
  at: number;
  /** Share of each reached ring's devices (those taking it) that die silently on load. */
  kills?: number;
  /** Devices that would die start doing so only from this time (0: at once). */
}

export interface OfficeSpec {
  startMs: number;
  endMs: number;
  rings: OfficeRing[];
  regions: { name: string; utcOffsetHours: number }[];
  serverShare: number;
  releases: OfficeRelease[];
  /** Collector (region) outages: nothing from the region arrives in [from, to). */
  outages?: { region: string; from: number; to: number }[];
  /** Devices of a ring that go silent at `at` with no rollout record (an unattributed change). */
  unrecorded?: { ring: string; share: number; at: number }[];
  seed?: number;
}

interface Dev { id: string; ring: string; region: string; offset: number; server: boolean; phase: number; arrive: number; leave: number; rank: number }

const iso = (ms: number) => new Date(ms).toISOString();

function devices(spec: OfficeSpec): Dev[] {
  const r = rng(spec.seed ?? 1);
  const out: Dev[] = [];
  for (const ring of spec.rings) {
    for (let i = 0; i < ring.devices; i++) {
      const region = spec.regions.find((g) => g.name === ring.region) ?? spec.regions[out.length % spec.regions.length];
      out.push({
        id: `dev-${ring.name}-${i}`, ring: ring.name, region: region.name, offset: region.utcOffsetHours, server: r() < (ring.serverShare ?? spec.serverShare),
        phase: Math.floor(r() * HB_MS), arrive: 8 + r() * 1.5, leave: 17 + r() * 2, rank: r(),
      });
    }
  }
  return out;
}

function online(d: Dev, t: number): boolean {
  if (d.server) return true;
  const local = new Date(t + d.offset * HOUR_MS);
  const day = local.getUTCDay();
  const hour = local.getUTCHours() + local.getUTCMinutes() / 60;
  return day >= 1 && day <= 5 && hour >= d.arrive && hour < d.leave;
}

export function buildOffice(spec: OfficeSpec): AnyEnvelope[] {
  const out: { env: AnyEnvelope; t: number; seq: number }[] = [];
  let seq = 0;
  for (const rel of spec.releases) {
    for (const ring of rel.rings) {
      out.push({ t: rel.at, seq: seq++, env: { v: 1, kind: 'deployment', receivedAt: iso(rel.at), eventAt: iso(rel.at), collectorId: 'col-release', event: {
        eventId: `dep-${rel.component}-${rel.version}-${ring}`, component: rel.component, version: rel.version, ring, action: 'started', at: iso(rel.at),
      } } });
    }
  }
  for (const d of devices(spec)) {
    let n = 0;
    let boot = 0;
    let wasOnline = false;
    for (let t = spec.startMs + d.phase; t < spec.endMs; t += HB_MS) {
      const on = online(d, t);
      if (on && !wasOnline) boot++;
      wasOnline = on;
      if (!on) continue;
      const killedBy = spec.releases.find((rel) => rel.rings.includes(d.ring) && (rel.kills ?? 0) > d.rank && t - HB_MS >= rel.at);
      if (killedBy) break;
      const unrecorded = spec.unrecorded?.find((u) => u.ring === d.ring && u.share > d.rank && t >= u.at);
      if (unrecorded) break;
      const outage = spec.outages?.find((o) => o.region === d.region && t >= o.from && t < o.to);
      if (outage) continue; // lost (not buffered): the region's collector is down
      const components: Record<string, string> = { agent: '1.0', content: '100' };
      for (const rel of spec.releases) if (rel.rings.includes(d.ring) && t >= rel.at) components[rel.component] = rel.version;
      out.push({ t, seq: seq++, env: { v: 1, kind: 'heartbeat', receivedAt: iso(t), eventAt: iso(t), collectorId: `col-${d.region}`, event: {
        eventId: `hb-${d.id}-${n++}`, deviceId: d.id, sentAt: iso(t), ring: d.ring, bootId: `boot-${d.id}-${boot}`,
        uptimeSec: 3600, components, region: d.region,
      } } });
    }
  }
  out.sort((a, b) => a.t - b.t || a.seq - b.seq);
  return out.map((o) => o.env);
}
