// The release-tool simulator's pure core: rolls each release ring by ring the way Argo Rollouts does with
// a background analysis. After a ring starts, the verdict is read every poll interval: "fail" at any
// time halts and rolls back at once; once the bake time is over, "pass" promotes to the next ring and
// "inconclusive" pauses (reads go on) until a limit, then the rollout is halted without rollback.
// Read errors count separately (consecutiveErrorLimit) and never mean "the release is bad".
// No clock and no I/O: the shell calls poll(now) when nextWakeAt() is due and answer() with verdicts.
import type { Verdict } from '../../common/contract/decision.ts';
import type { DeploymentAction } from '../../common/contract/events.ts';
import type { ReleaseSpec, RolloutPlan } from './scenario-schema.ts';

export type VerdictOutcome = Verdict | 'error';

export const HALT_REASONS = ['verdict_fail', 'inconclusive_limit', 'verdict_errors'] as const;
export type HaltReason = (typeof HALT_REASONS)[number];

export interface VerdictQuery {
  release: number;
  component: string;
  version: string;
  ring: string;
}

/** One thing the tool did: a deployment action (sent to the collector) or a verdict it read. */
export interface ToolRecord {
  atMs: number;
  release: number;
  component: string;
  version: string;
  ring: string;
  action: DeploymentAction | 'verdict';
  verdict?: VerdictOutcome;
  reason?: HaltReason;
}

type Phase = 'waiting' | 'baking' | 'paused' | 'completed' | 'halted' | 'rolled_back';

interface Run {
  spec: ReleaseSpec;
  plan: RolloutPlan;
  phase: Phase;
  ringPos: number;
  bakeEndMs: number;
  pausedSinceMs: number;
  errors: number;
  nextMs: number;
  /** Verdict reads asked for and not answered yet (one per ring of the current step). */
  awaiting: number;
  /** Answers of the current round of reads. */
  round: VerdictOutcome[];
}

export class ReleaseTool {
  readonly log: ToolRecord[] = [];
  private readonly runs: Run[];

  constructor(releases: { spec: ReleaseSpec; plan: RolloutPlan }[], startMs: number) {
    this.runs = releases.map(({ spec, plan }) => ({
      spec, plan, phase: 'waiting', ringPos: 0, bakeEndMs: 0, pausedSinceMs: 0, errors: 0,
      nextMs: startMs + spec.start_secs * 1000, awaiting: 0, round: [],
    }));
  }

  /** When poll() next has something to do (Infinity when every rollout is over or waiting for answers). */
  nextWakeAt(): number {
    return Math.min(...this.runs.filter((r) => this.active(r) && r.awaiting === 0).map((r) => r.nextMs), Infinity);
  }

  done(): boolean {
    return this.runs.every((r) => !this.active(r));
  }

  phaseOf(release: number): Phase {
    return this.runs[release].phase;
  }

  /** Start what is due, and name the verdicts that are due to be read. */
  poll(nowMs: number): { actions: ToolRecord[]; queries: VerdictQuery[] } {
    const actions: ToolRecord[] = [];
    const queries: VerdictQuery[] = [];
    this.runs.forEach((run, release) => {
      if (!this.active(run) || run.awaiting || run.nextMs > nowMs) return;
      if (run.phase === 'waiting') {
        actions.push(...this.startRing(run, release, nowMs));
        return;
      }
      for (const ring of this.stepRings(run)) {
        run.awaiting++;
        queries.push({ release, component: run.spec.component, version: run.spec.version, ring });
      }
    });
    return { actions, queries };
  }

  /** Act on a verdict read for `query` at `nowMs`; returns the deployment actions taken. */
  answer(nowMs: number, query: VerdictQuery, outcome: VerdictOutcome): ToolRecord[] {
    const run = this.runs[query.release];
    run.awaiting = Math.max(0, run.awaiting - 1);
    this.log.push({ ...this.record(run, query.release, nowMs, 'verdict'), ring: query.ring, verdict: outcome });
    if (!this.active(run)) return []; // halted by an earlier answer of the same round
    // "fail" on any ring of the step acts at once; anything else waits for the round's last answer.
    if (outcome === 'fail') {
      run.errors = 0;
      run.round = [];
      return this.halt(run, query.release, nowMs, 'verdict_fail', true);
    }
    run.round.push(outcome);
    if (run.awaiting > 0) return [];
    const round = run.round;
    run.round = [];
    // While baking, the read at the bake's end is never skipped, so promotion is not late by a poll.
    run.nextMs = nowMs + run.plan.poll_interval_secs * 1000;
    if (nowMs < run.bakeEndMs) run.nextMs = Math.min(run.nextMs, run.bakeEndMs);
    if (round.includes('error')) {
      run.errors++;
      return run.errors >= run.plan.verdict_error_limit ? this.halt(run, query.release, nowMs, 'verdict_errors', false) : [];
    }
    run.errors = 0;
    if (nowMs < run.bakeEndMs) return []; // still baking: only a failure acts early
    if (round.every((v) => v === 'pass')) return this.promote(run, query.release, nowMs);
    if (run.phase !== 'paused') {
      run.phase = 'paused';
      run.pausedSinceMs = nowMs;
      return [this.act(run, query.release, nowMs, 'paused')];
    }
    if (nowMs - run.pausedSinceMs >= run.plan.inconclusive_limit_secs * 1000) {
      return this.halt(run, query.release, nowMs, 'inconclusive_limit', false);
    }
    return [];
  }

  /** Rings of the current step: one ring, or every ring when the release is pushed everywhere at once. */
  private stepRings(run: Run): string[] {
    return run.plan.all_rings_at_once ? run.plan.ring_order : [this.ring(run)];
  }

  private active(run: Run): boolean {
    return run.phase === 'waiting' || run.phase === 'baking' || run.phase === 'paused';
  }

  private ring(run: Run): string {
    return run.plan.ring_order[run.ringPos];
  }

  private record(run: Run, release: number, atMs: number, action: ToolRecord['action']): ToolRecord {
    return { atMs, release, component: run.spec.component, version: run.spec.version, ring: this.ring(run), action };
  }

  private act(run: Run, release: number, atMs: number, action: DeploymentAction, ring = this.ring(run)): ToolRecord {
    const rec = { ...this.record(run, release, atMs, action), ring };
    this.log.push(rec);
    return rec;
  }

  private startRing(run: Run, release: number, nowMs: number): ToolRecord[] {
    run.phase = 'baking';
    run.bakeEndMs = nowMs + run.plan.bake_secs * 1000;
    run.nextMs = Math.min(run.bakeEndMs, nowMs + run.plan.poll_interval_secs * 1000);
    if (!run.plan.all_rings_at_once) return [this.act(run, release, nowMs, 'started')];
    // Everywhere at once: every ring started now; the rollout's position is its last ring.
    run.ringPos = run.plan.ring_order.length - 1;
    return run.plan.ring_order.map((ring) => this.act(run, release, nowMs, 'started', ring));
  }

  private promote(run: Run, release: number, nowMs: number): ToolRecord[] {
    const actions: ToolRecord[] = [];
    if (run.phase === 'paused') actions.push(this.act(run, release, nowMs, 'resumed'));
    for (const ring of this.stepRings(run)) actions.push(this.act(run, release, nowMs, 'completed', ring));
    if (run.ringPos + 1 >= run.plan.ring_order.length) {
      run.phase = 'completed';
      return actions;
    }
    run.ringPos++;
    return [...actions, ...this.startRing(run, release, nowMs)];
  }

  private halt(run: Run, release: number, nowMs: number, reason: HaltReason, rollback: boolean): ToolRecord[] {
    const halted = this.act(run, release, nowMs, 'halted');
    halted.reason = reason;
    const actions: ToolRecord[] = [halted];
    run.phase = rollback ? 'rolled_back' : 'halted';
    // A rollback covers every ring the release has reached, last first.
    if (rollback) {
      for (let k = run.ringPos; k >= 0; k--) actions.push(this.act(run, release, nowMs, 'rolled_back', run.plan.ring_order[k]));
    }
    return actions;
  }
}
