// When ringwatch itself cannot judge (state not read back yet, behind on decisions, cut off from Kafka),
// the answer is a 200 `inconclusive` with the reason, not an HTTP error: Argo Rollouts pauses on an
// inconclusive measurement but counts errors toward consecutiveErrorLimit and then aborts every rollout
// in flight. Flagger hooks read the same answer as "carry on" (rollback hook) and "hold" (promotion
// gate). The handlers call this first and judge only when it returns undefined.
import type { Release } from '../../common/contract/decision.ts';
import type { DegradedReason, Health } from '../shell/health.ts';

export interface DegradedVerdict {
  verdict: 'inconclusive';
  reason: DegradedReason;
  degraded: true;
  release: Release;
  ring: string | null;
  decidedAt: null;
  windowEnd: null;
  incidentIds: string[];
  evidence: unknown[];
}

export function degradedVerdict(h: Health, release: Release, ring: string | undefined, count?: (reason: DegradedReason) => void): DegradedVerdict | undefined {
  if (h.ok) return undefined;
  count?.(h.reason);
  return { verdict: 'inconclusive', reason: h.reason, degraded: true, release, ring: ring ?? null, decidedAt: null, windowEnd: null, incidentIds: [], evidence: [] };
}
