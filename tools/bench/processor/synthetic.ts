// Synthetic heartbeats for the figures script: `devices` endpoints in a few rings and regions, each with
// a 20-component map drawn from a handful of variants, heartbeating once per period, in receipt order.
import type { Envelope } from '../../../common/contract/envelope.ts';

const RINGS = ['canary', 'early', 'broad', 'late'];
const REGIONS = ['us', 'eu', 'ap'];

function componentVariants(): Record<string, string>[] {
  return Array.from({ length: 8 }, (_, v) => {
    const map: Record<string, string> = { agent: v % 2 ? '2.0' : '1.0' };
    for (let c = 1; c < 20; c++) map[`channel-${c}`] = String(100 + ((v + c) % 3));
    return map;
  });
}

const VARIANTS = componentVariants();

export function heartbeat(device: number, n: number, receivedMs: number): Envelope<'heartbeat'> {
  const at = new Date(receivedMs).toISOString();
  return {
    v: 1, kind: 'heartbeat', receivedAt: at, eventAt: at, collectorId: `col-${REGIONS[device % 3]}`,
    event: {
      eventId: `hb-${device}-${n}`, deviceId: `device-${device.toString(36).padStart(8, '0')}`, sentAt: at,
      ring: RINGS[device % 4], bootId: `boot-${device}`, uptimeSec: 86_400 + n, components: VARIANTS[device % VARIANTS.length],
      region: REGIONS[device % 3],
    },
  };
}

/** Heartbeats of `devices` endpoints over `periods` periods, spread evenly over each period. */
export function* heartbeats(devices: number, periods: number, periodMs: number, startMs: number): Generator<Envelope<'heartbeat'>> {
  for (let n = 0; n < periods; n++) {
    for (let d = 0; d < devices; d++) yield heartbeat(d, n, startMs + n * periodMs + Math.floor((d / devices) * periodMs));
  }
}
