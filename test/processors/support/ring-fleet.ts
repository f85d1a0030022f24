// Scaffolding of the detection tests that build a small three-ring fleet by hand (1-second heartbeats): a
// release's `started` record, the devices of each ring with their region and heartbeat phase, and the
// envelopes in receipt order (ties in the order they were written).
import type { AnyEnvelope } from '../../../common/contract/envelope.ts';
import type { Deployment } from '../../../common/contract/events.ts';

export const iso = (ms: number): string => new Date(ms).toISOString();

/** A canary of `canary` devices, then 200 early and 400 broad ones. */
export const threeRings = (canary: number) => [{ name: 'canary', devices: canary }, { name: 'early', devices: 200 }, { name: 'broad', devices: 400 }];

export interface RingDevice {
  id: string;
  ring: string;
  /** Index within its ring. */
  i: number;
  /** Alternating us / eu over the whole fleet. */
  region: string;
  /** Offset of its heartbeats within one interval, ms: spread over the fleet, never 0. */
  phase: number;
}

/** Every device of the rings, in ring order. */
export function* ringDevices(rings: { name: string; devices: number }[], heartbeatMs: number): Generator<RingDevice> {
  let index = 0;
  for (const ring of rings) {
    for (let i = 0; i < ring.devices; i++, index++) {
      yield {
        id: `dev-${ring.name}-${i}`, ring: ring.name, i, region: index % 2 ? 'eu' : 'us',
        phase: Math.floor((((index * 7919) % 997) / 997) * (heartbeatMs - 2)) + 1,
      };
    }
  }
}

/** Envelopes as written; `sorted()` gives them in receipt order, ties kept in writing order. */
export class EnvelopeLog {
  private readonly out: { env: AnyEnvelope; seq: number }[] = [];

  push(env: AnyEnvelope): void {
    this.out.push({ env, seq: this.out.length });
  }

  /** The rollout record of `component@version` starting in `ring` at `atMs`. */
  started(component: string, version: string, ring: string, atMs: number, extra: Partial<Deployment> = {}): void {
    this.push({ v: 1, kind: 'deployment', receivedAt: iso(atMs), eventAt: iso(atMs), collectorId: 'col-release', event: {
      eventId: `dep-${component}-${ring}`, component, version, ring, action: 'started', at: iso(atMs), ...extra,
    } });
  }

  sorted(): AnyEnvelope[] {
    return [...this.out].sort((a, b) => Date.parse(a.env.receivedAt) - Date.parse(b.env.receivedAt) || a.seq - b.seq).map((x) => x.env);
  }
}
