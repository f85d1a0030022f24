// Decisions: what processors conclude per (release, ring, signal, window), and what alerting acts on.
// Published to the decisions topic keyed by `id`, which is deterministic per cell and window, so a replay
// or a redelivery rewrites the same decision instead of adding one.
import { Type, type TSchema } from '@sinclair/typebox';
import { compileValidator, decodeJson, type Validation } from './validate.ts';
import { parseTimestamp } from './formats.ts';
import { ID_PATTERN, MAX_ID_CHARS, MAX_RING_CHARS } from './limits.ts';
export const VERDICTS = ['pass', 'fail', 'inconclusive'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Which detection layer spoke (detection.md: 0 completeness, 1 catastrophe, 2 gate, 3 baseline). */
export const LAYERS = ['completeness', 'catastrophe', 'gate', 'baseline'] as const;
export type Layer = (typeof LAYERS)[number];

export const SIGNALS = ['silent', 'crashed', 'boot_loop'] as const;
export type Signal = (typeof SIGNALS)[number];

export type Severity = 'critical' | 'error' | 'warning' | 'info';

export interface Release {
  component: string;
  version: string;
}

/** Devices in one side of the comparison: how many could have shown the signal, and how many did. */
export interface Exposure {
  exposed: number;
  affected: number;
}

export interface AttributionCandidate extends Release {
  /** Higher is a better match of rollout start time and ring to the onset and the affected devices. */
  score: number;
  startedAt: string;
  why: string;
  /** Blamed for the ring's anomaly (fired and within attribution_min_share of the best). */
  blamed?: boolean;
}

/**
 * Why a release verdict is what it is, as processors and the verdict API say it (closed set; the table
 * in docs/detection.md has one row per value). Carried as `evidence.reason` on release decisions.
 */
export const RELEASE_REASONS = [
  'passed', 'failed', 'failed_on_other_ring', 'insufficient_exposure', 'soaking', 'insufficient_power',
  'bound_above_limit', 'confirming', 'no_control', 'attributed_elsewhere', 'unattributed_change', 'pipeline_gap',
] as const;
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

/** What a pass rules out (and, before it is earned, how far the evidence has got). */
export interface PassBound {
  /** 0.95 for 95 % bounds. */
  confidence: number;
  /** Always-valid upper bound on the rate ratio exposed vs control (null: nothing ruled out yet). */
  rateRatio: number | null;
  rateRatioLimit: number;
  /** Exact upper bound on the share of watched exposed devices affected. */
  affectedShare: number;
  watchedDevices: number;
  affectedDevices: number;
  /** Which bound the pass rests on: the ratio, or (rare signals, small rings) the absolute share. */
  route: 'rate_ratio' | 'absolute';
  soakSecs: number;
}

export interface Evidence {
  /** Devices that took the release (or, when devices never report it, the ring since the rollout began). */
  updated?: Exposure;
  /** Same-time control: devices in the ring that did not take it, or the control ring. */
  control?: Exposure;
  pValue?: number;
  statistic?: number;
  threshold?: number;
  /** Crash reports (not devices) in the window, for context. */
  crashReports?: number;
  /** Other releases that could explain it, best first. */
  attribution?: AttributionCandidate[];
  /** For inconclusive verdicts without a failure: what the data could have shown ("2x would be seen after ..."). */
  power?: string;
  /** Release decisions: why the verdict is what it is (a ReleaseReason); pipeline gaps: what the gap is. */
  reason?: ReleaseReason | string;
  /** Gate decisions: the bound behind a pass (or how far it has got). */
  bound?: PassBound;
  /** Comparison behind the counts: 'cohort' (stratified same-time control) or 'self_controlled'. */
  design?: string;
  [key: string]: unknown;
}

/**
 * release_verdict: a release on a ring; pipeline_gap: a telemetry gap (the pipeline's incident);
 * unattributed_change: devices of a ring going silent or crashing together, unlike comparable devices
 * elsewhere, with no rollout that fits (its own page; releases active there read inconclusive).
 */
export const DECISION_KINDS = ['release_verdict', 'pipeline_gap', 'unattributed_change'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

export interface Decision {
  v: 1;
  /** `<kind>|<component>@<version>|<ring>|<signal>|<layer>|<windowStart>` (or the scope for gaps). */
  id: string;
  kind: DecisionKind;
  layer: Layer;
  verdict: Verdict;
  severity: Severity;
  /** Absent for pipeline gaps. */
  release?: Release;
  ring: string;
  signal?: Signal;
  /** For pipeline gaps: what went quiet (a region, a collector). */
  scope?: { region?: string; collectorId?: string };
  windowStart: string;
  windowEnd: string;
  decidedAt: string;
  /** One line a human reads on a page. */
  summary: string;
  evidence: Evidence;
}

export function decisionId(d: Pick<Decision, 'kind' | 'release' | 'ring' | 'signal' | 'layer' | 'windowStart' | 'scope'>): string {
  const what = d.release ? `${d.release.component}@${d.release.version}` : `${d.scope?.region ?? ''}/${d.scope?.collectorId ?? ''}`;
  return [d.kind, what, d.ring, d.signal ?? '', d.layer, d.windowStart].join('|');
}

export const releaseKey = (r: Release): string => `${r.component}@${r.version}`;

/**
 * Kafka key of a decision: every decision of one release (or one gap scope) goes to one partition, so the
 * alerter sees a release's windows in order across rings and layers. The id (in the value) stays the
 * idempotency key: a replay or a second judge writes the same id again.
 */
export function decisionKey(d: Pick<Decision, 'kind' | 'release' | 'scope'>): string {
  return d.release ? `${d.kind}|${releaseKey(d.release)}` : `${d.kind}|${d.scope?.region ?? ''}/${d.scope?.collectorId ?? ''}`;
}

// The decisions topic's wire format: the record value is the decision as JSON, validated on the way in so a
// malformed record is dead-lettered and counted instead of corrupting the alerter's verdict table.
const oneOf = (values: readonly string[]): TSchema => Type.Union(values.map((v) => Type.Literal(v)));
const Id = Type.String({ minLength: 1, maxLength: MAX_ID_CHARS, pattern: ID_PATTERN });
const Time = Type.String({ format: 'date-time' });

/** Ring names are label-safe words; '*' (or '') on a pipeline gap means every ring. */
export const ALL_RINGS = '*';

const DecisionSchema = Type.Object({
  v: Type.Literal(1),
  id: Type.String({ minLength: 1, maxLength: 1024 }),
  kind: oneOf(DECISION_KINDS),
  layer: oneOf(LAYERS),
  verdict: oneOf(VERDICTS),
  severity: oneOf(['critical', 'error', 'warning', 'info']),
  release: Type.Optional(Type.Object({ component: Id, version: Id }, { additionalProperties: false })),
  ring: Type.String({ maxLength: MAX_RING_CHARS, pattern: '^(\\*|[a-z0-9][a-z0-9_\\-]*)?$' }),
  signal: Type.Optional(oneOf(SIGNALS)),
  scope: Type.Optional(Type.Object({ region: Type.Optional(Id), collectorId: Type.Optional(Id) }, { additionalProperties: false })),
  windowStart: Time,
  windowEnd: Time,
  decidedAt: Time,
  summary: Type.String({ maxLength: 4096 }),
  evidence: Type.Record(Type.String(), Type.Unknown()),
}, { additionalProperties: false });

const validate = compileValidator<Decision>(DecisionSchema);

/** Parse and validate one record value; cross-field rules the schema cannot say are checked here. */
export function decodeDecision(bytes: Buffer): Validation<Decision> {
  const result = decodeJson(bytes, validate);
  if (!result.ok) return result;
  const d = result.value;
  if (d.kind === 'release_verdict' && !d.release) return { ok: false, errors: [{ path: '/release', reason: 'required for release_verdict' }] };
  if (d.kind === 'release_verdict' && (d.ring === '' || d.ring === ALL_RINGS)) return { ok: false, errors: [{ path: '/ring', reason: 'a release verdict names one ring' }] };
  if (parseTimestamp(d.windowEnd) < parseTimestamp(d.windowStart)) return { ok: false, errors: [{ path: '/windowEnd', reason: 'before windowStart' }] };
  return result;
}

/** Millisecond timestamps the core compares (the schema already guaranteed they parse). */
export const windowStartMs = (d: Pick<Decision, 'windowStart'>): number => parseTimestamp(d.windowStart);
export const windowEndMs = (d: Pick<Decision, 'windowEnd'>): number => parseTimestamp(d.windowEnd);

/** The record value written to the decisions topic. */
export const encodeDecision = (d: Decision): Buffer => Buffer.from(JSON.stringify(d));
