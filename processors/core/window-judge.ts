// Judging one fleet-wide window, in order: completeness gate (layer 0), then per release, ring and signal
// the catastrophe rule (1) and the sequential gate (2), attribution among the releases rolling in a ring
// when anything fires, and the ring's baseline CUSUM (3). Every (release, ring, signal) being rolled out
// gets a decision from each layer every window, passes included, so a verdict API can always answer from
// the latest one. Failures are sticky for the rest of the rollout: a bad version stays bad.
import { SIGNALS, releaseKey, type Decision, type Signal } from '../../common/contract/decision.ts';
import { attribute, type Attribution, type Naming, type Onsets, type Suspect } from './attribution.ts';
import { cohortRow, cohortView, silentUpToUnder, stratifiedCatastrophe, type CohortRow } from './cohorts.ts';
import { indexCells, sideOf } from './comparisons.ts';
import { gapKey, gappedRings, ScopeWatch, type Gap } from './completeness.ts';
import { exposure, gapDecision, makeDecision, type WindowInfo } from './decisions.ts';
import type { MergedWindow, RingRow } from './partial.ts';
import { groupBy } from './group-by.ts';
import { evaluateRelease, gateKey, type GateState, type ReleaseEval } from './release-eval.ts';
import { releaseDecisions, stickyKey, type Sticky } from './release-decisions.ts';
import { ReleaseRestarts } from './release-restarts.ts';
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
  private readonly openChanges = new Set<string>();
  /** Per ring and signal: the affected devices' onsets, and the ring's onset, at their fullest since the first suspect started. */
  private readonly onsetHists = new Map<string, { firstStart: number; total: number; byWindow: Map<number, number>; toWindow: number; observedUntilMs: number; onsetMs: number }>();
  /** Per ring and signal: releases blamed there, remembered while the ring keeps firing (rule: one cause stays the cause). */
  private readonly blamedSuspects = new Map<string, Map<string, { suspect: Suspect; untilMs: number }>>();
  /** Per ring: until when silence there is explained by a release blamed in it. */
  private readonly blamedUntil = new Map<string, number>();
  private readonly scopes: ScopeWatch;
  private readonly restarts: ReleaseRestarts;

  constructor(settings: DetectionSettings) {
    this.s = settings;
    this.history = new RingHistory(settings);
    this.scopes = new ScopeWatch(settings);
    this.restarts = new ReleaseRestarts(settings);
  }

  judge(merged: MergedWindow, rollouts: RingRollout[]): Decision[] {
    const s = this.s;
    const info: WindowInfo = { window: merged.window, windowMs: merged.windowMs, decidedAt: merged.closedAt };
    const out: Decision[] = [];
    const summaries = this.scopes.judge(merged);
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
    // A release whose devices come back on a new boot restarts them: judged as if it had declared its downtime.
    const sorted = this.restarts.observe(merged.window, merged.windowMs, rollouts, index, merged.rings)
      .sort((a, b) => a.ring.localeCompare(b.ring) || releaseKey(a.release).localeCompare(releaseKey(b.release)));
    // Error budget: split over the releases that may be in flight at once, the rings and the signals; the
    // gate itself is always valid over repeated looks (a martingale), so looks cost nothing.
    const alphaSplit = s.alphaGate / (s.maxConcurrentReleases * Math.max(1, rings.length) * SIGNALS.length);
    const strata = groupBy([...merged.strata.values()].map(cohortRow), (c) => c.row.ring);
    const versusRest = new Map<string, ReturnType<WindowJudge['ringVersusRest']>>();
    const endMs = (merged.window + 1) * merged.windowMs;
    // A ring where a rollout declared a downtime (an update that restarts devices): its devices' recent
    // silences are censored in the ring-versus-rest check too, as in that release's own comparisons.
    const silentUpTo = new Map<string, number>();
    for (const r of sorted) {
      if (!r.downtimeMs) continue;
      silentUpTo.set(r.ring, Math.min(silentUpTo.get(r.ring) ?? Infinity, silentUpToUnder(r.downtimeMs, endMs, s)));
    }
    for (const signal of SIGNALS) {
      for (const r of sorted) this.discardContaminated(r, signal, info.decidedAt);
      const evals = sorted.map((r) => evaluateRelease(r, signal, {
        s, index, strata, rings, gapped, alphaSplit, gates: this.gates, passes: this.passes, endMs,
        reached: sorted.filter((o) => releaseKey(o.release) === releaseKey(r.release)).map((o) => o.ring),
        ownRate: (ring, sig, atMs) => this.history.ownRate(ring, sig, atMs),
      }));
      for (const e of evals) this.notePeak(e);
      const anomalous = this.anomalousRings(strata, rings, signal, evals, versusRest, silentUpTo);
      const byRing = groupBy(evals, (e) => e.rollout.ring);
      for (const ring of rings) {
        const inRing = byRing.get(ring) ?? [];
        const fired = inRing.some((e) => e.firedCatastrophe || e.firedGate);
        const attribution = fired ? this.attribute(merged, ring, signal, inRing, sorted, anomalous, rings) : undefined;
        for (const e of inRing) {
          out.push(...releaseDecisions(info, e, attribution, this.history.check(checks, ring, signal), this.sticky, s));
        }
        if ((attribution?.blamed.size ?? 0) > 0 || inRing.some((e) => this.sticky.has(stickyKey(e, 'catastrophe')) || this.sticky.has(stickyKey(e, 'gate')))) {
          // A blamed release's victims stay silent until forgotten, after it is no longer judged too.
          this.blamedUntil.set(ring, info.decidedAt + (s.silenceIntervals + s.silenceMemoryIntervals + 1) * s.heartbeatMs);
        }
        const blamed = (this.blamedUntil.get(ring) ?? -Infinity) >= info.decidedAt;
        const active = inRing.map((e) => releaseKey(e.rollout.release));
        out.push(...this.changeDecisions(info, this.versusRestOnce(versusRest, strata, ring, signal, silentUpTo.get(ring)), ring, signal, fired, blamed, gapped.has(ring), active));
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
    const rings = new Set(rollouts.map((r) => r.ring));
    for (const k of this.blamedSuspects.keys()) if (!rings.has(k.slice(0, k.lastIndexOf('|')))) this.blamedSuspects.delete(k);
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

  /**
   * Rings where the signal is anomalous: a release fired there, or the ring stands out from comparable
   * devices (same strata) of the other rings right now.
   */
  private anomalousRings(
    strata: Map<string, CohortRow[]>, rings: string[], signal: Signal, evals: ReleaseEval[], versusRest: Map<string, ReturnType<WindowJudge['ringVersusRest']>>,
    silentUpTo: Map<string, number>,
  ): Set<string> {
    const out = new Set(evals.filter((e) => e.firedCatastrophe || e.firedGate).map((e) => e.rollout.ring));
    for (const ring of rings) if (this.versusRestOnce(versusRest, strata, ring, signal, silentUpTo.get(ring)).result.fired) out.add(ring);
    return out;
  }

  /** `ringVersusRest` once per window, ring and signal (both the anomaly check and the change decision ask). */
  private versusRestOnce(
    memo: Map<string, ReturnType<WindowJudge['ringVersusRest']>>, strata: Map<string, CohortRow[]>, ring: string, signal: Signal, silentUpTo?: number,
  ) {
    const key = `${ring}|${signal}`;
    let v = memo.get(key);
    if (!v) memo.set(key, (v = this.ringVersusRest(strata, ring, signal, silentUpTo)));
    return v;
  }

  /** The ring's devices now against comparable devices (same strata) of every other ring, now. */
  private ringVersusRest(strata: Map<string, CohortRow[]>, ring: string, signal: Signal, silentUpTo?: number) {
    const rest = [...strata].filter(([r]) => r !== ring).flatMap(([, rows]) => rows);
    const view = cohortView(strata.get(ring) ?? [], rest, signal, {
      fromWindow: -Infinity, countNewSilence: true, watchedUpTo: -Infinity, ...(silentUpTo === undefined ? {} : { silentUpTo }),
    });
    return { view, result: stratifiedCatastrophe(view, this.s) };
  }

  /**
   * Unattributed change: the ring stands out (or a comparison fired there) and no rolling release is
   * blamed. Its own page, once per (ring, signal) while it lasts, and a closing pass when it ends.
   */
  private changeDecisions(
    info: WindowInfo, { view, result }: ReturnType<WindowJudge['ringVersusRest']>, ring: string, signal: Signal, fired: boolean, blamed: boolean, gapped: boolean,
    active: string[],
  ): Decision[] {
    const key = `${ring}|${signal}`;
    const open = !gapped && !blamed && (fired || result.fired);
    const was = this.openChanges.has(key);
    if (open) this.openChanges.add(key);
    else this.openChanges.delete(key);
    if (!open && !was) return [];
    const counts = `${view.matchedUpdated.affected}/${view.matchedUpdated.exposed} devices vs ${view.control.affected}/${view.control.exposed} comparable devices of other rings`;
    return [makeDecision(info, {
      kind: 'unattributed_change', layer: 'catastrophe', ring, signal,
      verdict: open ? 'inconclusive' : 'pass', severity: open ? 'critical' : 'info',
      summary: open
        // On-call reads which releases were considered and ruled out (their attribution is in their own decisions).
        ? `Unattributed change in ring ${ring}: ${signal} ${counts} (p=${result.pValue.toExponential(1)}), and no rollout record fits; ${active.length ? `releases active there (${active.join(', ')}) do not explain its onset and are inconclusive` : 'no release is rolling there'}`
        : `Ring ${ring}: ${signal} back in line with comparable devices (${counts})`,
      evidence: {
        updated: exposure(view.matchedUpdated), control: exposure(view.control), pValue: result.pValue, statistic: result.excess,
        threshold: this.s.alphaCatastrophe, reason: 'unattributed_change', design: 'cohort',
      },
    })];
  }

  private attribute(
    merged: MergedWindow, ring: string, signal: Signal, inRing: ReleaseEval[], all: RingRollout[], anomalous: Set<string>, rings: string[],
  ): Attribution {
    const s = this.s;
    const info = merged.closedAt;
    const key = `${ring}|${signal}`;
    const judged = new Set(inRing.map((e) => releaseKey(e.rollout.release)));
    // Releases blamed here earlier whose rollout is no longer judged (rolled back, halted) keep explaining
    // the ring's anomaly while it lasts: otherwise a release started next to them inherits their victims.
    const remembered = [...(this.blamedSuspects.get(key)?.values() ?? [])].filter((b) => b.untilMs >= info && !judged.has(releaseKey(b.suspect.release)));
    const firstStart = Math.min(...inRing.map((e) => e.rollout.startedAt), ...remembered.map((b) => b.suspect.startedAt));
    const row = merged.rings.get(ring);
    const { onsets, onsetMs } = this.onsetsOf(row, ring, signal, firstStart, (merged.window + 1) * merged.windowMs);
    const slackMs = s.heartbeatMs + s.windowMs;
    const before = this.blamedSuspects.get(key);
    const suspects: Suspect[] = [
      ...inRing.map((e) => ({
        blamedBefore: before?.has(releaseKey(e.rollout.release)) ?? false,
        release: e.rollout.release,
        startedAt: e.rollout.startedAt,
        fired: e.firedCatastrophe || e.firedGate,
        // Crash-rate regressions only: silence and boot loops are sudden, and there a gate may fire a
        // window before the catastrophe rule on an unrecorded change that the time factor must keep apart.
        gateOnly: signal === 'crashed' && e.firedGate && !e.firedCatastrophe,
        direct: e.direct,
        naming: this.namingOf(e),
        reached: all.filter((o) => releaseKey(o.release) === releaseKey(e.rollout.release) && o.startedAt <= onsetMs + slackMs).map((o) => o.ring),
      })),
      ...remembered.map((b) => b.suspect),
    ];
    const out = attribute(suspects, {
      onsetMs, onsets, anomalous, rings, slackMs,
      timeScaleMs: s.attributionTimeScaleMs, minShare: s.attributionMinShare,
    });
    this.rememberBlamed(key, suspects, out, info);
    return out;
  }

  /**
   * The affected devices' onsets by window since the first suspect started (less the slack), and the ring's
   * onset (the first window reaching half their peak), both kept at their fullest for the same first start:
   * silent devices are forgotten after k + memory periods while the gate's evidence lasts, and an onset
   * re-estimated from the last few would drift later and read every release as implausible.
   */
  private onsetsOf(row: RingRow | undefined, ring: string, signal: Signal, firstStart: number, windowEndMs: number): { onsets: Onsets; onsetMs: number } {
    const s = this.s;
    // A silent device's last heartbeat comes up to one period before it dies; a crash is counted after it.
    const leadMs = signal === 'silent' ? s.heartbeatMs : 0;
    const fromWindow = Math.floor((firstStart - s.heartbeatMs - s.latenessMs) / s.windowMs);
    const now = signal === 'silent'
      ? new Map(Object.entries(row?.onset ?? {}).map(([w, n]) => [Number(w), n] as [number, number]).filter(([w]) => w >= fromWindow))
      : this.history.newEvents(ring, signal, fromWindow);
    const total = [...now.values()].reduce((a, b) => a + b, 0);
    const key = `${ring}|${signal}`;
    let kept = this.onsetHists.get(key);
    if (!kept || kept.firstStart !== firstStart || total >= kept.total) {
      const seen = row ? this.history.onset(row, signal, Math.floor((firstStart - s.heartbeatMs) / s.windowMs)) : undefined;
      const onsetMs = seen ?? (kept?.firstStart === firstStart ? kept.onsetMs : windowEndMs);
      // Silence shows k periods after the last heartbeat: later windows are not empty yet, only unseen.
      const observedUntilMs = windowEndMs - (signal === 'silent' ? s.silenceIntervals * s.heartbeatMs : 0);
      this.onsetHists.set(key, (kept = { firstStart, total, byWindow: now, toWindow: Math.round(windowEndMs / s.windowMs) - 1, observedUntilMs, onsetMs }));
    }
    const exposed = row ? sideOf([row], signal, -Infinity).exposed : 0;
    return {
      onsetMs: kept.onsetMs,
      onsets: {
        byWindow: kept.byWindow, fromWindow, toWindow: kept.toWindow, observedUntilMs: kept.observedUntilMs, windowMs: s.windowMs, leadMs, spreadMs: s.attributionSpreadMs,
        backgroundPerWindow: this.history.backgroundPerWindow(ring, signal, fromWindow, exposed),
      },
    };
  }

  /**
   * While another release is blamed for this signal in the ring, its victims sit in every cohort of the
   * ring (a device exposed to both releases), so the sequential gate of a release started next to it would
   * count them as its own events: its evidence restarts (a fresh always-valid test) until the blamed
   * release's victims are forgotten. The catastrophe rule needs no reset: it counts the cohort as it is now.
   */
  private discardContaminated(r: RingRollout, signal: Signal, nowMs: number): void {
    const blamed = this.blamedSuspects.get(`${r.ring}|${signal}`);
    const me = releaseKey(r.release);
    if (![...(blamed?.entries() ?? [])].some(([k, b]) => k !== me && b.untilMs >= nowMs)) return;
    for (const kind of ['cohort', 'self_controlled']) this.gates.delete(gateKey(r, signal, kind));
  }

  /** Blamed suspects are remembered for k + memory (+1) periods after the ring last fired on the signal. */
  private rememberBlamed(key: string, suspects: Suspect[], a: Attribution, nowMs: number): void {
    const s = this.s;
    const untilMs = nowMs + (s.silenceIntervals + s.silenceMemoryIntervals + 1) * s.heartbeatMs;
    const kept = this.blamedSuspects.get(key) ?? new Map<string, { suspect: Suspect; untilMs: number }>();
    for (const x of suspects) if (a.blamed.has(releaseKey(x.release))) kept.set(releaseKey(x.release), { suspect: { ...x, fired: true, blamedBefore: true }, untilMs });
    for (const [k, b] of kept) {
      if (b.untilMs < nowMs) kept.delete(k);
      else b.untilMs = untilMs;
    }
    if (kept.size) this.blamedSuspects.set(key, kept);
    else this.blamedSuspects.delete(key);
  }
}
