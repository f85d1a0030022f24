// The fleet as struct-of-arrays: one typed array per attribute, one slot per device. A device is an
// index, never an object, so 100,000 devices fit in a few megabytes and a pass over them is cache-friendly.
import { hashUnit } from './rng.ts';
import type { Scenario } from './scenario-schema.ts';
import { CLASS_LAPTOP, CLASS_WORKSTATION, layoutFleet } from './fleet-layout.ts';
import type { Catalog } from './catalog.ts';

export { ringSizes } from './fleet-layout.ts';

export const ONLINE = 0;
export const OFFLINE = 1;
/** Crashed while loading a release and never comes back by itself (CrowdStrike, 19 July 2024). */
export const BOOT_LOOP = 2;

export const FLAG_NIGHT_SLEEPER = 1;
export const FLAG_CRASH_PRONE = 2;
/** The current offline spell ends with a new boot. */
export const FLAG_BOOT_ON_WAKE = 4;
/** Drops out far more often than others (bad Wi-Fi, failing disk), and comes back with a new boot. */
export const FLAG_FRAIL = 8;
/** A workstation or laptop nobody switches off: on around the clock like a server. */
export const FLAG_LEFT_ON = 16;

export interface Fleet {
  size: number;
  ring: Uint8Array;
  region: Uint8Array;
  /** Site index (sitesOf order) and device class (CLASS_*). */
  site: Uint16Array;
  cls: Uint8Array;
  /** Collector the device currently reaches: its region's, or the remote one (a roaming laptop). */
  collector: Uint8Array;
  /** Events its agent holds back during the current network outage. */
  held: Uint32Array;
  flags: Uint8Array;
  state: Uint8Array;
  /** Device clock minus true time. */
  skewMs: Int32Array;
  combo: Uint16Array;
  bootSeq: Uint32Array;
  eventSeq: Uint32Array;
  bootAt: Float64Array;
  nextHeartbeat: Float64Array;
  /** The device's own heartbeat interval (a release changed it), ms; 0: the fleet's. */
  intervalMs: Float64Array;
  nextCrash: Float64Array;
  nextOffline: Float64Array;
  wakeAt: Float64Array;
  nextReboot: Float64Array;
}

/** Build the fleet's static traits (ring, region, flags, clock) from the seed; dynamic state starts at `startMs`. */
export function createFleet(scenario: Scenario, startMs: number, catalog?: Catalog): Fleet {
  const n = scenario.fleet.devices;
  const seed = scenario.seed;
  const noise = scenario.noise;
  const fleet: Fleet = {
    size: n,
    ring: new Uint8Array(n), region: new Uint8Array(n), site: new Uint16Array(n), cls: new Uint8Array(n),
    collector: new Uint8Array(n), held: new Uint32Array(n), flags: new Uint8Array(n), state: new Uint8Array(n),
    skewMs: new Int32Array(n), combo: new Uint16Array(n), bootSeq: new Uint32Array(n), eventSeq: new Uint32Array(n),
    bootAt: new Float64Array(n), nextHeartbeat: new Float64Array(n), intervalMs: new Float64Array(n), nextCrash: new Float64Array(n),
    nextOffline: new Float64Array(n), wakeAt: new Float64Array(n), nextReboot: new Float64Array(n),
  };
  const layout = layoutFleet(scenario);
  fleet.ring.set(layout.ring);
  fleet.region.set(layout.region);
  fleet.site.set(layout.site);
  fleet.cls.set(layout.cls);
  fleet.collector.set(layout.region);
  const intervalMs = scenario.fleet.heartbeat_interval_secs * 1000;
  const classes = scenario.fleet.device_classes;
  for (let i = 0; i < n; i++) {
    let flags = 0;
    if (hashUnit(seed, i, 2) < noise.night_offline_share) flags |= FLAG_NIGHT_SLEEPER;
    if (hashUnit(seed, i, 3) < noise.crash_prone_share) flags |= FLAG_CRASH_PRONE;
    if (noise.frail_share > 0 && hashUnit(seed, i, 10) < noise.frail_share) flags |= FLAG_FRAIL;
    const office = fleet.cls[i] === CLASS_WORKSTATION ? classes.workstation : fleet.cls[i] === CLASS_LAPTOP ? classes.laptop : undefined;
    if (office && hashUnit(seed, i, 14) < office.left_on_share) flags |= FLAG_LEFT_ON;
    if (catalog) fleet.combo[i] = catalog.initialCombo(seed, i);
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
