// The alerter's pure core: decisions and the clock in; verdicts, incidents, halt signals and the list of
// state keys that changed out. No I/O: the role persists the changed keys and delivers the notices.
import type { Decision, Release, Severity } from '../../common/contract/decision.ts';
import { releaseKey } from '../../common/contract/decision.ts';
import { STATE_KEYS } from '../../common/contract/alerter-state.ts';
import { applyToCell, clearCell, type CellStep } from './hysteresis.ts';
import { digestOf } from './evidence.ts';
import { windowEndMs, windowStartMs, ALL_RINGS } from '../../common/contract/decision.ts';
import { changeIncidentId, gapIncidentId, gapScopeKey, noteCleared, noteFailure, noticeId, releaseIncidentId, type FailureInput, type IncidentStep } from './incidents.ts';
import type { CellState, GapState, Incident, Notice, ReleaseRing } from './model.ts';
import { isFailing, releaseRingVerdict, type VerdictView } from './verdicts.ts';
import { haltSignal } from './halts.ts';
import type { AlertingSettings } from '../config.ts';

export interface CoreOptions {
  resolveAfterWindows: number;
  staleAfterMs: number;
  gapQuietMs: number;
  retentionMs: number;
  maxReleaseRings: number;
  maxEvidenceBytes: number;
  regressionSeverity: Severity;
  pipelineGapSeverity: Severity;
}

export type DecisionOutcome = 'applied' | 'duplicate' | 'stale';

export interface Effects {
  /** Store keys whose value changed (or vanished): persist them before acknowledging the input. */
  dirty: Set<string>;
  notices: Notice[];
  outcomes: Record<DecisionOutcome, number>;
  evicted: number;
}

export const storeKey = {
  releaseRing: (r: Release, ring: string) => `${STATE_KEYS.releaseRing}${releaseKey(r)}|${ring}`,
  gap: (g: Pick<GapState, 'scope' | 'ring'>) => `${STATE_KEYS.gap}${gapScopeKey(g.scope)}|${g.ring}`,
  change: (ring: string, signal: string) => `${STATE_KEYS.change}${ring}|${signal}`,
  incident: (id: string) => `${STATE_KEYS.incident}${id}`,
};

/** Which incident a cell's failure belongs to, and how to describe it (the decision comes from the step). */
type IncidentTarget = Omit<FailureInput, 'digest' | 'now'> & { now: number };

const emptyEffects = (): Effects => ({ dirty: new Set(), notices: [], outcomes: { applied: 0, duplicate: 0, stale: 0 }, evicted: 0 });
const iso = (ms: number) => new Date(ms).toISOString();

export class AlerterCore {
  readonly releaseRings = new Map<string, ReleaseRing>();
  readonly gaps = new Map<string, GapState>();
  readonly incidents = new Map<string, Incident>();
  /** Unattributed changes per ring and signal (keyed like the store). */
  readonly changes = new Map<string, GapState>();
  private readonly o: CoreOptions;

  constructor(options: CoreOptions) {
    this.o = options;
  }

  apply(decisions: readonly Decision[], now: number): Effects {
    const fx = emptyEffects();
    for (const d of decisions) {
      const outcome = d.kind === 'pipeline_gap' ? this.applyGap(d, now, fx)
        : d.kind === 'unattributed_change' ? this.applyChange(d, now, fx) : this.applyRelease(d, now, fx);
      fx.outcomes[outcome]++;
    }
    this.enforceCap(fx);
    return fx;
  }

  /** Time-based rules: quiet gaps end, old state is forgotten. */
  tick(now: number): Effects {
    const fx = emptyEffects();
    for (const [key, g] of this.gaps) {
      if (g.cell.failing && now - g.cell.windowEndMs > this.o.gapQuietMs) {
        const incidentId = g.cell.incidentId;
        this.gaps.set(key, { ...g, cell: clearCell(g.cell) });
        fx.dirty.add(key);
        if (incidentId) this.clearIncidentCell(incidentId, `${g.ring}|gap`, now, fx);
      } else if (!g.cell.failing && now - g.cell.windowEndMs > this.o.retentionMs) {
        this.forget(this.gaps, key, fx);
      }
    }
    for (const [key, c] of this.changes) {
      if (!c.cell.failing && now - c.cell.windowEndMs > this.o.retentionMs) this.forget(this.changes, key, fx);
    }
    for (const [key, rr] of this.releaseRings) {
      if (now - newestWindowEnd(rr) > this.o.retentionMs) this.forget(this.releaseRings, key, fx);
    }
    for (const [id, i] of this.incidents) {
      if (i.status === 'resolved' && now - Date.parse(i.updatedAt) > this.o.retentionMs) this.forget(this.incidents, storeKey.incident(id), fx, id);
    }
    return fx;
  }

  verdict(release: Release, ring: string, now: number, failing = this.failingRings()): VerdictView {
    const rr = this.releaseRings.get(storeKey.releaseRing(release, ring));
    return releaseRingVerdict(release, ring, rr, {
      now, staleAfterMs: this.o.staleAfterMs, gapOpen: this.gapOpen(ring), failingRings: failing.get(releaseKey(release)) ?? [],
    });
  }

  /** Every tracked (release, ring), optionally filtered. */
  verdicts(now: number, filter: { component?: string; version?: string; ring?: string } = {}): VerdictView[] {
    const out: VerdictView[] = [];
    const failing = this.failingRings();
    for (const rr of this.releaseRings.values()) {
      if (filter.component !== undefined && rr.release.component !== filter.component) continue;
      if (filter.version !== undefined && rr.release.version !== filter.version) continue;
      if (filter.ring !== undefined && rr.ring !== filter.ring) continue;
      out.push(this.verdict(rr.release, rr.ring, now, failing));
    }
    return out;
  }

  /** Per release, the rings it is failing on: one release, one fate (every ring reads fail). */
  failingRings(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const rr of this.releaseRings.values()) {
      if (!isFailing(rr)) continue;
      const key = releaseKey(rr.release);
      out.set(key, [...(out.get(key) ?? []), rr.ring].sort());
    }
    return out;
  }

  gapOpen(ring: string): boolean {
    for (const g of this.gaps.values()) if (g.cell.failing && (g.ring === ALL_RINGS || g.ring === ring)) return true;
    return false;
  }

  openIncidents(): Incident[] {
    return [...this.incidents.values()].filter((i) => i.status === 'open');
  }

  /** The JSON a store key holds now (undefined: deleted). */
  storeValue(key: string): unknown {
    if (key.startsWith(STATE_KEYS.releaseRing)) return this.releaseRings.get(key);
    if (key.startsWith(STATE_KEYS.gap)) return this.gaps.get(key);
    if (key.startsWith(STATE_KEYS.change)) return this.changes.get(key);
    if (key.startsWith(STATE_KEYS.incident)) return this.incidents.get(key.slice(STATE_KEYS.incident.length));
    return undefined;
  }

  /** Load state read back from the incidents topic (latest value per key). Unknown keys are ignored. */
  restore(key: string, value: unknown): boolean {
    if (key.startsWith(STATE_KEYS.releaseRing)) this.releaseRings.set(key, value as ReleaseRing);
    else if (key.startsWith(STATE_KEYS.gap)) this.gaps.set(key, value as GapState);
    else if (key.startsWith(STATE_KEYS.change)) this.changes.set(key, value as GapState);
    else if (key.startsWith(STATE_KEYS.incident)) this.incidents.set(key.slice(STATE_KEYS.incident.length), value as Incident);
    else return false;
    return true;
  }

  /** Forget a key that was deleted on the incidents topic (a standby follows the active replica's writes). */
  drop(key: string): void {
    if (key.startsWith('rr|')) this.releaseRings.delete(key);
    else if (key.startsWith('gap|')) this.gaps.delete(key);
    else if (key.startsWith('incident|')) this.incidents.delete(key.slice('incident|'.length));
  }

  private applyRelease(d: Decision, now: number, fx: Effects): DecisionOutcome {
    const release = d.release as Release;
    const key = storeKey.releaseRing(release, d.ring);
    const rr = this.releaseRings.get(key) ?? { release, ring: d.ring, cells: {}, halted: false, haltCount: 0 };
    const cellKey = `${d.signal ?? ''}|${d.layer}`;
    const before = rr.cells[cellKey];
    // The completeness layer speaks about data, never about the release: it cannot fail one.
    const fails = d.verdict === 'fail' && d.layer !== 'completeness';
    const step = this.step(before, d, fails, d.verdict === 'pass');
    if (step.outcome !== 'applied') return step.outcome;
    const kind = d.layer === 'catastrophe' ? 'catastrophe' : 'regression';
    const incidentId = before?.incidentId ?? this.incidentFor(kind, release);
    const severity = kind === 'catastrophe' ? 'critical' : this.o.regressionSeverity;
    const cell = this.followIncident(step, { id: incidentId, kind, release, ring: d.ring, cellKey: `${d.ring}|${cellKey}`, severity, now }, before?.incidentId, fx);
    const next: ReleaseRing = { ...rr, cells: { ...rr.cells, [cellKey]: cell } };
    const failing = isFailing(next);
    if (failing && !next.halted) {
      next.halted = true;
      next.haltCount += 1;
      const signal = haltSignal(next, iso(now));
      fx.notices.push({ id: signal.id, type: 'signal.halt', signal });
    } else if (!failing && next.halted) {
      next.halted = false;
    }
    this.releaseRings.set(key, next);
    fx.dirty.add(key);
    return 'applied';
  }

  private applyGap(d: Decision, now: number, fx: Effects): DecisionOutcome {
    const scope = d.scope ?? {};
    const ring = d.ring === '' ? ALL_RINGS : d.ring;
    const key = storeKey.gap({ scope, ring });
    const before = this.gaps.get(key)?.cell;
    // For a gap decision, anything but 'pass' means the gap is still there. Processors send one 'pass'
    // when the data is complete again: that ends the gap at once (their own judgement, no hysteresis).
    const step = this.step(before, d, d.verdict !== 'pass', d.verdict === 'pass', 1);
    if (step.outcome !== 'applied') return step.outcome;
    const failure = { id: gapIncidentId(scope), kind: 'pipeline_gap' as const, scope, ring, cellKey: `${ring}|gap`, severity: this.o.pipelineGapSeverity, now };
    const cell = this.followIncident(step, failure, before?.incidentId, fx);
    this.gaps.set(key, { scope, ring, cell });
    fx.dirty.add(key);
    return 'applied';
  }

  /** An unattributed change pages like a gap does (to the release owners' default key), and never halts. */
  private applyChange(d: Decision, now: number, fx: Effects): DecisionOutcome {
    const key = storeKey.change(d.ring, d.signal ?? '');
    const before = this.changes.get(key)?.cell;
    const step = this.step(before, d, d.verdict !== 'pass', d.verdict === 'pass', 1);
    if (step.outcome !== 'applied') return step.outcome;
    const failure = { id: changeIncidentId(d.ring), kind: 'unattributed_change' as const, ring: d.ring, cellKey: `${d.ring}|${d.signal ?? ''}|change`, severity: 'critical' as const, now };
    const cell = this.followIncident(step, failure, before?.incidentId, fx);
    this.changes.set(key, { scope: {}, ring: d.ring, cell });
    fx.dirty.add(key);
    return 'applied';
  }

  private step(before: CellState | undefined, d: Decision, fails: boolean, passes: boolean,
    resolveAfter = this.o.resolveAfterWindows): CellStep {
    const input = { digest: digestOf(d, this.o.maxEvidenceBytes), windowStartMs: windowStartMs(d), windowEndMs: windowEndMs(d), fails, passes };
    return applyToCell(before, input, resolveAfter);
  }

  /** Opens / updates the cell's incident while it fails, and clears the cell from it when it recovers. */
  private followIncident(step: CellStep, f: IncidentTarget, previousIncidentId: string | undefined, fx: Effects): CellState {
    if (step.change === 'started_failing' || step.change === 'still_failing') {
      this.record(noteFailure(this.incidents.get(f.id), { ...f, digest: step.cell.latest, now: iso(f.now) }), fx);
      return { ...step.cell, incidentId: f.id };
    }
    if (step.change === 'cleared' && previousIncidentId) this.clearIncidentCell(previousIncidentId, f.cellKey, f.now, fx);
    return step.cell;
  }

  /** A slow regression of a release already in a catastrophe incident joins it: one release, one page. */
  private incidentFor(kind: 'catastrophe' | 'regression', release: Release): string {
    const catastrophe = releaseIncidentId('catastrophe', release);
    if (kind === 'regression' && this.incidents.get(catastrophe)?.status === 'open') return catastrophe;
    return releaseIncidentId(kind, release);
  }

  private clearIncidentCell(incidentId: string, cellKey: string, now: number, fx: Effects): void {
    const incident = this.incidents.get(incidentId);
    if (incident) this.record(noteCleared(incident, cellKey, iso(now)), fx);
  }

  private record(step: IncidentStep, fx: Effects): void {
    this.incidents.set(step.incident.id, step.incident);
    fx.dirty.add(storeKey.incident(step.incident.id));
    if (step.event === 'silent') return;
    const type = `incident.${step.event}` as const;
    fx.notices.push({ id: noticeId(type, step.incident), type, incident: step.incident });
  }

  private enforceCap(fx: Effects): void {
    const excess = this.releaseRings.size - this.o.maxReleaseRings;
    if (excess <= 0) return;
    const oldest = [...this.releaseRings].sort(([, a], [, b]) => newestWindowEnd(a) - newestWindowEnd(b)).slice(0, excess);
    for (const [key] of oldest) this.forget(this.releaseRings, key, fx);
    fx.evicted += excess;
  }

  private forget<V>(map: Map<string, V>, storeKeyOf: string, fx: Effects, mapKey = storeKeyOf): void {
    map.delete(mapKey);
    fx.dirty.add(storeKeyOf);
  }
}

const newestWindowEnd = (rr: ReleaseRing): number => Math.max(0, ...Object.values(rr.cells).map((c) => c.windowEndMs));

/** The alerter's pure core, set up from its configuration section (also used by in-process replays). */
export function alerterCoreFor(s: AlertingSettings): AlerterCore {
  return new AlerterCore({
    resolveAfterWindows: s.resolve_after_windows, staleAfterMs: s.verdict_stale_after_secs * 1000,
    gapQuietMs: s.gap_quiet_secs * 1000, retentionMs: s.release_retention_secs * 1000,
    maxReleaseRings: s.max_tracked_release_rings, maxEvidenceBytes: s.max_evidence_bytes,
    regressionSeverity: s.regression_severity, pipelineGapSeverity: s.pipeline_gap_severity,
  });
}
