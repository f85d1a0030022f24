// Per release, per device: when the device will pick the release up (or revert it), what it ran before,
// and whether it took it. Deployment events from the release tool schedule these; the model carries
// them out when the device is online. `received` is the blast radius.
import type { Deployment } from '../../common/contract/events.ts';
import type { Catalog } from './catalog.ts';
import { BOOT_LOOP, type Fleet } from './fleet.ts';
import type { Rng } from './rng.ts';
import type { ReleaseSpec, RolloutPlan } from './scenario-schema.ts';

export const OP_NONE = 0;
export const OP_APPLY = 1;
export const OP_REVERT = 2;

export interface ReleaseState {
  spec: ReleaseSpec;
  plan: RolloutPlan;
  component: number;
  version: number;
  pendingAt: Float64Array;
  pendingOp: Uint8Array;
  /** Version index the device ran before it applied this release. */
  previous: Uint8Array;
  received: Uint8Array;
  receivedByRing: number[];
  bootLoops: number;
  /** When each boot-looping device died (ms, in order): the true onset of a catastrophic release. */
  failedAtMs: number[];
  /** The ring index of each death, in the order of failedAtMs (a push to every ring dies in all of them). */
  failedRing: number[];
  reverted: number;
  firstReceivedAtMs: number | undefined;
}

export function createReleaseState(spec: ReleaseSpec, plan: RolloutPlan, catalog: Catalog, fleet: Fleet, rings: number): ReleaseState {
  const component = catalog.componentIndex(spec.component);
  const n = fleet.size;
  return {
    spec, plan, component, version: catalog.versionIndex(component, spec.version),
    pendingAt: new Float64Array(n).fill(Infinity), pendingOp: new Uint8Array(n), previous: new Uint8Array(n),
    received: new Uint8Array(n), receivedByRing: new Array<number>(rings).fill(0), bootLoops: 0, failedAtMs: [], failedRing: [], reverted: 0,
    firstReceivedAtMs: undefined,
  };
}

function cancelApplies(rel: ReleaseState, fleet: Fleet, ring: number | undefined): void {
  for (let i = 0; i < fleet.size; i++) {
    if (rel.pendingOp[i] === OP_APPLY && (ring === undefined || fleet.ring[i] === ring)) {
      rel.pendingOp[i] = OP_NONE;
      rel.pendingAt[i] = Infinity;
    }
  }
}

/** Schedule what a deployment event means for the devices: pick-ups on start, reverts on rollback. */
export function scheduleDeployment(rel: ReleaseState, dep: Deployment, atMs: number, ring: number, fleet: Fleet, catalog: Catalog, rng: Rng): void {
  if (dep.action === 'started') {
    const spreadMs = rel.plan.spread_secs * 1000;
    for (let i = 0; i < fleet.size; i++) {
      if (fleet.ring[i] !== ring || rel.received[i] || fleet.state[i] === BOOT_LOOP) continue;
      rel.pendingOp[i] = OP_APPLY;
      rel.pendingAt[i] = atMs + rng.next() * spreadMs;
    }
  } else if (dep.action === 'halted') {
    cancelApplies(rel, fleet, undefined);
  } else if (dep.action === 'rolled_back') {
    cancelApplies(rel, fleet, ring);
    const spreadMs = rel.plan.rollback_spread_secs * 1000;
    for (let i = 0; i < fleet.size; i++) {
      if (fleet.ring[i] !== ring || !rel.received[i] || fleet.state[i] === BOOT_LOOP) continue;
      if (catalog.combos[fleet.combo[i]].versions[rel.component] !== rel.version) continue;
      rel.pendingOp[i] = OP_REVERT;
      rel.pendingAt[i] = atMs + rng.next() * spreadMs;
    }
  }
}

/** Devices that received the release, per ring name and in total. */
export function exposureOf(rel: ReleaseState, ringNames: string[]): { total: number; byRing: Record<string, number> } {
  const byRing = Object.fromEntries(ringNames.map((r, k) => [r, rel.receivedByRing[k]]));
  return { total: rel.receivedByRing.reduce((s, x) => s + x, 0), byRing };
}
