// What `pass` still waits for on a (release, ring), pure, from the verdict's reason and whatever the
// decision evidence carries about exposure, soak time and power (fields processors add over time are
// picked up by name, so a new "minExposure" or "soakRemainingSecs" shows here without a change).
import type { VerdictView } from '../core/verdicts.ts';
import type { ReleaseRingHistory } from './history.ts';
import type { BoardSource } from './source.ts';

export interface WaitItem {
  /** What is missing, in words. */
  what: string;
  /** The numbers behind it, as evidence field -> value. */
  numbers: [string, unknown][];
  from?: string;
}

/** Evidence fields about what a verdict still needs (by name; the two exposures are shown elsewhere). */
export const WAITING_FIELD = /(power|soak|exposure|exposed|wait|need|requir|remain|bound|min[A-Z]|until|eta)/i;
const SHOWN_ELSEWHERE = new Set(['updated', 'control', 'attribution']);

const secs = (ms: number) => `${Math.round(ms / 1000)} s`;

export function waitingFor(v: VerdictView, src: Pick<BoardSource, 'now' | 'resolveAfterWindows' | 'staleAfterMs' | 'gaps'>,
  _h?: ReleaseRingHistory): WaitItem[] {
  const items: WaitItem[] = [];
  if (v.verdict === 'pass') return items;
  switch (v.reason) {
    case 'failed':
      items.push({ what: `every failing cell to see ${src.resolveAfterWindows} consecutive passing windows (hysteresis)`,
        numbers: v.cells.filter((c) => c.failing).map((c) => [`${c.signal} / ${c.layer}`, 'failing']) });
      break;
    case 'no_data':
      items.push({ what: 'a first decision for this release on this ring', numbers: [] });
      break;
    case 'stale': {
      const end = v.windowEnd ? Date.parse(v.windowEnd) : Number.NaN;
      items.push({ what: 'a newer decision window', numbers: [['newest window ended', Number.isFinite(end) ? `${secs(src.now - end)} ago` : 'unknown'], ['stale after', secs(src.staleAfterMs)]] });
      break;
    }
    case 'pipeline_gap': {
      const open = src.gaps.filter((g) => g.cell.failing && (g.ring === '*' || g.ring === v.ring));
      items.push({ what: 'the telemetry gap on this ring to end (a gap never fails a release, and never passes one)',
        numbers: open.map((g) => [`${g.scope.region ?? ''}/${g.scope.collectorId ?? ''}`, g.cell.latest.summary]) });
      break;
    }
    default:
      break;
  }
  for (const c of v.cells) {
    if (c.verdict === 'pass' && v.reason !== 'inconclusive') continue;
    const numbers = Object.entries(c.evidence).filter(([k]) => !SHOWN_ELSEWHERE.has(k) && WAITING_FIELD.test(k));
    if (c.verdict === 'inconclusive' || numbers.length) {
      items.push({ what: c.verdict === 'inconclusive' ? c.summary : `${c.signal} / ${c.layer}: ${c.verdict}`, numbers, from: `${c.signal} / ${c.layer}` });
    }
  }
  return items;
}
