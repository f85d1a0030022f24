// Decisions as they arrive on the decisions topic: parsed and validated before the core sees them, so a
// malformed record from a processor is dead-lettered and counted instead of corrupting the verdict table.
// The interface lives in common/contract/decision.ts; this is its runtime schema.
import { Type, type TSchema } from '@sinclair/typebox';
import { DECISION_KINDS, LAYERS, SIGNALS, VERDICTS, type Decision } from '../../common/contract/decision.ts';
import { compileValidator, type Validation } from '../../common/contract/validate.ts';
import { parseTimestamp } from '../../common/contract/formats.ts';
import { ID_PATTERN, MAX_ID_CHARS, MAX_RING_CHARS } from '../../common/contract/limits.ts';

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
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { ok: false, errors: [{ path: '', reason: `not JSON: ${(err as Error).message}` }] };
  }
  const result = validate(parsed);
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
