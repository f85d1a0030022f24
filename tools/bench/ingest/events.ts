// Realistic contract-v1 events for the ingest benchmark and the collector tests: a Windows-like fleet
// with an agent, two content/channel files and an OS patch level, spread over rings.
import type { Crash, Deployment, Heartbeat } from '../../../common/contract/events.ts';

const RINGS = ['canary', 'early', 'broad', 'broad'];
const HARDWARE = ['Dell Latitude 7440', 'Lenovo ThinkPad T14 Gen 4', 'HP EliteBook 840 G10', 'Surface Laptop 5'];

export interface FleetOptions {
  /** Prefix of every eventId, so runs and tests never collide. */
  runId: string;
  /** Device time of the events (ISO); default: now. */
  at?: string;
}

export function heartbeat(i: number, o: FleetOptions): Heartbeat {
  const device = i % 100_000;
  return {
    eventId: `${o.runId}-hb-${i}`,
    deviceId: `dev-${device.toString(36).padStart(5, '0')}`,
    sentAt: o.at ?? new Date().toISOString(),
    ring: RINGS[device % RINGS.length],
    bootId: `boot-${device}-${Math.floor(i / 100_000)}`,
    uptimeSec: 3600 + (i % 86_400),
    components: {
      agent: '7.11.18110',
      'channel-291': `${20240719 + (device % 3)}.0409`,
      'channel-292': '20240718.2211',
      'os-patch': 'KB5040442',
    },
    os: 'Windows 11 Enterprise 23H2 (22631.3880)',
    hardware: HARDWARE[device % HARDWARE.length],
    region: device % 2 ? 'eu-west' : 'us-east',
  };
}

export function crash(i: number, o: FleetOptions): Crash {
  const hb = heartbeat(i, o);
  return {
    eventId: `${o.runId}-cr-${i}`,
    deviceId: hb.deviceId,
    occurredAt: hb.sentAt,
    ring: hb.ring,
    bootId: hb.bootId,
    components: hb.components,
    kind: 'kernel',
    signature: 'PAGE_FAULT_IN_NONPAGED_AREA (0x50) csagent.sys+0x35ef2',
    region: hb.region,
  };
}

export function deployment(i: number, o: FleetOptions): Deployment {
  return {
    eventId: `${o.runId}-dep-${i}`,
    component: 'channel-291',
    version: `${20240719 + i}.0409`,
    ring: RINGS[i % 3],
    action: 'started',
    at: o.at ?? new Date().toISOString(),
  };
}

