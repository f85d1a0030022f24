// The signals topic's wire format: halt / rollback signals for release tooling, keyed by release
// (`component@version`) so one release's signals stay in order. The record value is the signal as JSON;
// the `ringwatch-signal-id` header repeats its id so a consumer (or the alerter after a restart) can drop a
// redelivered copy without parsing the value. Release tools read it with `decodeSignal`.
import { Type, type Static } from '@sinclair/typebox';
import { compileValidator, decodeJson, type Validation } from './validate.ts';
import { MAX_ID_CHARS, MAX_RING_CHARS } from './limits.ts';
import { releaseKey } from './decision.ts';

export const SIGNALS_FORMAT_VERSION = 1;
export const SIGNAL_ID_HEADER = 'ringwatch-signal-id';

const Id = Type.String({ minLength: 1, maxLength: MAX_ID_CHARS });

export const HaltSignalSchema = Type.Object({
  /** `halt|<component>@<version>|<ring>|<n>`: stable, so consumers drop a redelivered copy. */
  id: Type.String({ minLength: 1, maxLength: 1024 }),
  type: Type.Literal('halt'),
  release: Type.Object({ component: Id, version: Id }, { additionalProperties: false }),
  ring: Type.String({ minLength: 1, maxLength: MAX_RING_CHARS }),
  /** Which kind of failure: catastrophe (devices breaking: roll back) or regression (pause and look). */
  reason: Type.Union([Type.Literal('catastrophe'), Type.Literal('regression')]),
  rollbackRecommended: Type.Boolean(),
  incidentId: Type.String({ minLength: 1, maxLength: 1024 }),
  decisionId: Type.String({ minLength: 1, maxLength: 1024 }),
  summary: Type.String({ maxLength: 4096 }),
  evidence: Type.Record(Type.String(), Type.Unknown()),
  at: Type.String({ format: 'date-time' }),
}, { additionalProperties: false });

export type HaltSignal = Static<typeof HaltSignalSchema>;

const validate = compileValidator<HaltSignal>(HaltSignalSchema);

/** The record the alerter writes to the signals topic. */
export function encodeSignal(signal: HaltSignal): { key: string; value: Buffer; headers: Record<string, string> } {
  return { key: releaseKey(signal.release), value: Buffer.from(JSON.stringify(signal)), headers: { [SIGNAL_ID_HEADER]: signal.id } };
}

export function decodeSignal(bytes: Buffer): Validation<HaltSignal> {
  return decodeJson(bytes, validate);
}
