// The pure core of ingestion: parsed events in, envelopes to publish and refusals out. No I/O, no clock
// of its own: the receipt time is passed in, so tests replay any clock situation exactly.
import { CONTRACT_VERSION, type AnyEnvelope } from '../common/contract/envelope.ts';
import { eventTime, type EventKind, type EventOf } from '../common/contract/events.ts';
import { isCanonicalTimestamp } from '../common/contract/formats.ts';
import { validateEvent, type FieldError } from '../common/contract/validate.ts';
import { applyClockPolicy, type ClockPolicy } from './clock-policy.ts';
import type { EventReason } from './reasons.ts';

export interface Refusal {
  /** Position in the request's `events` array. */
  index: number;
  reason: EventReason;
  errors: FieldError[];
}

export interface Accepted {
  index: number;
  envelope: AnyEnvelope;
}

export interface AcceptResult {
  accepted: Accepted[];
  refused: Refusal[];
  /** Accepted events whose device time was ahead of receipt and clamped to it. */
  clamped: number;
}

/** Whom the request's credential may speak for (undefined sets: anyone). */
export interface Identity {
  devices?: ReadonlySet<string>;
  rings?: ReadonlySet<string>;
}

export interface AcceptInput {
  kind: EventKind;
  events: unknown[];
  receivedAtMs: number;
  collectorId: string;
  policy: ClockPolicy;
  identity?: Identity;
}

/** An event the credential may not post: another device's, or from a ring the credential does not allow. */
function identityRefusal(event: EventOf<EventKind>, identity: Identity | undefined): Omit<Refusal, 'index'> | undefined {
  if (!identity || !('deviceId' in event)) return undefined;
  if (identity.devices && !identity.devices.has(event.deviceId)) {
    return { reason: 'device_not_allowed', errors: [{ path: '/deviceId', reason: 'this credential may not post events for this device' }] };
  }
  if (identity.rings && !identity.rings.has(event.ring)) {
    return { reason: 'ring_not_allowed', errors: [{ path: '/ring', reason: 'this credential may not report this ring' }] };
  }
  return undefined;
}

/** The JSON path of the device-time field of each kind, for refusals by the clock policy. */
const TIME_FIELD: Record<EventKind, string> = { heartbeat: '/sentAt', crash: '/occurredAt', deployment: '/at' };

export function acceptEvents(input: AcceptInput): AcceptResult {
  const { kind, events, receivedAtMs, collectorId, policy, identity } = input;
  const receivedAt = new Date(receivedAtMs).toISOString();
  const result: AcceptResult = { accepted: [], refused: [], clamped: 0 };
  events.forEach((raw, index) => {
    const checked = validateEvent(kind, raw);
    if (!checked.ok) return void result.refused.push({ index, reason: 'invalid_field', errors: checked.errors });
    const event = checked.value as EventOf<EventKind>;
    const forbidden = identityRefusal(event, identity);
    if (forbidden) return void result.refused.push({ index, ...forbidden });
    const sent = eventTime(kind, event);
    const time = applyClockPolicy(sent, receivedAtMs, policy);
    if (!time.ok) {
      return void result.refused.push({ index, reason: time.reason, errors: [{ path: TIME_FIELD[kind], reason: time.message }] });
    }
    if (time.clamped) result.clamped++;
    // A device time already in canonical form is kept as sent (the same text, without a Date and a new string).
    const eventAt = !time.clamped && isCanonicalTimestamp(sent) ? sent : new Date(time.eventAtMs).toISOString();
    const envelope = { v: CONTRACT_VERSION, kind, receivedAt, eventAt, collectorId, event } as AnyEnvelope;
    result.accepted.push({ index, envelope });
  });
  return result;
}

/** Best-effort partition key of a refused element: its device (or component), else none. */
export function refusedKey(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return '';
  const { deviceId, component } = raw as { deviceId?: unknown; component?: unknown };
  const key = typeof deviceId === 'string' ? deviceId : typeof component === 'string' ? component : '';
  return key.length <= 128 ? key : '';
}
