// Incidents and pipeline gaps as the board shows them, pure: what, since when, on which rings, with the
// timeline the board history kept (opened, spread to a ring, halts, resolved).
import type { Release } from '../../common/contract/decision.ts';
import type { Incident } from '../core/model.ts';
import { gapScopeKey } from '../core/incidents.ts';
import type { TimelineEvent } from './history.ts';
import type { BoardSource } from './source.ts';

export interface IncidentView {
  id: string;
  kind: Incident['kind'];
  status: Incident['status'];
  severity: string;
  episode: number;
  release?: Release;
  /** For pipeline gaps: the region / collector that went quiet. */
  scope?: string;
  rings: string[];
  lastRing: string;
  summary: string;
  openedAt: string;
  updatedAt: string;
  resolvedAt?: string;
  failingCells: string[];
  timeline: TimelineEvent[];
}

export function incidentView(i: Incident, src: Pick<BoardSource, 'history'>): IncidentView {
  const timeline = src.history.timeline(i.id);
  return {
    id: i.id, kind: i.kind, status: i.status, severity: i.severity, episode: i.episode,
    ...(i.release ? { release: i.release } : {}), ...(i.scope ? { scope: gapScopeKey(i.scope) } : {}),
    rings: i.rings, lastRing: i.lastRing, summary: i.summary, openedAt: i.openedAt, updatedAt: i.updatedAt,
    ...(i.resolvedAt ? { resolvedAt: i.resolvedAt } : {}), failingCells: i.failingCells,
    timeline: timeline.length ? timeline : [{ at: i.openedAt, event: 'opened', ring: i.rings[0], summary: i.summary }],
  };
}

/** Matching incidents, open before resolved, the most recently changed first. */
export function incidentViews(src: Pick<BoardSource, 'incidents' | 'history'>, keep: (i: Incident) => boolean): IncidentView[] {
  return src.incidents.filter(keep)
    .sort((a, b) => Number(a.status === 'resolved') - Number(b.status === 'resolved') || (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0))
    .map((i) => incidentView(i, src));
}
