// What travels on the telemetry topics (and, one per line, in backtest files): a validated event with the
// server's receipt stamp. Device clocks cannot be trusted, so detection windows by `receivedAt` and uses
// `eventAt` (the device time clamped by the collector's policy) only for ordering within a device.
import { Kind, Type, type Static, type TSchema } from '@sinclair/typebox';
import { EventKinds, EventSchemas, type EventKind, type EventOf } from './events.ts';
import { compileFastCheck } from './fast-validate.ts';
import { compileValidator, validateEvent, type FieldError, type Validation } from './validate.ts';
import { MAX_ID_CHARS, ID_PATTERN } from './limits.ts';

export const CONTRACT_VERSION = 1;

export const EnvelopeHeaderSchema = Type.Object({
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

/**
 * One fast checker per kind for header and event together, so a valid envelope is walked once (the
 * header's own checker must also look inside `event`, which it knows only as Unknown, for forbidden keys).
 */
const wholeEnvelope = new Map(EventKinds.map((kind) => [kind as string, compileFastCheck(Type.Object({
  ...EnvelopeHeaderSchema.properties, kind: Type.Literal(kind), event: EventSchemas[kind],
}, { additionalProperties: false }))]));

/**
 * For envelopes decoded from compact batch records (compact-batch.ts), whose flat maps (components,
 * applying, labels) are frozen objects shared by many events of one record: per kind, the whole-envelope
 * checker, calling for each map property a checker that remembers its answer per frozen map object.
 */
const decodedChecks = new Map(EventKinds.map((kind) => {
  const event = EventSchemas[kind] as TSchema & { properties: Record<string, TSchema> };
  const use = new Map<TSchema, (v: unknown) => boolean>();
  for (const schema of Object.values(event.properties)) {
    if (schema[Kind] !== 'Record' || use.has(schema)) continue;
    const check = compileFastCheck(schema);
    if (!check) continue;
    const seen = new WeakMap<object, boolean>();
    use.set(schema, (v) => {
      if (typeof v !== 'object' || v === null) return false;
      let ok = seen.get(v);
      if (ok === undefined) {
        ok = check(v);
        // Only a frozen map (the reader's) is remembered: its content cannot change after the check.
        if (Object.isFrozen(v)) seen.set(v, ok);
      }
      return ok;
    });
  }
  return [kind as string, compileFastCheck(Type.Object({
    ...EnvelopeHeaderSchema.properties, kind: Type.Literal(kind), event,
  }, { additionalProperties: false }), use)];
}));

/**
 * Validate an envelope decoded from a compact batch record: the verdict of validateEnvelope, with a map
 * shared by many events checked once. A valid envelope is returned as it is; otherwise the errors,
 * decided and reported by the full path.
 */
export function checkDecodedEnvelope(doc: unknown): AnyEnvelope | FieldError[] {
  const kind = typeof doc === 'object' && doc !== null ? (doc as { kind?: unknown }).kind : undefined;
  if (typeof kind === 'string' && decodedChecks.get(kind)?.(doc)) return doc as AnyEnvelope;
  const full = validateEnvelopeFully(doc);
  return full.ok ? full.value : full.errors;
}

/** Validate a parsed envelope: header first, then the event against its kind's schema. */
export function validateEnvelope(value: unknown): Validation<AnyEnvelope> {
  const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  if (typeof kind === 'string' && wholeEnvelope.get(kind)?.(value)) return { ok: true, value: value as AnyEnvelope };
  return validateEnvelopeFully(value);
}

let fullHeader: typeof validateHeader | undefined;

/**
 * The full path: what decides, and reports, whenever the fast checker refuses. `fast: false` skips the
 * fast checkers inside too (the reference they are tested against).
 */
export function validateEnvelopeFully(value: unknown, o: { fast?: boolean } = {}): Validation<AnyEnvelope> {
  const header = o.fast === false ? (fullHeader ??= compileValidator<EnvelopeHeader>(EnvelopeHeaderSchema, o))(value) : validateHeader(value);
  if (!header.ok) return header;
  const inner = validateEvent(header.value.kind, header.value.event, true, o); // the header check walked it
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

/**
 * The consumers' hot path: parse and validate one envelope's text. A valid envelope is returned as parsed
 * (no result object around it); otherwise the errors, decided and reported by the full path.
 */
export function parseEnvelope(text: string): AnyEnvelope | FieldError[] {
  const parsed = parseJson(text);
  return parsed instanceof JsonError ? parsed.errors : checkParsedEnvelope(parsed);
}

/** Text that is not JSON, as the field error parseEnvelope reports. */
export class JsonError {
  readonly errors: FieldError[];
  constructor(err: Error) {
    this.errors = [{ path: '', reason: `not JSON: ${err.message}` }];
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    return new JsonError(err as Error);
  }
}

/** parseEnvelope's check of what JSON.parse made: the envelope as it is, or the errors. */
export function checkParsedEnvelope(parsed: unknown): AnyEnvelope | FieldError[] {
  const kind = typeof parsed === 'object' && parsed !== null ? (parsed as { kind?: unknown }).kind : undefined;
  if (typeof kind === 'string' && wholeEnvelope.get(kind)?.(parsed)) return parsed as AnyEnvelope;
  const full = validateEnvelopeFully(parsed);
  return full.ok ? full.value : full.errors;
}

export function encodeEnvelope(envelope: AnyEnvelope): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

/** Kafka key of an envelope: telemetry is keyed by device, deployments by component. */
export function envelopeKey(envelope: AnyEnvelope): string {
  return envelope.kind === 'deployment' ? envelope.event.component : envelope.event.deviceId;
}
