// What the board charts and the core does not keep: per (release, ring), the exposed and control counts of
// every window (per signal), the halts, and per incident its timeline. Plain in-memory state fed from the
// decisions and notices the alerter applies (and seeded from the state it reads back at start, which holds
// only each cell's latest window). No I/O. Bounded: windows per (release, ring) (older ones pooled two into
// one when full), (release, ring) histories (least recently decided dropped), events per incident.
import type { Decision, Evidence, Layer, Release, Signal, Verdict } from '../../common/contract/decision.ts';
import { releaseKey } from '../../common/contract/decision.ts';
import type { HaltSignal, Incident, Notice, ReleaseRing } from '../core/model.ts';
import { worseVerdict } from '../core/verdicts.ts';

/** Exposed and affected devices of both sides of a comparison, in one window. */
export interface SideCounts {
  updatedExposed: number;
  updatedAffected: number;
  controlExposed: number;
  controlAffected: number;
}

export interface WindowPoint {
  startMs: number;
  endMs: number;
  /** How many decided windows this point pools (1: as decided). */
  span: number;
  /** Worst verdict of any decision of this window (the completeness layer's 'fail' reads inconclusive). */
  verdict: Verdict;
  signals: Partial<Record<Signal, SideCounts & { layer: Layer }>>;
}

export interface HaltMark {
  id: string;
  at: string;
  reason: string;
}

export interface ReleaseRingHistory {
  release: Release;
  ring: string;
  /** When the release started on this ring (from the evidence's `startedAt`). */
  startedAt?: string;
  points: WindowPoint[];
  halts: HaltMark[];
}

export interface TimelineEvent {
  at: string;
  event: 'opened' | 'updated' | 'resolved' | 'halt';
  ring?: string;
  summary: string;
}

export interface HistoryLimits {
  windowsPerReleaseRing: number;
  releaseRings: number;
  eventsPerIncident: number;
}

const MAX_HALTS = 50;
/** Which layer's counts a chart shows when several layers spoke about one window: window counts first. */
const LAYER_PREFERENCE: Record<Layer, number> = { catastrophe: 3, gate: 2, baseline: 1, completeness: 0 };

const countsOf = (e: Evidence): SideCounts | undefined => {
  const u = e.updated;
  const c = e.control;
  if (!u || !c || typeof u.exposed !== 'number' || typeof c.exposed !== 'number') return undefined;
  return { updatedExposed: u.exposed, updatedAffected: Number(u.affected) || 0, controlExposed: c.exposed, controlAffected: Number(c.affected) || 0 };
};

function pool(a: WindowPoint, b: WindowPoint): WindowPoint {
  const signals: WindowPoint['signals'] = { ...a.signals };
  for (const [sig, s] of Object.entries(b.signals) as [Signal, SideCounts & { layer: Layer }][]) {
    const x = signals[sig];
    signals[sig] = x ? {
      layer: x.layer, updatedExposed: x.updatedExposed + s.updatedExposed, updatedAffected: x.updatedAffected + s.updatedAffected,
      controlExposed: x.controlExposed + s.controlExposed, controlAffected: x.controlAffected + s.controlAffected,
    } : s;
  }
  return { startMs: a.startMs, endMs: Math.max(a.endMs, b.endMs), span: a.span + b.span, verdict: worseVerdict(a.verdict, b.verdict), signals };
}

/** Pool neighbours two into one (ratios of summed counts, never averaged ratios). */
export function halve(points: WindowPoint[]): WindowPoint[] {
  const out: WindowPoint[] = [];
  for (let i = 0; i < points.length; i += 2) out.push(i + 1 < points.length ? pool(points[i], points[i + 1]) : points[i]);
  return out;
}

/** Pool consecutive points so that at most `max` remain (for drawing). */
export function sample(points: WindowPoint[], max: number): WindowPoint[] {
  if (points.length <= max) return points;
  const per = Math.ceil(points.length / max);
  const out: WindowPoint[] = [];
  for (let i = 0; i < points.length; i += per) out.push(points.slice(i, i + per).reduce(pool));
  return out;
}

export interface WindowInput {
  release: Release;
  ring: string;
  signal?: Signal;
  layer: Layer;
  verdict: Verdict;
  windowStart: string;
  windowEnd: string;
  evidence: Evidence;
}

export class BoardHistory {
  private readonly limits: HistoryLimits;
  private readonly rings = new Map<string, ReleaseRingHistory>();
  private readonly timelines = new Map<string, TimelineEvent[]>();

  constructor(limits: HistoryLimits) {
    this.limits = limits;
  }

  get size(): number {
    return this.rings.size;
  }

  get(release: Release, ring: string): ReleaseRingHistory | undefined {
    return this.rings.get(`${releaseKey(release)}|${ring}`);
  }

  timeline(incidentId: string): TimelineEvent[] {
    return this.timelines.get(incidentId) ?? [];
  }

  /** Decisions as the alerter applies them (pipeline gaps have no release and are charted nowhere). */
  recordDecisions(decisions: Decision[]): void {
    for (const d of decisions) if (d.kind === 'release_verdict' && d.release) this.recordWindow({ ...d, release: d.release });
  }

  recordWindow(w: WindowInput): void {
    const h = this.touch(w.release, w.ring);
    const startMs = Date.parse(w.windowStart);
    const endMs = Date.parse(w.windowEnd);
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) return;
    if (typeof w.evidence.startedAt === 'string' && !h.startedAt) h.startedAt = w.evidence.startedAt;
    const verdict: Verdict = w.layer === 'completeness' && w.verdict === 'fail' ? 'inconclusive' : w.verdict;
    const point = this.pointFor(h, startMs, endMs);
    if (!point) return; // older than the pooled part of the history: a replayed window, already counted
    point.verdict = worseVerdict(point.verdict, verdict);
    const counts = countsOf(w.evidence);
    if (!w.signal || !counts) return;
    const known = point.signals[w.signal];
    if (!known || LAYER_PREFERENCE[w.layer] >= LAYER_PREFERENCE[known.layer]) point.signals[w.signal] = { ...counts, layer: w.layer };
  }

  /** Notices as the alerter emits them: halts mark the chart, incident changes make the timeline. */
  recordNotices(notices: Notice[]): void {
    for (const n of notices) {
      if (n.type === 'signal.halt') this.recordHalt(n.signal);
      else this.recordIncident(n.incident, n.type === 'incident.opened' ? 'opened' : n.type === 'incident.updated' ? 'updated' : 'resolved');
    }
  }

  /** Seed from state read back at start: each cell's latest window, the incidents' opening and resolution. */
  seed(releaseRings: Iterable<ReleaseRing>, incidents: Iterable<Incident>): void {
    for (const rr of releaseRings) {
      const cells = Object.entries(rr.cells).sort(([, a], [, b]) => a.windowStartMs - b.windowStartMs);
      for (const [key, c] of cells) {
        const [signal] = key.split('|');
        this.recordWindow({ release: rr.release, ring: rr.ring, signal: (signal || undefined) as Signal | undefined, layer: c.latest.layer,
          verdict: c.failing ? 'fail' : c.latest.verdict, windowStart: c.latest.windowStart, windowEnd: c.latest.windowEnd, evidence: c.latest.evidence });
      }
    }
    for (const i of incidents) {
      if (this.timelines.has(i.id)) continue;
      this.push(i.id, { at: i.openedAt, event: 'opened', ring: i.rings[0], summary: i.summary });
      if (i.status === 'resolved' && i.resolvedAt) this.push(i.id, { at: i.resolvedAt, event: 'resolved', summary: 'every failing cell cleared' });
    }
  }

  private recordHalt(s: HaltSignal): void {
    const h = this.touch(s.release, s.ring);
    if (!h.halts.some((x) => x.id === s.id)) h.halts = [...h.halts, { id: s.id, at: s.at, reason: s.reason }].slice(-MAX_HALTS);
    if (s.incidentId) this.push(s.incidentId, { at: s.at, event: 'halt', ring: s.ring, summary: `halt signalled on ${s.ring} (${s.reason}${s.rollbackRecommended ? ', rollback recommended' : ''})` });
  }

  private recordIncident(i: Incident, event: 'opened' | 'updated' | 'resolved'): void {
    this.push(i.id, { at: i.updatedAt, event, ring: i.lastRing, summary: event === 'resolved' ? 'every failing cell cleared' : i.summary });
  }

  private push(incidentId: string, e: TimelineEvent): void {
    const list = this.timelines.get(incidentId) ?? [];
    list.push(e);
    if (list.length > this.limits.eventsPerIncident) list.splice(0, list.length - this.limits.eventsPerIncident);
    this.timelines.delete(incidentId);
    this.timelines.set(incidentId, list);
    // Incidents are bounded by the core's retention; the timelines by the same count as the histories.
    while (this.timelines.size > this.limits.releaseRings) this.timelines.delete(this.timelines.keys().next().value as string);
  }

  /** The history of (release, ring), made the most recently used; the least recently used goes beyond the cap. */
  private touch(release: Release, ring: string): ReleaseRingHistory {
    const key = `${releaseKey(release)}|${ring}`;
    const h = this.rings.get(key) ?? { release, ring, points: [], halts: [] };
    this.rings.delete(key);
    this.rings.set(key, h);
    while (this.rings.size > this.limits.releaseRings) this.rings.delete(this.rings.keys().next().value as string);
    return h;
  }

  private pointFor(h: ReleaseRingHistory, startMs: number, endMs: number): WindowPoint | undefined {
    const last = h.points.at(-1);
    if (!last || startMs > last.startMs) {
      if (last && startMs < last.endMs && last.span > 1) return undefined;
      const p: WindowPoint = { startMs, endMs, span: 1, verdict: 'pass', signals: {} };
      // Full: pool the older windows, never the new one (its other layers are still to come).
      if (h.points.length >= this.limits.windowsPerReleaseRing) h.points = halve(h.points);
      h.points.push(p);
      return p;
    }
    // Decisions of one release arrive in order, layers of one window together: search back a little.
    for (let i = h.points.length - 1; i >= 0; i--) {
      const p = h.points[i];
      if (p.span === 1 && p.startMs === startMs) return p;
      if (p.span > 1 && startMs >= p.startMs && startMs < p.endMs) return undefined;
      if (p.startMs < startMs) break;
    }
    return undefined;
  }
}
