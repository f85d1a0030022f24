// The verdict table: per (release, ring), combine the latest decision of every (signal, layer) cell.
// Any failing cell -> fail; else anything inconclusive, missing, stale or gapped -> inconclusive; else pass.
// Missing data never means pass, and a telemetry gap never means fail.
import type { Evidence, Release, Verdict } from '../../common/contract/decision.ts';
import type { CellState, ReleaseRing } from './model.ts';

/** Why a verdict is what it is (closed set; the API and docs list it). */
export const VERDICT_REASONS = ['failed', 'passed', 'inconclusive', 'no_data', 'stale', 'pipeline_gap'] as const;
export type VerdictReason = (typeof VERDICT_REASONS)[number];

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
}

export function releaseRingVerdict(release: Release, ring: string, rr: ReleaseRing | undefined, ctx: VerdictContext): VerdictView {
  const entries = Object.entries(rr?.cells ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const base = { release, ring, incidentIds: [] as string[], cells: entries.map(([k, c]) => cellView(k, c)) };
  if (!entries.length) return { ...base, verdict: 'inconclusive', reason: 'no_data' };
  const cells = entries.map(([, c]) => c);
  const newest = cells.reduce((a, b) => (b.windowEndMs > a.windowEndMs ? b : a));
  const timing = { decidedAt: newest.latest.decidedAt, windowEnd: newest.latest.windowEnd };
  const incidentIds = [...new Set(cells.map((c) => c.incidentId).filter((id): id is string => !!id))];
  const combined = cells.map(cellVerdict).reduce(worseVerdict);
  const view = { ...base, ...timing, incidentIds };
  if (combined === 'fail') return { ...view, verdict: 'fail', reason: 'failed' };
  if (combined === 'inconclusive') return { ...view, verdict: 'inconclusive', reason: 'inconclusive' };
  if (ctx.gapOpen) return { ...view, verdict: 'inconclusive', reason: 'pipeline_gap' };
  if (ctx.now - newest.windowEndMs > ctx.staleAfterMs) return { ...view, verdict: 'inconclusive', reason: 'stale' };
  return { ...view, verdict: 'pass', reason: 'passed' };
}
