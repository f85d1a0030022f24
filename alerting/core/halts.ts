// Halt signals for release tooling: one per (release, ring) each time its verdict turns to fail, with a
// stable id so a redelivered copy is recognisable. Halting is cheap and reversible, so it is signalled
// for every release failure; a rollback is recommended only when devices are breaking (catastrophe).
import { releaseKey } from '../../common/contract/decision.ts';
import type { CellState, HaltSignal, ReleaseRing } from './model.ts';

/** The failing cell that best explains the halt: a catastrophe before a regression, then the newest. */
function worstFailingCell(rr: ReleaseRing): CellState | undefined {
  const failing = Object.values(rr.cells).filter((c) => c.failing);
  const rank = (c: CellState) => (c.latest.layer === 'catastrophe' ? 1 : 0);
  return failing.sort((a, b) => rank(b) - rank(a) || b.windowEndMs - a.windowEndMs)[0];
}

export function haltSignal(rr: ReleaseRing, at: string): HaltSignal {
  const cell = worstFailingCell(rr) as CellState;
  const catastrophe = cell.latest.layer === 'catastrophe';
  return {
    id: `halt|${releaseKey(rr.release)}|${rr.ring}|${rr.haltCount}`,
    type: 'halt',
    release: rr.release,
    ring: rr.ring,
    reason: catastrophe ? 'catastrophe' : 'regression',
    rollbackRecommended: catastrophe,
    incidentId: cell.incidentId ?? '',
    decisionId: cell.latest.id,
    summary: cell.latest.summary,
    evidence: cell.latest.evidence,
    at,
  };
}
