// Judging one fleet-wide window, in order: completeness gate (layer 0), then per release, ring and signal
// the catastrophe rule (1) and the sequential gate (2), attribution among the releases rolling in a ring
// when anything fires, and the ring's baseline CUSUM (3). Every (release, ring, signal) being rolled out
// gets a decision from each layer every window, passes included, so a verdict API can always answer from
// the latest one. Failures are sticky for the rest of the rollout: a bad version stays bad.
import { SIGNALS, releaseKey, type Decision, type Signal } from '../../common/contract/decision.ts';
import { attribute, type Attribution, type Naming } from './attribution.ts';
import { catastrophe } from './catastrophe.ts';
import { indexCells, sideOf } from './comparisons.ts';
import { gapKey, gappedRings, scopeSummaries, type Gap } from './completeness.ts';
import { gapDecision, type WindowInfo } from './decisions.ts';
import type { MergedWindow } from './partial.ts';
import { groupBy } from './group-by.ts';
import { evaluateRelease, gateKey, type GateState, type ReleaseEval } from './release-eval.ts';
import { releaseDecisions, type Sticky } from './release-decisions.ts';
import type { PassState } from './pass-rule.ts';
import { RingHistory } from './ring-history.ts';
import type { RingRollout } from './rollout.ts';
import type { DetectionSettings } from './settings.ts';

export class WindowJudge {
  private readonly s: DetectionSettings;
  readonly history: RingHistory;
  private readonly gates = new Map<string, GateState>();
  private readonly passes = new Map<string, PassState>();
  private readonly sticky = new Map<string, Sticky>();
  /** Per release, ring and signal: the naming counts of its window with the most affected devices. */
  private readonly peakNaming = new Map<string, Naming>();
  private openGaps = new Map<string, Gap>();

  constructor(settings: DetectionSettings) {
    this.s = settings;
    this.history = new RingHistory(settings);
  }

  judge(merged: MergedWindow, rollouts: RingRollout[]): Decision[] {
    const s = this.s;
    const info: WindowInfo = { window: merged.window, windowMs: merged.windowMs, decidedAt: merged.closedAt };
    const out: Decision[] = [];
    const summaries = scopeSummaries(merged, s);
    const gaps = summaries.filter((g) => g.gap);
    for (const g of gaps) out.push(gapDecision(info, g, true));
    for (const [key, old] of this.openGaps) {
      if (!gaps.some((g) => gapKey(g) === key)) out.push(gapDecision(info, summaries.find((g) => gapKey(g) === key) ?? old, false));
    }
    this.openGaps = new Map(gaps.map((g) => [gapKey(g), g]));
    const gapped = gappedRings(gaps);
    const checks = this.history.record(merged.window, merged.rings.values(), gapped);
    const rings = [...merged.rings.values()].filter((r) => r.expected > 0 || r.crashed > 0).map((r) => r.ring).sort();
    const index = indexCells(merged);
    const sorted = [...rollouts].sort((a, b) => a.ring.localeCompare(b.ring) || releaseKey(a.release).localeCompare(releaseKey(b.release)));
    const alphaSplit = s.alphaGate / (Math.max(1, rings.length) * SIGNALS.length * 2);
    for (const signal of SIGNALS) {
      const evals = sorted.map((r) => evaluateRelease(r, signal, {
        s, index, rings, gapped, alphaSplit, gates: this.gates, passes: this.passes, endMs: (merged.window + 1) * merged.windowMs,
        reached: sorted.filter((o) => releaseKey(o.release) === releaseKey(r.release)).map((o) => o.ring),
        rate: (rs, sig) => this.history.rate(rs, sig),
      }));
      for (const e of evals) this.notePeak(e);
      const anomalous = this.anomalousRings(merged, rings, signal, evals);
      const byRing = groupBy(evals, (e) => e.rollout.ring);
      for (const [ring, inRing] of byRing) {
        const attribution = inRing.some((e) => e.firedCatastrophe || e.firedGate)
          ? this.attribute(merged, ring, signal, inRing, sorted, anomalous, rings) : undefined;
        for (const e of inRing) {
          out.push(...releaseDecisions(info, e, attribution, this.history.check(checks, ring, signal), this.sticky, s));
        }
      }
    }
    this.forgetEnded(sorted);
    return out;
  }

  /** Gate and failure state of rollouts no longer judged is dropped (bounded memory). */
  private forgetEnded(rollouts: RingRollout[]): void {
    const live = new Set(rollouts.map((r) => `${releaseKey(r.release)}|${r.ring}`));
    const prefix = (k: string) => k.split('|', 2).join('|');
    for (const k of this.gates.keys()) if (!live.has(prefix(k))) this.gates.delete(k);
    for (const k of this.passes.keys()) if (!live.has(prefix(k))) this.passes.delete(k);
    for (const k of this.sticky.keys()) if (!live.has(prefix(k))) this.sticky.delete(k);
    for (const k of this.peakNaming.keys()) if (!live.has(prefix(k))) this.peakNaming.delete(k);
  }

  /**
   * Attribution's version evidence, kept at its strongest: silent devices are forgotten after
   * (k + memory) periods, while the gate's evidence is cumulative, so a gate that is still rejecting long
   * after the victims were forgotten would otherwise be attributed with no naming evidence left (a tie
   * between releases started together). Each suspect's naming is the one of its window with the most
   * affected devices since it started in the ring (the earliest such window; gap windows are no evidence).
   */
  private notePeak(e: ReleaseEval): void {
    if (e.gapped) return;
    const key = gateKey(e.rollout, e.signal, 'naming');
    const old = this.peakNaming.get(key);
    if (!old || e.naming.affected > old.affected) this.peakNaming.set(key, e.naming);
  }

  private namingOf(e: ReleaseEval): Naming {
    return this.peakNaming.get(gateKey(e.rollout, e.signal, 'naming')) ?? e.naming;
  }

  /** Rings where the signal is anomalous: a release fired there, or the ring stands out from the rest. */
  private anomalousRings(merged: MergedWindow, rings: string[], signal: Signal, evals: ReleaseEval[]): Set<string> {
    const out = new Set(evals.filter((e) => e.firedCatastrophe || e.firedGate).map((e) => e.rollout.ring));
    for (const ring of rings) {
      const row = merged.rings.get(ring);
      const rest = rings.filter((r) => r !== ring).map((r) => merged.rings.get(r)).filter((r) => r !== undefined);
      if (!row || !rest.length) continue;
      if (catastrophe(sideOf([row], signal, -Infinity), sideOf(rest, signal, -Infinity), this.s).fired) out.add(ring);
    }
    return out;
  }

  private attribute(
    merged: MergedWindow, ring: string, signal: Signal, inRing: ReleaseEval[], all: RingRollout[], anomalous: Set<string>, rings: string[],
  ): Attribution {
    const s = this.s;
    const firstStart = Math.min(...inRing.map((e) => e.rollout.startedAt));
    const row = merged.rings.get(ring);
    const onsetMs = row ? this.history.onset(row, signal, Math.floor((firstStart - s.heartbeatMs) / s.windowMs)) : firstStart;
    const slackMs = s.heartbeatMs + s.windowMs;
    const suspects = inRing.map((e) => ({
      release: e.rollout.release,
      startedAt: e.rollout.startedAt,
      fired: e.firedCatastrophe || e.firedGate,
      direct: e.direct,
      naming: this.namingOf(e),
      reached: all.filter((o) => releaseKey(o.release) === releaseKey(e.rollout.release) && o.startedAt <= onsetMs + slackMs).map((o) => o.ring),
    }));
    return attribute(suspects, { onsetMs, anomalous, rings, slackMs, timeScaleMs: s.attributionTimeScaleMs, minShare: s.attributionMinShare });
  }
}
