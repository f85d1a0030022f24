// The release list's view model, pure: one row per release in flight (rings reached in rollout order, the
// verdict of each with its reason, time since start, exposed devices, halts, blast radius at the first
// halt), failing first; plus open incidents and pipeline gaps with their timelines. Paginated.
import type { Release, Verdict } from '../../common/contract/decision.ts';
import { releaseKey } from '../../common/contract/decision.ts';
import type { VerdictView } from '../core/verdicts.ts';
import type { BoardSource } from './source.ts';
import type { ReleaseRingHistory } from './history.ts';
import { incidentViews, type IncidentView } from './view-incidents.ts';

export interface RingCellView {
  ring: string;
  verdict: Verdict;
  reason: string;
  summary: string;
  haltCount: number;
  exposed?: number;
}

export interface ReleaseRow {
  release: Release;
  verdict: Verdict;
  rings: RingCellView[];
  startedAt?: string;
  exposed: number;
  halts: number;
  /** Devices exposed on every ring reached when the first halt was signalled (from the chart history). */
  blastRadius?: number;
  newestWindowEnd?: string;
}

export interface ListView {
  rows: ReleaseRow[];
  total: number;
  page: number;
  pages: number;
  verdictFilter?: Verdict;
  counts: Record<Verdict, number>;
  incidents: IncidentView[];
  incidentsTotal: number;
  health: BoardSource['health'];
  origin: BoardSource['origin'];
  now: number;
}

const RANK: Record<Verdict, number> = { fail: 0, inconclusive: 1, pass: 2 };
/** Code-unit order (localeCompare's collation costs ~100x more and the names are ASCII identifiers). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Devices that took the release, as the latest evidence counts them (the largest over its cells). */
export function exposedOf(v: VerdictView): number | undefined {
  let best: number | undefined;
  for (const c of v.cells) {
    const n = c.evidence.updated?.exposed;
    if (typeof n === 'number' && (best === undefined || n > best)) best = n;
  }
  return best;
}

/** The most devices the release was seen on (the latest evidence, or more in an earlier window: silent devices drop out). */
export function mostExposed(v: VerdictView, h: ReleaseRingHistory | undefined): number | undefined {
  let best = exposedOf(v);
  for (const p of h?.points ?? []) {
    for (const s of Object.values(p.signals)) if (s && p.span === 1 && (best === undefined || s.updatedExposed > best)) best = s.updatedExposed;
  }
  return best;
}

/** When the release started on this ring: the evidence says it; else the first charted window. */
export function startedAtOf(v: VerdictView, h: ReleaseRingHistory | undefined): string | undefined {
  if (h?.startedAt) return h.startedAt;
  for (const c of v.cells) if (typeof c.evidence.startedAt === 'string') return c.evidence.startedAt;
  const first = h?.points[0];
  return first ? new Date(first.startMs).toISOString() : undefined;
}

/** Devices exposed on this ring at time t: the largest count of the window holding t (or the last before it). */
export function exposedAt(h: ReleaseRingHistory | undefined, t: number): number {
  let n = 0;
  for (const p of h?.points ?? []) {
    if (p.startMs > t) break;
    n = Math.max(0, ...Object.values(p.signals).map((s) => s?.updatedExposed ?? 0));
  }
  return n;
}

function row(release: Release, views: VerdictView[], src: BoardSource): ReleaseRow {
  const histories = new Map(views.map((v) => [v.ring, src.history.get(release, v.ring)]));
  const started = (v: VerdictView) => startedAtOf(v, histories.get(v.ring));
  const ordered = [...views].sort((a, b) => cmp(started(a) ?? '~', started(b) ?? '~') || cmp(a.ring, b.ring));
  const rings = ordered.map((v) => {
    const worst = v.cells.find((c) => c.failing) ?? v.cells.find((c) => c.verdict === v.verdict) ?? v.cells[0];
    return { ring: v.ring, verdict: v.verdict, reason: v.reason, summary: worst?.summary ?? '', haltCount: src.haltCount(release, v.ring), exposed: mostExposed(v, histories.get(v.ring)) };
  });
  const firstHalt = ordered.flatMap((v) => histories.get(v.ring)?.halts ?? []).map((h) => Date.parse(h.at)).sort((a, b) => a - b)[0];
  const blastRadius = firstHalt === undefined ? undefined : ordered.reduce((sum, v) => sum + exposedAt(histories.get(v.ring), firstHalt), 0);
  const startedAt = ordered.map(started).filter((s): s is string => !!s).sort()[0];
  const ends = views.map((v) => v.windowEnd).filter((s): s is string => !!s).sort();
  return {
    release,
    verdict: views.map((v) => v.verdict).sort((a, b) => RANK[a] - RANK[b])[0],
    rings,
    ...(startedAt ? { startedAt } : {}),
    exposed: rings.reduce((sum, r) => sum + (r.exposed ?? 0), 0),
    halts: rings.reduce((sum, r) => sum + r.haltCount, 0),
    ...(blastRadius !== undefined ? { blastRadius } : {}),
    ...(ends.length ? { newestWindowEnd: ends[ends.length - 1] } : {}),
  };
}

/** Every release's row, failing first, then the most recently decided. */
export function releaseRows(src: BoardSource): ReleaseRow[] {
  const byRelease = new Map<string, { release: Release; views: VerdictView[] }>();
  for (const v of src.verdicts) {
    const key = releaseKey(v.release);
    const entry = byRelease.get(key) ?? { release: v.release, views: [] };
    entry.views.push(v);
    byRelease.set(key, entry);
  }
  const rows = [...byRelease.values()].map((e) => row(e.release, e.views, src));
  return rows.sort((a, b) => RANK[a.verdict] - RANK[b.verdict] || cmp(b.newestWindowEnd ?? '', a.newestWindowEnd ?? '')
    || cmp(releaseKey(a.release), releaseKey(b.release)));
}

export function listView(src: BoardSource, o: { page: number; pageSize: number; verdict?: Verdict }): ListView {
  const all = releaseRows(src);
  const counts: Record<Verdict, number> = { fail: 0, inconclusive: 0, pass: 0 };
  for (const r of all) counts[r.verdict]++;
  const filtered = o.verdict ? all.filter((r) => r.verdict === o.verdict) : all;
  const pages = Math.max(1, Math.ceil(filtered.length / o.pageSize));
  const page = Math.min(Math.max(1, o.page), pages);
  const open = incidentViews(src, (i) => i.status === 'open');
  return {
    rows: filtered.slice((page - 1) * o.pageSize, page * o.pageSize),
    total: filtered.length, page, pages, ...(o.verdict ? { verdictFilter: o.verdict } : {}), counts,
    incidents: open.slice(0, o.pageSize), incidentsTotal: open.length, health: src.health, origin: src.origin, now: src.now,
  };
}
