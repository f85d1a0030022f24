// Evidence travels into incidents, pages, signals and the incidents topic, so it is bounded once, here.
// What a responder needs first (the two exposures, the statistic against its threshold, the best
// attribution candidates) survives a cut; free-form extras go first.
import type { Decision, Evidence } from '../../common/contract/decision.ts';
import type { DecisionDigest } from './model.ts';

const KEPT_FIELDS = ['updated', 'control', 'pValue', 'statistic', 'threshold', 'crashReports', 'power', 'reason', 'bound', 'design'] as const;
const KEPT_CANDIDATES = 3;

export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

export function boundEvidence(evidence: Evidence, maxBytes: number): Evidence {
  if (jsonBytes(evidence) <= maxBytes) return evidence;
  const kept: Record<string, unknown> = { truncated: true };
  for (const field of KEPT_FIELDS) if (evidence[field] !== undefined) kept[field] = evidence[field];
  if (Array.isArray(evidence.attribution)) {
    kept.attribution = evidence.attribution.slice(0, KEPT_CANDIDATES).map((c) => ({ ...c, why: String(c.why).slice(0, 200) }));
  }
  if (typeof kept.power === 'string') kept.power = kept.power.slice(0, 500);
  if (jsonBytes(kept) <= maxBytes) return kept;
  return { truncated: true, note: `evidence larger than ${maxBytes} bytes; see the decisions topic` };
}

export function digestOf(d: Decision, maxEvidenceBytes: number): DecisionDigest {
  return {
    id: d.id,
    verdict: d.verdict,
    severity: d.severity,
    layer: d.layer,
    ...(d.signal ? { signal: d.signal } : {}),
    summary: d.summary,
    evidence: boundEvidence(d.evidence, maxEvidenceBytes),
    windowStart: d.windowStart,
    windowEnd: d.windowEnd,
    decidedAt: d.decidedAt,
  };
}
