// What travels on the telemetry topics (and, one per line, in backtest files): a validated event with the
// server's receipt stamp. Device clocks cannot be trusted, so detection windows by `receivedAt` and uses
// `eventAt` (the device time clamped by the collector's policy) only for ordering within a device.
import { Type, type Static } from '@sinclair/typebox';
import { EventKinds, type EventKind, type EventOf } from './events.ts';
import { compileValidator, validateEvent, type FieldError, type Validation } from './validate.ts';
import { MAX_ID_CHARS, ID_PATTERN } from './limits.ts';

export const CONTRACT_VERSION = 1;

const EnvelopeHeaderSchema = Type.Object({
  v: Type.Literal(CONTRACT_VERSION),
  kind: Type.Union(EventKinds.map((k) => Type.Literal(k))),
  receivedAt: Type.String({ format: 'date-time', description: 'Server receipt time (collector clock).' }),
  eventAt: Type.Optional(Type.String({ format: 'date-time', description: 'Device time after clamping.' })),
  collectorId: Type.String({ minLength: 1, maxLength: MAX_ID_CHARS, pattern: ID_PATTERN }),
  event: Type.Unknown(),
}, { additionalProperties: false });

export type EnvelopeHeader = Static<typeof EnvelopeHeaderSchema>;

export interface Envelope<K extends EventKind = EventKind> {
  v: typeof CONTRACT_VERSION;
  kind: K;
  receivedAt: string;
  eventAt?: string;
  collectorId: string;
  event: EventOf<K>;
}

export type AnyEnvelope = { [K in EventKind]: Envelope<K> }[EventKind];

const validateHeader = compileValidator<EnvelopeHeader>(EnvelopeHeaderSchema);

/** Validate a parsed envelope: header first, then the event against its kind's schema. */
export function validateEnvelope(value: unknown): Validation<AnyEnvelope> {
  const header = validateHeader(value);
  if (!header.ok) return header;
  const inner = validateEvent(header.value.kind, header.value.event, true); // the header check walked it
  if (!inner.ok) {
    return { ok: false, errors: inner.errors.map((e): FieldError => ({ path: `/event${e.path}`, reason: e.reason })) };
  }
  return { ok: true, value: header.value as AnyEnvelope };
}

/** Decode bytes from a topic or a file line into a validated envelope. */
export function decodeEnvelope(bytes: Buffer | string): Validation<AnyEnvelope> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (err) {
    return { ok: false, errors: [{ path: '', reason: `not JSON: ${(err as Error).message}` }] };
  }
  return validateEnvelope(parsed);
}

export function encodeEnvelope(envelope: AnyEnvelope): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

/** Kafka key of an envelope: telemetry is keyed by device, deployments by component. */
export function envelopeKey(envelope: AnyEnvelope): string {
  return envelope.kind === 'deployment' ? envelope.event.component : envelope.event.deviceId;
}
