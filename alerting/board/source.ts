// What the board reads, taken from the alerter's core state and the board history at one instant. Pure:
// the live board builds it from the running core on each request, a backtest report from the replayed one.
import type { Release } from '../../common/contract/decision.ts';
import { releaseKey } from '../../common/contract/decision.ts';
import type { AlerterCore } from '../core/alerter-core.ts';
import type { GapState, Incident } from '../core/model.ts';
import type { VerdictView } from '../core/verdicts.ts';
import type { BoardHistory } from './history.ts';

export interface BoardHealth {
  ok: boolean;
  reason?: string;
}

export interface BoardSource {
  now: number;
  /** Every tracked (release, ring). */
  verdicts: VerdictView[];
  /** Halts signalled for a (release, ring) so far. */
  haltCount(release: Release, ring: string): number;
  incidents: Incident[];
  gaps: GapState[];
  history: Pick<BoardHistory, 'get' | 'timeline'>;
  health: BoardHealth;
  /** Consecutive passing windows that clear a failing cell (for "what pass waits for"). */
  resolveAfterWindows: number;
  staleAfterMs: number;
  /** What produced this board: the live alerter or a backtest over recorded history. */
  origin: 'live' | 'backtest';
}

export function boardSource(core: AlerterCore, history: BoardHistory, o: {
  now: number; health: BoardHealth; resolveAfterWindows: number; staleAfterMs: number; origin: BoardSource['origin'];
}): BoardSource {
  const halts = new Map<string, number>();
  for (const rr of core.releaseRings.values()) halts.set(`${releaseKey(rr.release)}|${rr.ring}`, rr.haltCount);
  return {
    now: o.now,
    verdicts: core.verdicts(o.now),
    haltCount: (r, ring) => halts.get(`${releaseKey(r)}|${ring}`) ?? 0,
    incidents: [...core.incidents.values()],
    gaps: [...core.gaps.values()],
    history,
    health: o.health,
    resolveAfterWindows: o.resolveAfterWindows,
    staleAfterMs: o.staleAfterMs,
    origin: o.origin,
  };
}
