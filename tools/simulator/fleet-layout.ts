// Where each device sits and what it is: its site (office or data centre, which fixes its region, time
// zone and collector), its class (server, workstation, laptop) and its ring. Real rings are not random
// samples: a first ring is usually the IT department's own office, so a ring may name the sites and
// classes it is drawn from. Everything is a hash of (seed, device): no state, same seed, same layout.
import { hashUnit } from './rng.ts';
import { summerTimesOf, type SummerTime } from './local-time.ts';
import { DEVICE_CLASSES, type DeviceClass, type Scenario } from './scenario-schema.ts';

export const CLASS_SERVER = 0;
export const CLASS_WORKSTATION = 1;
export const CLASS_LAPTOP = 2;

export interface SiteInfo {
  name: string;
  region: number;
  /** Class weights in DEVICE_CLASSES order. */
  mix: number[];
  /** Local day numbers (days since 1970-01-01) the office is dark. */
  holidays: Set<number>;
  /** When its clocks are an hour ahead of its region's utc_offset_hours (none if it never changes them). */
  summerTime: SummerTime[];
}

/** The fleet's sites; without any, each region is one site named after it. */
export function sitesOf(s: Scenario): SiteInfo[] {
  const mixOf = (m: Partial<Record<DeviceClass, number>> | undefined) => {
    const fleetMix = s.fleet.classes ?? { server: 1 };
    return DEVICE_CLASSES.map((c) => (m ?? fleetMix)[c] ?? 0);
  };
  const regions = s.fleet.regions.map((r) => r.name);
  const summer = s.fleet.regions.map((r) => summerTimesOf(r.summer_time));
  if (!s.fleet.sites.length) return regions.map((name, region) => ({ name, region, mix: mixOf(undefined), holidays: new Set(), summerTime: summer[region] }));
  return s.fleet.sites.map((site) => ({
    name: site.name, region: regions.indexOf(site.region), mix: mixOf(site.classes),
    holidays: new Set(site.holidays.map((d) => Math.floor(Date.parse(`${d}T00:00:00Z`) / 86_400_000))),
    summerTime: site.observes_summer_time === false ? [] : summer[regions.indexOf(site.region)],
  }));
}

/** Index of the first cumulative weight above u (weights need not add up to 1). */
function pick(u: number, weights: number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = u * total;
  for (let k = 0; k < weights.length; k++) {
    x -= weights[k];
    if (x < 0) return k;
  }
  return weights.length - 1;
}

/** Device counts per ring: `devices`, or round(share x N) (at least 1); the last ring takes the rest. */
export function ringSizes(scenario: Scenario): number[] {
  const n = scenario.fleet.devices;
  const sizes: number[] = [];
  let left = n;
  for (const r of scenario.fleet.rings.slice(0, -1)) {
    const size = Math.min(left, r.devices ?? Math.max(1, Math.round(r.share * n)));
    sizes.push(size);
    left -= size;
  }
  return [...sizes, left];
}

export interface Layout {
  site: Uint16Array;
  region: Uint8Array;
  cls: Uint8Array;
  ring: Uint8Array;
}

export function layoutFleet(s: Scenario): Layout {
  const n = s.fleet.devices;
  const seed = s.seed;
  const sites = sitesOf(s);
  const explicitSites = s.fleet.sites.length > 0;
  const regionShares = s.fleet.regions.map((r) => r.share);
  const out: Layout = { site: new Uint16Array(n), region: new Uint8Array(n), cls: new Uint8Array(n), ring: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    // Without sites the region draw is the historical one (hash slot 1), so old scenarios keep their fleets.
    const site = explicitSites ? pick(hashUnit(seed, i, 11), s.fleet.sites.map((x) => x.share)) : pickRegion(hashUnit(seed, i, 1), regionShares);
    out.site[i] = site;
    out.region[i] = sites[site].region;
    out.cls[i] = pick(hashUnit(seed, i, 12), sites[site].mix);
  }
  assignRings(s, sites, out);
  return out;
}

// The historical region draw: first cumulative share above u (the last region if rounding leaves a gap).
function pickRegion(u: number, shares: number[]): number {
  let cut = 0;
  for (let k = 0; k < shares.length; k++) {
    cut += shares[k];
    if (u < cut) return k;
  }
  return shares.length - 1;
}

/**
 * Rings that name sites or classes take their devices from those first (in a hash order, so the draw is
 * spread over the site); the other rings, as before, take the next devices by index; the last the rest.
 */
function assignRings(s: Scenario, sites: SiteInfo[], out: Layout): void {
  const n = s.fleet.devices;
  const rings = s.fleet.rings;
  const sizes = ringSizes(s);
  const last = rings.length - 1;
  const taken = new Uint8Array(n);
  out.ring.fill(last);
  const order = (pred: (i: number) => boolean) => {
    const list: number[] = [];
    for (let i = 0; i < n; i++) if (!taken[i] && pred(i)) list.push(i);
    return list.sort((a, b) => hashUnit(s.seed, a, 13) - hashUnit(s.seed, b, 13));
  };
  const take = (ring: number, list: number[], count: number) => {
    let got = 0;
    for (const i of list) {
      if (got >= count) break;
      if (taken[i]) continue;
      taken[i] = 1;
      out.ring[i] = ring;
      got++;
    }
    return got;
  };
  rings.forEach((r, k) => {
    if (k === last || (!r.sites && !r.classes)) return;
    const siteIds = r.sites?.map((name) => sites.findIndex((x) => x.name === name));
    const classIds = r.classes?.map((c) => DEVICE_CLASSES.indexOf(c));
    const eligible = (i: number) => (!siteIds || siteIds.includes(out.site[i])) && (!classIds || classIds.includes(out.cls[i]));
    const got = take(k, order(eligible), sizes[k]);
    // Too few eligible devices: the ring is filled up from the rest of the fleet.
    if (got < sizes[k]) take(k, order(() => true), sizes[k] - got);
  });
  let next = 0;
  rings.forEach((r, k) => {
    if (k === last || r.sites || r.classes) return;
    for (let got = 0; got < sizes[k] && next < n; next++) {
      if (taken[next]) continue;
      taken[next] = 1;
      out.ring[next] = k;
      got++;
    }
  });
}
