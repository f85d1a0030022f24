// The three decisions (catastrophe, gate, baseline) of one release in one ring for one signal and window.
// 'fail' comes only from layers 1 and 2, and only for a release the attribution blames; a data gap makes
// every layer 'inconclusive'; the baseline CUSUM only ever warns.
import { releaseKey, type Decision, type Evidence, type Layer } from '../../common/contract/decision.ts';
import { windowsToDetect } from '../stats/msprt.ts';
import type { Attribution } from './attribution.ts';
import { exposure, fraction, makeDecision, pText, type WindowInfo } from './decisions.ts';
import type { ReleaseEval } from './release-eval.ts';
import type { BaselineCheck } from './ring-history.ts';
import type { DetectionSettings } from './settings.ts';

export interface Sticky {
  window: number;
  summary: string;
}

export const stickyKey = (e: ReleaseEval, layer: Layer) => `${releaseKey(e.rollout.release)}|${e.rollout.ring}|${e.signal}|${layer}`;

type Verdicts = Pick<Decision, 'verdict' | 'severity' | 'summary'>;

function verdictOf(
  e: ReleaseEval, layer: 'catastrophe' | 'gate', fired: boolean, evidenceLine: string, attribution: Attribution | undefined,
  sticky: Map<string, Sticky>, info: WindowInfo, applicable: boolean,
): Verdicts & { firstFailedWindow?: number } {
  const name = `${releaseKey(e.rollout.release)} in ring ${e.rollout.ring}`;
  const key = stickyKey(e, layer);
  const severity = layer === 'catastrophe' ? 'critical' : 'error';
  const known = sticky.get(key);
  if (known) return { verdict: 'fail', severity, summary: `FAIL (since ${new Date(known.window * info.windowMs).toISOString()}): ${known.summary}`, firstFailedWindow: known.window };
  if (e.gapped) return { verdict: 'inconclusive', severity: 'info', summary: `${name}, ${e.signal}: verdict withheld, a telemetry gap covers this ring or its control` };
  const me = releaseKey(e.rollout.release);
  if (fired && attribution?.blamed.has(me)) {
    const summary = `${name}: ${e.signal} ${evidenceLine}; attributed to ${me}${attribution.ranking.length > 1 ? ` over ${attribution.ranking.filter((r) => `${r.component}@${r.version}` !== me).map((r) => `${r.component}@${r.version}`).join(', ')}` : ''}`;
    sticky.set(key, { window: info.window, summary });
    return { verdict: 'fail', severity, summary: `FAIL: ${summary}`, firstFailedWindow: info.window };
  }
  if (fired && attribution?.best && attribution.best !== me) {
    return { verdict: 'pass', severity: 'info', summary: `${name}, ${e.signal}: ring-wide excess (${evidenceLine}) is attributed to ${attribution.best}, not to this release` };
  }
  if (fired) return { verdict: 'inconclusive', severity: 'warning', summary: `${name}, ${e.signal}: ${evidenceLine}, but the onset does not follow this or any other rolling release` };
  if (!applicable) return { verdict: 'inconclusive', severity: 'info', summary: `${name}, ${e.signal}: no comparison possible yet (no exposed devices or too small a control)` };
  return { verdict: 'pass', severity: 'info', summary: `${name}, ${e.signal}: ${evidenceLine}` };
}

const failedSince = (window: number | undefined, info: WindowInfo) =>
  (window === undefined ? {} : { failedSince: new Date(window * info.windowMs).toISOString() });

export function releaseDecisions(
  info: WindowInfo, e: ReleaseEval, attribution: Attribution | undefined, check: BaselineCheck | undefined,
  sticky: Map<string, Sticky>, s: DetectionSettings,
): Decision[] {
  const base = { kind: 'release_verdict' as const, release: e.rollout.release, ring: e.rollout.ring, signal: e.signal };
  const attributionEvidence = attribution ? { attribution: attribution.ranking } : {};
  const startedAt = new Date(e.rollout.startedAt).toISOString();

  const applicable = e.catastrophes.filter((k) => k.result.applicable);
  const cat = [...applicable].sort((a, b) => Number(b.result.fired) - Number(a.result.fired) || a.result.pValue - b.result.pValue)[0];
  const catLine = cat
    ? `${fraction(cat.comparison.updated)} updated vs ${fraction(cat.comparison.control)} control (${cat.comparison.kind}, p=${pText(cat.result.pValue)})`
    : 'no comparison';
  const catVerdict = verdictOf(e, 'catastrophe', e.firedCatastrophe, catLine, attribution, sticky, info, cat !== undefined);
  const catEvidence: Evidence = cat ? {
    updated: exposure(cat.comparison.updated), control: exposure(cat.comparison.control), pValue: cat.result.pValue,
    statistic: cat.result.excess, threshold: s.alphaCatastrophe, crashReports: cat.comparison.updated.crashReports,
    comparison: cat.comparison.kind, controlRings: cat.comparison.controlRings, nullFraction: cat.result.nullFraction,
    minAffectedDevices: s.minAffected, minExcessFraction: s.minExcess,
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
  const gateVerdict = verdictOf(e, 'gate', e.firedGate, gateLine, attribution, sticky, info, gate !== undefined);
  const gateEvidence: Evidence = gate ? {
    updated: exposure(gate.comparison.updated), control: exposure(gate.comparison.control),
    statistic: gate.logLambda, threshold: gate.threshold, pValue: Math.min(1, Math.exp(-gate.logLambda)),
    comparison: gate.comparison.kind, updatedEvents: m.updatedEvents, controlEvents: m.controlEvents, windows: m.windows,
    nullShare: gate.nullShare, historicalRatio: gate.state.rho, ...(gateVerdict.verdict === 'pass' ? { power } : {}),
  } : {};

  const out = [
    makeDecision(info, { ...base, layer: 'catastrophe', ...catVerdict, evidence: { ...catEvidence, ...attributionEvidence, startedAt, ...failedSince(catVerdict.firstFailedWindow, info) } }),
    makeDecision(info, { ...base, layer: 'gate', ...gateVerdict, evidence: { ...gateEvidence, ...attributionEvidence, startedAt, ...failedSince(gateVerdict.firstFailedWindow, info) } }),
  ];
  const name = `${releaseKey(e.rollout.release)} in ring ${e.rollout.ring}, ${e.signal}`;
  const baseline: Pick<Decision, 'verdict' | 'severity' | 'summary'> = e.gapped || !check
    ? { verdict: 'inconclusive', severity: 'info', summary: `${name}: baseline check withheld (telemetry gap)` }
    : !check.active
      ? { verdict: 'pass', severity: 'info', summary: `${name}: ring baseline still learning` }
      : check.alarm
        ? { verdict: 'pass', severity: 'warning', summary: `${name}: ring ${e.signal} above its hour-of-week baseline (CUSUM ${check.statistic.toFixed(1)} >= ${s.cusumThreshold}); ticket, not a page` }
        : { verdict: 'pass', severity: 'info', summary: `${name}: ring within its hour-of-week baseline` };
  out.push(makeDecision(info, {
    ...base, layer: 'baseline', ...baseline,
    evidence: check ? { statistic: check.statistic, threshold: s.cusumThreshold, expectedCount: check.expected, observedCount: check.observed, baselineActive: check.active } : {},
  }));
  return out;
}
