// The fleet as struct-of-arrays: one typed array per attribute, one slot per device. A device is an
// index, never an object, so 100,000 devices fit in a few megabytes and a pass over them is cache-friendly.
import { hashUnit } from './rng.ts';
import type { Scenario } from './scenario-schema.ts';

export const ONLINE = 0;
export const OFFLINE = 1;
/** Crashed while loading a release and never comes back by itself (CrowdStrike, 19 July 2024). */
export const BOOT_LOOP = 2;

export const FLAG_NIGHT_SLEEPER = 1;
export const FLAG_CRASH_PRONE = 2;
/** The current offline spell ends with a new boot. */
export const FLAG_BOOT_ON_WAKE = 4;

export interface Fleet {
  size: number;
  ring: Uint8Array;
  region: Uint8Array;
  flags: Uint8Array;
  state: Uint8Array;
  /** Device clock minus true time. */
  skewMs: Int32Array;
  combo: Uint16Array;
  bootSeq: Uint32Array;
  eventSeq: Uint32Array;
  bootAt: Float64Array;
  nextHeartbeat: Float64Array;
  nextCrash: Float64Array;
  nextOffline: Float64Array;
  wakeAt: Float64Array;
  nextReboot: Float64Array;
}

/** Device counts per ring: every ring but the last gets round(share x N), at least 1; the last the rest. */
export function ringSizes(scenario: Scenario): number[] {
  const n = scenario.fleet.devices;
  const sizes = scenario.fleet.rings.slice(0, -1).map((r) => Math.max(1, Math.round(r.share * n)));
  const taken = sizes.reduce((s, x) => s + x, 0);
  return [...sizes, Math.max(0, n - taken)];
}

/** Build the fleet's static traits (ring, region, flags, clock) from the seed; dynamic state starts at `startMs`. */
export function createFleet(scenario: Scenario, startMs: number): Fleet {
  const n = scenario.fleet.devices;
  const seed = scenario.seed;
  const noise = scenario.noise;
  const fleet: Fleet = {
    size: n,
    ring: new Uint8Array(n), region: new Uint8Array(n), flags: new Uint8Array(n), state: new Uint8Array(n),
    skewMs: new Int32Array(n), combo: new Uint16Array(n), bootSeq: new Uint32Array(n), eventSeq: new Uint32Array(n),
    bootAt: new Float64Array(n), nextHeartbeat: new Float64Array(n), nextCrash: new Float64Array(n),
    nextOffline: new Float64Array(n), wakeAt: new Float64Array(n), nextReboot: new Float64Array(n),
  };
  const sizes = ringSizes(scenario);
  const regionCut = scenario.fleet.regions.reduce<number[]>((acc, r) => [...acc, (acc.at(-1) ?? 0) + r.share], []);
  const intervalMs = scenario.fleet.heartbeat_interval_secs * 1000;
  let ring = 0;
  let ringEnd = sizes[0];
  for (let i = 0; i < n; i++) {
    while (i >= ringEnd && ring < sizes.length - 1) ringEnd += sizes[++ring];
    fleet.ring[i] = ring;
    const u = hashUnit(seed, i, 1);
    let region = regionCut.findIndex((cut) => u < cut);
    if (region < 0) region = regionCut.length - 1;
    fleet.region[i] = region;
    let flags = 0;
    if (hashUnit(seed, i, 2) < noise.night_offline_share) flags |= FLAG_NIGHT_SLEEPER;
    if (hashUnit(seed, i, 3) < noise.crash_prone_share) flags |= FLAG_CRASH_PRONE;
    fleet.flags[i] = flags;
    if (hashUnit(seed, i, 4) < noise.skewed_clock_share) {
      fleet.skewMs[i] = Math.round((hashUnit(seed, i, 5) * 2 - 1) * noise.clock_skew_max_secs * 1000);
    }
    // Machines have been up for a while when the scenario starts (up to three days).
    fleet.bootAt[i] = startMs - hashUnit(seed, i, 6) * 3 * 86_400_000;
    fleet.nextHeartbeat[i] = startMs + hashUnit(seed, i, 7) * intervalMs;
  }
  return fleet;
}

/** Bytes the fleet's arrays take per device (the figure docs/simulator.md quotes). */
export function bytesPerDevice(fleet: Fleet): number {
  const arrays = Object.values(fleet).filter((v): v is ArrayBufferView => ArrayBuffer.isView(v));
  return arrays.reduce((s, a) => s + a.byteLength, 0) / fleet.size;
}
