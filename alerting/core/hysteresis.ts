// One cell's hysteresis: a failure is remembered until `resolveAfter` consecutive passing windows, so a
// flapping detector neither pages nor un-halts on every window. Pure: decisions in, new state out.
import type { CellState, DecisionDigest } from './model.ts';

export type CellOutcome = 'applied' | 'duplicate' | 'stale';
export type CellChange = 'started_failing' | 'still_failing' | 'cleared' | 'none';

export interface CellStep {
  cell: CellState;
  outcome: CellOutcome;
  change: CellChange;
}

export interface CellInput {
  digest: DecisionDigest;
  windowStartMs: number;
  windowEndMs: number;
  /** Whether this decision counts as a failure of the cell (a release 'fail'; any non-pass for a gap). */
  fails: boolean;
  /** Whether it counts as a passing window (a release 'pass'; a gap 'pass'). Inconclusive is neither. */
  passes: boolean;
}

export function applyToCell(cell: CellState | undefined, input: CellInput, resolveAfter: number): CellStep {
  if (cell) {
    // Replays and redeliveries repeat old windows: they must not move the state (nor page) again.
    if (input.windowStartMs < cell.windowStartMs) return { cell, outcome: 'stale', change: 'none' };
    if (input.windowStartMs === cell.windowStartMs && input.digest.id === cell.latest.id
      && input.digest.verdict === cell.latest.verdict) return { cell, outcome: 'duplicate', change: 'none' };
  }
  const newWindow = !cell || input.windowStartMs > cell.windowStartMs;
  const wasFailing = cell?.failing ?? false;
  let failing = wasFailing;
  let passStreak = cell?.passStreak ?? 0;
  if (input.fails) {
    failing = true;
    passStreak = 0;
  } else if (input.passes && newWindow) {
    passStreak += 1;
    if (failing && passStreak >= resolveAfter) failing = false;
  }
  const next: CellState = {
    latest: input.digest,
    windowStartMs: input.windowStartMs,
    windowEndMs: Math.max(input.windowEndMs, cell?.windowEndMs ?? 0),
    failing,
    passStreak,
    incidentId: failing ? cell?.incidentId : undefined,
  };
  const change: CellChange = failing && !wasFailing ? 'started_failing'
    : failing && input.fails ? 'still_failing'
      : !failing && wasFailing ? 'cleared' : 'none';
  return { cell: next, outcome: 'applied', change };
}

/** Ends a cell's failure without a passing window (a telemetry gap that went quiet). */
export function clearCell(cell: CellState): CellState {
  return { ...cell, failing: false, incidentId: undefined };
}
