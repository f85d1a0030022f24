// Decision objects (common/contract/decision.ts): one line a human reads, and the evidence behind it.
// decidedAt is data time (the receipt time that closed the window), so a replay writes identical bytes.
import { decisionId, type Decision, type Evidence, type Layer, type Release, type Severity, type Signal, type Verdict } from '../../common/contract/decision.ts';
import type { Gap } from './completeness.ts';
import type { Side } from './comparisons.ts';

export interface WindowInfo {
  window: number;
  windowMs: number;
  decidedAt: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function makeDecision(
  w: WindowInfo,
  d: { kind: Decision['kind']; layer: Layer; verdict: Verdict; severity: Severity; release?: Release; ring: string; signal?: Signal; scope?: Decision['scope']; summary: string; evidence: Evidence },
): Decision {
  const windowStart = iso(w.window * w.windowMs);
  const base = { ...d, windowStart };
  return {
    v: 1,
    id: decisionId(base),
    kind: d.kind,
    layer: d.layer,
    verdict: d.verdict,
    severity: d.severity,
    ...(d.release ? { release: d.release } : {}),
    ring: d.ring,
    ...(d.signal ? { signal: d.signal } : {}),
    ...(d.scope ? { scope: d.scope } : {}),
    windowStart,
    windowEnd: iso((w.window + 1) * w.windowMs),
    decidedAt: iso(w.decidedAt),
    summary: d.summary.slice(0, 1000),
    evidence: d.evidence,
  };
}

export const exposure = (side: Side) => ({ exposed: side.exposed, affected: side.affected });

export const fraction = (side: Side): string =>
  `${side.affected}/${side.exposed} (${side.exposed ? ((100 * side.affected) / side.exposed).toFixed(1) : '0.0'}%)`;

export const pText = (p: number): string => (p < 1e-3 ? p.toExponential(1) : p.toFixed(3));

export function gapDecision(w: WindowInfo, gap: Gap, open: boolean): Decision {
  const scope = gap.kind === 'region' ? { region: gap.name } : { collectorId: gap.name };
  const what = `${gap.kind} ${gap.name}`;
  const why = gap.reason === 'silent'
    ? `${gap.silent}/${gap.expected} devices silent across ${gap.rings.length} rings`
    : `${gap.delayed}/${gap.records} records reached Kafka late`;
  return makeDecision(w, {
    kind: 'pipeline_gap', layer: 'completeness', ring: '*', scope,
    verdict: open ? 'inconclusive' : 'pass',
    severity: open ? 'critical' : 'info',
    summary: open
      ? `Telemetry gap in ${what}: ${why}; release verdicts in its rings are withheld (pipeline incident, not a release failure)`
      : `${what} is reporting again`,
    evidence: {
      updated: { exposed: gap.expected, affected: gap.silent }, reason: gap.reason, rings: gap.rings,
      records: gap.records, delayed: gap.delayed,
    },
  });
}
