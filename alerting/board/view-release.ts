// The view model of one release on one ring, pure: the verdict and its reason, a chart per signal of
// exposed vs control failure fraction per window (with the release's start and the halts marked), every
// cell's counts and statistic against its threshold, the attribution ranking, what `pass` still waits
// for, and the release's incidents. Also the overview of one release across its rings.
import type { AttributionCandidate, Release, Signal, Verdict } from '../../common/contract/decision.ts';
import { SIGNALS } from '../../common/contract/decision.ts';
import type { CellView, VerdictView } from '../core/verdicts.ts';
import { sample, type ReleaseRingHistory, type WindowPoint } from './history.ts';
import type { BoardSource } from './source.ts';
import { incidentViews, type IncidentView } from './view-incidents.ts';
import { releaseRows, startedAtOf, type ReleaseRow } from './view-list.ts';
import { waitingFor, type WaitItem } from './view-waiting.ts';

export interface ChartMark {
  /** Unix seconds. */
  x: number;
  label: string;
  kind: 'start' | 'halt' | 'failing_since';
}

export interface ChartRow {
  startMs: number;
  endMs: number;
  span: number;
  verdict: Verdict;
  updatedAffected: number;
  updatedExposed: number;
  controlAffected: number;
  controlExposed: number;
}

export interface ChartView {
  signal: Signal;
  /** Window starts, Unix seconds. */
  x: number[];
  /** Failure fraction in percent; null where a side had no exposed device. */
  exposed: (number | null)[];
  control: (number | null)[];
  marks: ChartMark[];
  rows: ChartRow[];
  /** Windows in the history before sampling. */
  windows: number;
  pooled: boolean;
}

export interface RingPageView {
  release: Release;
  ring: string;
  verdict: VerdictView;
  haltCount: number;
  startedAt?: string;
  charts: ChartView[];
  attribution: { candidates: AttributionCandidate[]; from?: string };
  waiting: WaitItem[];
  incidents: IncidentView[];
  /** The release's row (every ring it reached), for the ring navigation. */
  row?: ReleaseRow;
  origin: BoardSource['origin'];
  health: BoardSource['health'];
  now: number;
}

const pct = (affected: number, exposed: number): number | null => (exposed > 0 ? Math.round((10000 * affected) / exposed) / 100 : null);

function chartOf(signal: Signal, points: WindowPoint[], windows: number, marks: ChartMark[]): ChartView | undefined {
  const rows: ChartRow[] = [];
  for (const p of points) {
    const s = p.signals[signal];
    if (!s) continue;
    rows.push({ startMs: p.startMs, endMs: p.endMs, span: p.span, verdict: p.verdict, updatedAffected: s.updatedAffected, updatedExposed: s.updatedExposed, controlAffected: s.controlAffected, controlExposed: s.controlExposed });
  }
  if (!rows.length) return undefined;
  return {
    signal, rows, marks, windows, pooled: rows.some((r) => r.span > 1),
    x: rows.map((r) => Math.floor(r.startMs / 1000)),
    exposed: rows.map((r) => pct(r.updatedAffected, r.updatedExposed)),
    control: rows.map((r) => pct(r.controlAffected, r.controlExposed)),
  };
}

function marksOf(h: ReleaseRingHistory | undefined, v: VerdictView, startedAt: string | undefined): ChartMark[] {
  const marks: ChartMark[] = [];
  const secs = (iso: string) => Math.floor(Date.parse(iso) / 1000);
  if (startedAt && Number.isFinite(Date.parse(startedAt))) marks.push({ x: secs(startedAt), label: 'release started', kind: 'start' });
  for (const halt of h?.halts ?? []) marks.push({ x: secs(halt.at), label: `halt (${halt.reason})`, kind: 'halt' });
  if (!h?.halts.length) {
    // State read back at start has no halt times: the failing cell's own "failing since" stands in.
    const since = v.cells.find((c) => c.failing && typeof c.evidence.failedSince === 'string')?.evidence.failedSince as string | undefined;
    if (since && Number.isFinite(Date.parse(since))) marks.push({ x: secs(since), label: 'failing since', kind: 'failing_since' });
  }
  return marks;
}

/** The cell whose attribution explains the verdict: a failing one, else any with a ranking. */
function attributionOf(cells: CellView[]): RingPageView['attribution'] {
  const withRanking = (c: CellView) => Array.isArray(c.evidence.attribution) && c.evidence.attribution.length > 0;
  const cell = cells.find((c) => c.failing && withRanking(c)) ?? cells.find(withRanking);
  if (!cell) return { candidates: [] };
  // Evidence is only checked to be an object: keep the candidates that are objects themselves.
  const candidates = (cell.evidence.attribution as unknown[]).filter((c): c is AttributionCandidate => typeof c === 'object' && c !== null && !Array.isArray(c));
  return { candidates, from: `${cell.signal} / ${cell.layer}` };
}

export function ringPageView(src: BoardSource, release: Release, ring: string, o: { maxPoints: number }): RingPageView | undefined {
  const verdict = src.verdicts.find((v) => v.ring === ring && v.release.component === release.component && v.release.version === release.version);
  const h = src.history.get(release, ring);
  if (!verdict && !h) return undefined;
  const v: VerdictView = verdict ?? { verdict: 'inconclusive', reason: 'no_data', release, ring, incidentIds: [], failedRings: [], cells: [] };
  const startedAt = startedAtOf(v, h);
  const points = sample(h?.points ?? [], o.maxPoints);
  const marks = marksOf(h, v, startedAt);
  const charts = SIGNALS.map((s) => chartOf(s, points, h?.points.length ?? 0, marks)).filter((c): c is ChartView => !!c);
  const same = (r?: Release) => r?.component === release.component && r?.version === release.version;
  return {
    release, ring, verdict: v, haltCount: src.haltCount(release, ring), ...(startedAt ? { startedAt } : {}), charts,
    attribution: attributionOf(v.cells),
    waiting: waitingFor(v, src, h),
    incidents: incidentViews(src, (i) => same(i.release)),
    row: releaseRows({ ...src, verdicts: src.verdicts.filter((x) => same(x.release)) })[0],
    origin: src.origin, health: src.health, now: src.now,
  };
}

/** A release across its rings: its row; undefined for a release the board does not know. */
export function releaseView(src: BoardSource, release: Release): ReleaseRow | undefined {
  const same = (r: Release) => r.component === release.component && r.version === release.version;
  return releaseRows({ ...src, verdicts: src.verdicts.filter((x) => same(x.release)) })[0];
}
