// The three decisions (catastrophe, gate, baseline) of one release in one ring for one signal and window.
// 'fail' comes only from layers 1 and 2, and only for a release the attribution blames; a data gap makes
// every layer 'inconclusive'; the baseline CUSUM only ever warns.
import { releaseKey, type Decision, type Evidence, type Layer, type ReleaseReason } from '../../common/contract/decision.ts';
import { passRule } from './pass-rule.ts';
import { windowsToDetect } from '../stats/msprt.ts';
import type { Attribution } from './attribution.ts';
import { exposure, fraction, makeDecision, pText, type WindowInfo } from './decisions.ts';
import type { ReleaseEval } from './release-eval.ts';
import type { BaselineCheck } from './ring-history.ts';
import { downtimeInForce } from './cohorts.ts';
import type { DetectionSettings } from './settings.ts';

export interface Sticky {
  window: number;
  summary: string;
}

export const stickyKey = (e: ReleaseEval, layer: Layer) => `${releaseKey(e.rollout.release)}|${e.rollout.ring}|${e.signal}|${layer}`;

type Verdicts = Pick<Decision, 'verdict' | 'severity' | 'summary'> & { reason: ReleaseReason };

const others = (a: Attribution, me: string) => a.ranking.map((r) => `${r.component}@${r.version}`).filter((k) => k !== me);

/**
 * A layer's verdict before the pass rule: a sticky or new failure of a blamed release, a gap, or an
 * anomaly in the ring. Anything that fired in the ring (on this signal) keeps every release there that
 * is not blamed from passing (issue 13, rule 3): attribution picks whom to blame, it never clears anyone.
 * Undefined when nothing speaks against the release: the caller decides pass (or why not yet).
 */
function verdictOf(
  e: ReleaseEval, layer: 'catastrophe' | 'gate', fired: boolean, evidenceLine: string, attribution: Attribution | undefined,
  sticky: Map<string, Sticky>, info: WindowInfo,
): (Verdicts & { firstFailedWindow?: number }) | undefined {
  const name = `${releaseKey(e.rollout.release)} in ring ${e.rollout.ring}`;
  const key = stickyKey(e, layer);
  const severity = layer === 'catastrophe' ? 'critical' : 'error';
  const known = sticky.get(key);
  if (known) return { verdict: 'fail', severity, reason: 'failed', summary: `FAIL (since ${new Date(known.window * info.windowMs).toISOString()}): ${known.summary}`, firstFailedWindow: known.window };
  if (e.gapped) return { verdict: 'inconclusive', severity: 'info', reason: 'pipeline_gap', summary: `${name}, ${e.signal}: verdict withheld, a telemetry gap covers this ring or its control` };
  const me = releaseKey(e.rollout.release);
  if (fired && attribution?.blamed.has(me)) {
    const rest = others(attribution, me);
    const summary = `${name}: ${e.signal} ${evidenceLine}; attributed to ${me}${rest.length ? ` over ${rest.join(', ')}` : ''}`;
    sticky.set(key, { window: info.window, summary });
    return { verdict: 'fail', severity, reason: 'failed', summary: `FAIL: ${summary}`, firstFailedWindow: info.window };
  }
  if (!attribution) return undefined;
  if (attribution.blamed.has(me)) {
    return { verdict: 'inconclusive', severity: 'info', reason: 'failed', summary: `${name}: blamed for the ring's ${e.signal} excess by another layer of this release; this layer did not fire on its own` };
  }
  const what = fired ? `${e.signal} ${evidenceLine}` : `another release's ${e.signal} comparison fired in this ring`;
  if (attribution.best && attribution.best !== me) {
    return { verdict: 'inconclusive', severity: 'warning', reason: 'attributed_elsewhere', summary: `${name}: ${what}; attributed to ${attribution.best}, so this release cannot pass while the ring is failing` };
  }
  return { verdict: 'inconclusive', severity: 'warning', reason: 'unattributed_change', summary: `${name}: ${what}, but the onset does not follow this or any other rolling release (unattributed change in ring ${e.rollout.ring})` };
}

function decisionOf(info: WindowInfo, base: Pick<Decision, 'kind' | 'release' | 'ring' | 'signal'>, layer: Layer, v: Verdicts, evidence: Evidence): Decision {
  return makeDecision(info, {
    kind: base.kind, release: base.release, ring: base.ring, signal: base.signal, layer,
    verdict: v.verdict, severity: v.severity, summary: v.summary, evidence: { ...evidence, reason: v.reason },
  });
}

/**
 * Silence under a downtime (declared by the rollout, or inferred from its devices restarting): how long a
 * device's silence is censored, said in the catastrophe line and its evidence so a reader knows why a dark
 * device does not count yet.
 */
function downtimeOf(e: ReleaseEval, s: DetectionSettings): { text: string; evidence: Evidence } {
  if (e.signal !== 'silent' || !e.rollout.downtimeMs) return { text: '', evidence: {} };
  const secs = Math.round(downtimeInForce(e.rollout.downtimeMs, s) / 1000);
  const span = secs < 120 ? `${secs} s` : `${Math.round(secs / 60)} min`;
  const inferred = e.rollout.restartedDevices;
  return {
    text: inferred === undefined
      ? `; silences within the declared downtime (${span}) not counted`
      : `; restarting (${inferred} devices back on a new boot running it): silences within ${span} not counted`,
    evidence: {
      downtimeSecs: secs, downtimeSource: inferred === undefined ? 'declared' : 'inferred',
      ...(inferred === undefined ? {} : { restartedDevices: inferred }),
    },
  };
}

const failedSince = (window: number | undefined, info: WindowInfo) =>
  (window === undefined ? {} : { failedSince: new Date(window * info.windowMs).toISOString() });

export function releaseDecisions(
  info: WindowInfo, e: ReleaseEval, attribution: Attribution | undefined, check: BaselineCheck | undefined,
  sticky: Map<string, Sticky>, s: DetectionSettings,
): Decision[] {
  const base = { kind: 'release_verdict' as const, release: e.rollout.release, ring: e.rollout.ring, signal: e.signal };
  const name = `${releaseKey(e.rollout.release)} in ring ${e.rollout.ring}`;
  const attributionEvidence = { design: e.design, ...(attribution ? { attribution: attribution.ranking } : {}) };
  const startedAt = new Date(e.rollout.startedAt).toISOString();

  const applicable = e.catastrophes.filter((k) => k.result.applicable);
  const cat = [...applicable].sort((a, b) => Number(b.result.fired) - Number(a.result.fired) || a.result.pValue - b.result.pValue)[0];
  const downtime = downtimeOf(e, s);
  const catLine = cat
    ? `${fraction(cat.comparison.updated)} updated vs ${fraction(cat.comparison.control)} control (${cat.comparison.kind}, p=${pText(cat.result.pValue)})${downtime.text}`
    : 'no comparison';
  const catVerdict: Verdicts & { firstFailedWindow?: number } = verdictOf(e, 'catastrophe', e.firedCatastrophe, catLine, attribution, sticky, info)
    ?? (cat
      ? { verdict: 'pass', severity: 'info', reason: 'passed', summary: `${name}, ${e.signal}: no catastrophe: ${catLine}` }
      : { verdict: 'inconclusive', severity: 'info', reason: 'no_control', summary: `${name}, ${e.signal}: no comparison possible yet (no exposed devices or too small a control)` });
  const catEvidence: Evidence = cat ? {
    updated: exposure(cat.comparison.updated), control: exposure(cat.comparison.control), pValue: cat.result.pValue,
    statistic: cat.result.excess, threshold: s.alphaCatastrophe, crashReports: cat.comparison.updated.crashReports,
    comparison: cat.comparison.kind, controlRings: cat.comparison.controlRings, nullFraction: cat.result.nullFraction,
    minAffectedDevices: s.minAffected, minExcessFraction: s.minExcess, ...downtime.evidence,
  } : {};

  const gate = [...e.gates].sort((a, b) => Number(b.rejected) - Number(a.rejected) || b.logLambda - a.logLambda)[0];
  const m = gate?.state.msprt;
  const perWindow = m && m.windows ? (m.updatedEvents + m.controlEvents) / m.windows : 0;
  const toSee = gate ? windowsToDetect(m, 2, perWindow, gate.nullShare, Math.exp(-gate.threshold)) : Infinity;
  const power = Number.isFinite(toSee)
    ? `no regression seen; a 2x rise in ${e.signal} would cross the gate after ~${toSee} more windows at the current exposure`
    : `too few ${e.signal} events yet to see a 2x regression`;
  const gateLine = gate
    ? `log-likelihood ratio ${gate.logLambda.toFixed(2)} vs threshold ${gate.threshold.toFixed(2)} (${m.updatedEvents} updated / ${m.controlEvents} control events over ${m.windows} windows, ${gate.comparison.kind})`
    : 'no comparison';
  const against = verdictOf(e, 'gate', e.firedGate, gateLine, attribution, sticky, info);
  // The pass rule sees every window (its streak must restart after anything that spoke against).
  const earned = passRule(e.pass, against ? { ...e.passInput, comparable: false } : e.passInput, s);
  const gateVerdict: Verdicts & { firstFailedWindow?: number } = against
    ?? { verdict: earned.verdict, severity: 'info', reason: earned.reason, summary: `${name}, ${e.signal}: ${earned.text}` };
  const gateEvidence: Evidence = gate ? {
    updated: exposure(gate.comparison.updated), control: exposure(gate.comparison.control),
    statistic: gate.logLambda, threshold: gate.threshold, pValue: Math.min(1, Math.exp(-gate.logLambda)),
    comparison: gate.comparison.kind, updatedEvents: m.updatedEvents, controlEvents: m.controlEvents, windows: m.windows,
    nullShare: gate.nullShare, historicalRatio: gate.state.rho, indifferenceRatio: gate.state.rho, ...(gateVerdict.verdict === 'pass' ? {} : { power }),
  } : {};

  const out = [
    decisionOf(info, base, 'catastrophe', catVerdict, { ...catEvidence, ...attributionEvidence, startedAt, ...failedSince(catVerdict.firstFailedWindow, info) }),
    decisionOf(info, base, 'gate', gateVerdict, { ...gateEvidence, bound: earned.bound, ...attributionEvidence, startedAt, ...failedSince(gateVerdict.firstFailedWindow, info) }),
  ];
  const signalName = `${name}, ${e.signal}`;
  // The baseline only ever raises a ticket: its 'pass' means "no ticket", never that a pass is earned
  // (the gate's decision carries that), so it neither blocks nor grants a verdict.
  const baseline: Pick<Decision, 'verdict' | 'severity' | 'summary'> = e.gapped || !check
    ? { verdict: 'inconclusive', severity: 'info', summary: `${signalName}: baseline check withheld (telemetry gap)` }
    : !check.active
      ? { verdict: 'pass', severity: 'info', summary: `${signalName}: no ticket (ring baseline still learning)` }
      : check.alarm
        ? { verdict: 'pass', severity: 'warning', summary: `${signalName}: ring ${e.signal} above its hour-of-week baseline (CUSUM ${check.statistic.toFixed(1)} >= ${s.cusumThreshold}); ticket, not a page` }
        : { verdict: 'pass', severity: 'info', summary: `${signalName}: no ticket (ring within its hour-of-week baseline)` };
  out.push(makeDecision(info, {
    ...base, layer: 'baseline', ...baseline,
    evidence: check ? { statistic: check.statistic, threshold: s.cusumThreshold, expectedCount: check.expected, observedCount: check.observed, baselineActive: check.active } : {},
  }));
  return out;
}
