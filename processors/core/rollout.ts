// The rollout feed: which release started in which ring when. A window is judged with the deployment
// events received before its end only, so a decision depends on the data, not on when the judge read it.
import type { Envelope } from '../../common/contract/envelope.ts';
import type { DeploymentAction } from '../../common/contract/events.ts';
import { releaseKey, type Release } from '../../common/contract/decision.ts';
import { timestampMs } from '../../common/contract/formats.ts';

interface RolloutEvent {
  eventId: string;
  action: DeploymentAction;
  /** Release-tool time, clamped to receipt by the collector (and here). */
  atMs: number;
  receivedMs: number;
  downtimeMs: number;
}

export interface RingRollout {
  release: Release;
  ring: string;
  startedAt: number;
  /** Last action as of the window's end. */
  status: DeploymentAction;
  endedAt?: number;
  /** The start's `expectedDowntimeSecs`, ms: an exposed device's silence counts only after this much more. */
  downtimeMs?: number;
  /** Set when `downtimeMs` was inferred, not declared: the devices seen back on a new boot running it (release-restarts.ts). */
  restartedDevices?: number;
}

const ENDED: ReadonlySet<DeploymentAction> = new Set(['completed', 'halted', 'rolled_back']);

export class RolloutFeed {
  private readonly releases = new Map<string, { release: Release; rings: Map<string, RolloutEvent[]> }>();
  private readonly seen = new Set<string>();

  add(env: Envelope<'deployment'>): boolean {
    const e = env.event;
    if (this.seen.has(e.eventId)) return false;
    this.seen.add(e.eventId);
    const receivedMs = timestampMs(env.receivedAt);
    const atMs = Math.min(receivedMs, timestampMs(env.eventAt ?? e.at));
    const key = releaseKey(e);
    let r = this.releases.get(key);
    if (!r) this.releases.set(key, (r = { release: { component: e.component, version: e.version }, rings: new Map() }));
    let events = r.rings.get(e.ring);
    if (!events) r.rings.set(e.ring, (events = []));
    events.push({ eventId: e.eventId, action: e.action, atMs, receivedMs, downtimeMs: (e.expectedDowntimeSecs ?? 0) * 1000 });
    events.sort((x, y) => x.atMs - y.atMs || x.receivedMs - y.receivedMs || (x.eventId < y.eventId ? -1 : 1));
    return true;
  }

  /** Every (release, ring) whose rollout had started as of `endMs` (events received before it only). */
  startedAsOf(endMs: number): RingRollout[] {
    const out: RingRollout[] = [];
    for (const { release, rings } of this.releases.values()) {
      for (const [ring, events] of rings) {
        const known = events.filter((e) => e.receivedMs < endMs && e.atMs < endMs);
        const start = known.find((e) => e.action === 'started');
        if (!start) continue;
        const last = known[known.length - 1];
        out.push({ release, ring, startedAt: start.atMs, status: last.action, endedAt: ENDED.has(last.action) ? last.atMs : undefined, downtimeMs: start.downtimeMs });
      }
    }
    return out;
  }

  /** Forget releases whose every ring started before `beforeMs` (bounded memory). */
  prune(beforeMs: number): void {
    for (const [key, r] of this.releases) {
      const newest = Math.max(...[...r.rings.values()].flat().map((e) => e.atMs));
      if (newest < beforeMs) {
        for (const e of [...r.rings.values()].flat()) this.seen.delete(e.eventId);
        this.releases.delete(key);
      }
    }
  }
}

/** Rollouts being judged at a window's end: started, not too old, not ended too long ago. */
export function judgedRollouts(all: RingRollout[], endMs: number, afterEndMs: number, maxAgeMs: number): RingRollout[] {
  return all.filter((r) => endMs - r.startedAt <= maxAgeMs && (r.endedAt === undefined || endMs - r.endedAt <= afterEndMs));
}
