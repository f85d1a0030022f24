// Incident lifecycle, pure: one incident per failing release and failure kind (or per gap scope), grouped
// across rings and windows. open -> updated (a new ring) -> resolved (every failing cell cleared, which
// already took `resolve_after_windows` passing windows). A release that fails again opens a new episode.
import type { Release, Severity } from '../../common/contract/decision.ts';
import { releaseKey } from '../../common/contract/decision.ts';
import type { DecisionDigest, GapScope, Incident, IncidentKind } from './model.ts';

export const releaseIncidentId = (kind: 'catastrophe' | 'regression', release: Release): string => `${kind}|${releaseKey(release)}`;
export const gapScopeKey = (scope: GapScope): string => `${scope.region ?? ''}/${scope.collectorId ?? ''}`;
export const gapIncidentId = (scope: GapScope): string => `pipeline_gap|${gapScopeKey(scope)}`;
export const changeIncidentId = (ring: string): string => `unattributed_change|${ring}`;

export interface FailureInput {
  id: string;
  kind: IncidentKind;
  release?: Release;
  scope?: GapScope;
  ring: string;
  cellKey: string;
  digest: DecisionDigest;
  severity: Severity;
  now: string;
}

export type IncidentEvent = 'opened' | 'updated' | 'resolved' | 'silent';

export interface IncidentStep {
  incident: Incident;
  event: IncidentEvent;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2, critical: 3 };
const worse = (a: Severity, b: Severity): Severity => (SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b);

export function noteFailure(existing: Incident | undefined, f: FailureInput): IncidentStep {
  if (!existing || existing.status === 'resolved') {
    return {
      event: 'opened',
      incident: {
        id: f.id, kind: f.kind, status: 'open', episode: (existing?.episode ?? 0) + 1, revision: 1,
        ...(f.release ? { release: f.release } : {}), ...(f.scope ? { scope: f.scope } : {}),
        rings: [f.ring], failingCells: [f.cellKey], severity: f.severity, summary: f.digest.summary,
        openedAt: f.now, updatedAt: f.now, firstDecisionId: f.digest.id, last: f.digest, lastRing: f.ring,
      },
    };
  }
  const newRing = !existing.rings.includes(f.ring);
  const incident: Incident = {
    ...existing,
    rings: newRing ? [...existing.rings, f.ring] : existing.rings,
    failingCells: existing.failingCells.includes(f.cellKey) ? existing.failingCells : [...existing.failingCells, f.cellKey],
    severity: worse(existing.severity, f.severity),
    summary: f.digest.summary,
    updatedAt: f.now,
    last: f.digest,
    lastRing: f.ring,
    revision: existing.revision + (newRing ? 1 : 0),
  };
  // Spreading to another ring is news for responders; another failing window on a known ring is not.
  return { incident, event: newRing ? 'updated' : 'silent' };
}

export function noteCleared(existing: Incident, cellKey: string, now: string): IncidentStep {
  const failingCells = existing.failingCells.filter((c) => c !== cellKey);
  if (existing.status !== 'open' || failingCells.length === existing.failingCells.length) {
    return { incident: existing, event: 'silent' };
  }
  if (failingCells.length) return { incident: { ...existing, failingCells, updatedAt: now }, event: 'silent' };
  return {
    incident: { ...existing, failingCells, status: 'resolved', resolvedAt: now, updatedAt: now, revision: existing.revision + 1 },
    event: 'resolved',
  };
}

/** One line a responder reads first (PagerDuty summary, webhook title). */
export function incidentTitle(i: Incident): string {
  const rings = i.rings.join(', ');
  const what = i.release ? releaseKey(i.release) : `telemetry from ${gapScopeKey(i.scope ?? {})}`;
  const head = i.kind === 'unattributed_change' ? `Unattributed change in ring ${rings} (no rollout record fits)`
    : i.kind === 'catastrophe' ? `Release ${what} is breaking devices on ring ${rings}`
    : i.kind === 'regression' ? `Release ${what} regressed on ring ${rings}`
      : `Telemetry gap: ${what} on ring ${rings} (pipeline, not a release)`;
  return i.status === 'resolved' ? `Resolved: ${head}` : `${head}: ${i.summary}`;
}

export const noticeId = (type: string, i: Incident): string => `${type}|${i.id}|${i.episode}|${i.revision}`;
