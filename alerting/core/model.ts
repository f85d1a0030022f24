// The alerter's state as plain data: what is kept per (release, ring), per telemetry gap and per incident.
// Everything here is JSON as written to the compacted incidents topic, so a restart reads it back as is.
import type { Evidence, Layer, Release, Severity, Signal, Verdict } from '../../common/contract/decision.ts';
import type { HaltSignal } from '../../common/contract/signals.ts';

/** The part of a decision the alerter keeps (evidence already bounded). */
export interface DecisionDigest {
  id: string;
  verdict: Verdict;
  severity: Severity;
  layer: Layer;
  signal?: Signal;
  summary: string;
  evidence: Evidence;
  windowStart: string;
  windowEnd: string;
  decidedAt: string;
}

/** One (signal, layer) of a release on a ring, or one gap scope on a ring: its latest decision and hysteresis. */
export interface CellState {
  latest: DecisionDigest;
  windowStartMs: number;
  windowEndMs: number;
  /** Failing until `resolve_after_windows` consecutive passing windows. */
  failing: boolean;
  passStreak: number;
  /** The incident this cell's failure belongs to, while failing. */
  incidentId?: string;
}

export interface ReleaseRing {
  release: Release;
  ring: string;
  /** Keyed by `<signal>|<layer>`. */
  cells: Record<string, CellState>;
  /** A halt was signalled for the current failure; re-armed when the verdict stops being fail. */
  halted: boolean;
  haltCount: number;
}

export interface GapScope {
  region?: string;
  collectorId?: string;
}

export interface GapState {
  scope: GapScope;
  /** '*' for every ring. */
  ring: string;
  cell: CellState;
}

export const INCIDENT_KINDS = ['catastrophe', 'regression', 'pipeline_gap', 'unattributed_change'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export interface Incident {
  /** `<kind>|<component>@<version>` or `pipeline_gap|<region>/<collectorId>`. */
  id: string;
  kind: IncidentKind;
  status: 'open' | 'resolved';
  /** Counts openings: a release that fails again after resolving opens episode 2 (a new PagerDuty alert). */
  episode: number;
  /** Counts changes that were announced (opened / updated / resolved), for event ids. */
  revision: number;
  release?: Release;
  scope?: GapScope;
  rings: string[];
  /** Cells whose failure keeps it open: `<ring>|<signal>|<layer>`. */
  failingCells: string[];
  severity: Severity;
  summary: string;
  openedAt: string;
  updatedAt: string;
  resolvedAt?: string;
  /** Decision that opened this episode, and the latest failing one (with its evidence). */
  firstDecisionId: string;
  last: DecisionDigest;
  lastRing: string;
}

export type { HaltSignal };

/** Something to tell the outside world; routing turns it into deliveries. */
export type Notice =
  | { id: string; type: 'incident.opened' | 'incident.updated' | 'incident.resolved'; incident: Incident }
  | { id: string; type: 'signal.halt'; signal: HaltSignal };
