// The verdict table: per (release, ring), combine the latest decision of every (signal, layer) cell.
// One release, one fate: a release failing on any ring is `fail` on every ring, naming the failing rings.
// Otherwise any failing cell -> fail; else anything inconclusive, missing, stale or gapped -> inconclusive
// (with the processors' reason: soaking, insufficient_exposure, ...); else pass. Missing data never means
// pass, and a telemetry gap never means fail.
import { RELEASE_REASONS, type Evidence, type Release, type Verdict } from '../../common/contract/decision.ts';
import type { CellState, ReleaseRing } from './model.ts';

/** Why a verdict is what it is (closed set; the API and docs list it). */
export const VERDICT_REASONS = [...RELEASE_REASONS, 'inconclusive', 'no_data', 'stale'] as const;
export type VerdictReason = (typeof VERDICT_REASONS)[number];

/**
 * Which inconclusive reason a release engineer reads first when several cells disagree: what blocks the
 * release for reasons outside it, then what is missing, then what only needs time.
 */
const REASON_ORDER: VerdictReason[] = [
  'pipeline_gap', 'unattributed_change', 'attributed_elsewhere', 'no_control', 'insufficient_exposure', 'soaking',
  'insufficient_power', 'bound_above_limit', 'confirming', 'inconclusive',
];
const reasonOf = (c: CellState): VerdictReason => {
  const r = c.latest.evidence.reason;
  return typeof r === 'string' && (REASON_ORDER as string[]).includes(r) ? (r as VerdictReason) : 'inconclusive';
};

export interface CellView {
  signal: string;
  layer: string;
  verdict: Verdict;
  failing: boolean;
  decisionId: string;
  summary: string;
  windowStart: string;
  windowEnd: string;
  evidence: Evidence;
}

export interface VerdictView {
  verdict: Verdict;
  reason: VerdictReason;
  release: Release;
  ring: string;
  /** When the newest decision behind this verdict was made (absent without data). */
  decidedAt?: string;
  windowEnd?: string;
  incidentIds: string[];
  /** Rings the release is failing on (one release, one fate); empty unless the verdict is fail. */
  failedRings: string[];
  /** One line: why (the deciding cell's summary; for a pass, the bounds it rests on). */
  explanation?: string;
  cells: CellView[];
}

/** A 'fail' that did not make the cell fail (the completeness layer speaks about data) reads inconclusive. */
export const cellVerdict = (c: CellState): Verdict => (c.failing ? 'fail' : c.latest.verdict === 'fail' ? 'inconclusive' : c.latest.verdict);

export const isFailing = (rr: ReleaseRing | undefined): boolean =>
  !!rr && Object.values(rr.cells).some((c) => c.failing);

const VERDICT_RANK: Record<Verdict, number> = { pass: 0, inconclusive: 1, fail: 2 };
export const worseVerdict = (a: Verdict, b: Verdict): Verdict => (VERDICT_RANK[a] >= VERDICT_RANK[b] ? a : b);

function cellView(key: string, c: CellState): CellView {
  const [signal, layer] = key.split('|');
  return {
    signal, layer, verdict: cellVerdict(c), failing: c.failing, decisionId: c.latest.id, summary: c.latest.summary,
    windowStart: c.latest.windowStart, windowEnd: c.latest.windowEnd, evidence: c.latest.evidence,
  };
}

export interface VerdictContext {
  now: number;
  staleAfterMs: number;
  /** A telemetry gap is open on this ring (or on every ring). */
  gapOpen: boolean;
  /** Rings where this release is failing (its own ring included when it fails there). */
  failingRings: string[];
}

export function releaseRingVerdict(release: Release, ring: string, rr: ReleaseRing | undefined, ctx: VerdictContext): VerdictView {
  const entries = Object.entries(rr?.cells ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const base = { release, ring, incidentIds: [] as string[], failedRings: [] as string[], cells: entries.map(([k, c]) => cellView(k, c)) };
  const failedElsewhere = ctx.failingRings.filter((r) => r !== ring);
  const oneFate = (view: typeof base) => ({
    ...view, verdict: 'fail' as const, reason: 'failed_on_other_ring' as const, failedRings: ctx.failingRings,
    explanation: `${release.component}@${release.version} failed on ring ${failedElsewhere.join(', ')}: one release, one fate`,
  });
  if (!entries.length) return failedElsewhere.length ? oneFate(base) : { ...base, verdict: 'inconclusive', reason: 'no_data' };
  const cells = entries.map(([, c]) => c);
  const newest = cells.reduce((a, b) => (b.windowEndMs > a.windowEndMs ? b : a));
  const timing = { decidedAt: newest.latest.decidedAt, windowEnd: newest.latest.windowEnd };
  const incidentIds = [...new Set(cells.map((c) => c.incidentId).filter((id): id is string => !!id))];
  const combined = cells.map(cellVerdict).reduce(worseVerdict);
  const view = { ...base, ...timing, incidentIds };
  if (combined === 'fail') {
    const failing = cells.find((c) => c.failing);
    return { ...view, verdict: 'fail', reason: 'failed', failedRings: ctx.failingRings.includes(ring) ? ctx.failingRings : [ring, ...ctx.failingRings], explanation: failing?.latest.summary };
  }
  if (failedElsewhere.length) return oneFate(view);
  if (combined === 'inconclusive') {
    const open = cells.filter((c) => cellVerdict(c) === 'inconclusive');
    const first = open.sort((a, b) => REASON_ORDER.indexOf(reasonOf(a)) - REASON_ORDER.indexOf(reasonOf(b)))[0];
    return { ...view, verdict: 'inconclusive', reason: reasonOf(first), explanation: first.latest.summary };
  }
  if (ctx.gapOpen) return { ...view, verdict: 'inconclusive', reason: 'pipeline_gap' };
  if (ctx.now - newest.windowEndMs > ctx.staleAfterMs) return { ...view, verdict: 'inconclusive', reason: 'stale' };
  const earned = cells.filter((c) => c.latest.layer === 'gate').map((c) => c.latest.summary);
  return { ...view, verdict: 'pass', reason: 'passed', explanation: earned.join(' | ') || undefined };
}
