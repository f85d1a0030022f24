// A heartbeat's shape: everything in it but the fields that change from one heartbeat of a device to its
// next (receipt and device times, event id, boot id, uptime). A device sends the same shape for hours
// (its collector, ring, component maps, OS, region, labels), so a reader that remembers each device's last
// validated shape need only check the changing fields of a heartbeat of that shape: its other fields are
// those of an envelope already found valid, and its keys the same keys. The verdict is the whole-envelope
// check's (property-tested), at about its cost (some fifteen string comparisons instead of the identifier
// tables); what it adds is the shape itself, which a backtest hands to its replay thread once per device
// instead of every heartbeat whole (tools/replay/heartbeat-shapes.ts).
import { EnvelopeHeaderSchema, type Envelope } from './envelope.ts';
import { HeartbeatSchema } from './events.ts';
import { compileFastCheck, type FastCheck } from './fast-validate.ts';

/** The fields that change between heartbeats: their names, in the envelope and in its event. */
const CHANGING_TOP = ['receivedAt', 'eventAt'] as const;
const CHANGING_EVENT = ['eventId', 'sentAt', 'bootId', 'uptimeSec'] as const;
const SHAPE_TOP = ['v', 'kind', 'collectorId'] as const;
const SHAPE_EVENT = ['deviceId', 'ring', 'intervalSecs', 'os', 'hardware', 'region'] as const;
const SHAPE_MAPS = ['components', 'applying', 'labels'] as const;
{
  // Every field of the contract is either changing or compared below: a new one cannot go unnoticed.
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k) => b.includes(k));
  if (!same(Object.keys(EnvelopeHeaderSchema.properties), [...CHANGING_TOP, ...SHAPE_TOP, 'event'])
    || !same(Object.keys(HeartbeatSchema.properties), [...CHANGING_EVENT, ...SHAPE_EVENT, ...SHAPE_MAPS])) {
    throw new Error('heartbeat-shape.ts does not know every field of a heartbeat envelope');
  }
}

type Heartbeat = Envelope<'heartbeat'>;
type Loose = Record<string, unknown>;

function check(schema: Parameters<typeof compileFastCheck>[0]): FastCheck {
  const c = compileFastCheck(schema);
  if (!c) throw new Error('a changing heartbeat field has no fast check');
  return c;
}
const isReceivedAt = check(EnvelopeHeaderSchema.properties.receivedAt);
const isEventAt = check(EnvelopeHeaderSchema.properties.eventAt);
const isEventId = check(HeartbeatSchema.properties.eventId);
const isSentAt = check(HeartbeatSchema.properties.sentAt);
const isBootId = check(HeartbeatSchema.properties.bootId);
const isUptime = check(HeartbeatSchema.properties.uptimeSec);

/** Own enumerable keys of a JSON object (for-in: no array is made). */
function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/** Two flat string maps (or two absent ones) with the same entries; an array is no map, even an empty one. */
function sameMap(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return false;
  let n = 0;
  for (const k in a) {
    n++;
    if (a[k] !== b[k]) return false;
  }
  return keyCount(b) === n;
}

/**
 * `b` (any parsed JSON) has the shape of heartbeat `a`: the same keys, equal values but in the changing
 * fields, which both have or both lack.
 */
export function sameShape(a: Heartbeat, b: Loose): boolean {
  const x = a.event;
  const y = b.event as Loose | undefined;
  if (typeof y !== 'object' || y === null || Array.isArray(y)) return false;
  return b.kind === a.kind && b.v === a.v && b.collectorId === a.collectorId && (b.eventAt === undefined) === (a.eventAt === undefined)
    && y.deviceId === x.deviceId && y.ring === x.ring && y.intervalSecs === x.intervalSecs && y.os === x.os
    && y.hardware === x.hardware && y.region === x.region
    && sameMap(x.components, y.components as Record<string, string> | undefined)
    && sameMap(x.applying, y.applying as Record<string, string> | undefined)
    && sameMap(x.labels, y.labels as Record<string, string> | undefined)
    && keyCount(b) === keyCount(a) && keyCount(y) === keyCount(x);
}

/** The changing fields of a heartbeat of a valid shape are valid (present: its shape has them). */
function changingValid(b: Loose): boolean {
  const y = b.event as Loose;
  return isReceivedAt(b.receivedAt) && (b.eventAt === undefined || isEventAt(b.eventAt))
    && isEventId(y.eventId) && isSentAt(y.sentAt) && isBootId(y.bootId) && isUptime(y.uptimeSec);
}

/** A device's shape: a valid heartbeat of it, and an id no other shape of this memo has. */
export interface Shape {
  readonly id: number;
  readonly env: Heartbeat;
}

export interface ShapeHooks<S extends Shape> {
  make(id: number, env: Heartbeat): S;
  /** A line was found to have this shape (it was remembered for it, or matched it). */
  used?(shape: S): void;
  /** The device's shape changed: `old` is no longer handed out. */
  replaced?(old: S): void;
}

/**
 * Each device's last validated shape, for a bounded number of devices. Devices are found by a 32-bit hash
 * of their id (a number key is found faster than a new string); the id itself decides.
 */
export class ShapeMemo<S extends Shape = Shape> {
  private readonly byDevice = new Map<number, S>();
  private readonly maxDevices: number;
  private readonly hooks: ShapeHooks<S>;
  private nextId = 0;

  constructor(maxDevices: number, hooks: ShapeHooks<S>) {
    this.maxDevices = maxDevices;
    this.hooks = hooks;
  }

  /** The known shape of parsed JSON `value`, if it is a heartbeat of it whose changing fields are valid. */
  match(value: unknown): S | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const v = value as Loose;
    const event = v.event as Loose | undefined;
    if (v.kind !== 'heartbeat' || typeof event !== 'object' || event === null || typeof event.deviceId !== 'string') return undefined;
    const known = this.byDevice.get(hashKey(event.deviceId));
    if (!known || !sameShape(known.env, v) || !changingValid(v)) return undefined;
    this.hooks.used?.(known);
    return known;
  }

  /**
   * Remember a valid heartbeat as its device's shape and return it; undefined past the bound, or when
   * another device holds its key.
   */
  remember(env: Heartbeat): S | undefined {
    const key = hashKey(env.event.deviceId);
    const old = this.byDevice.get(key);
    if (old ? old.env.event.deviceId !== env.event.deviceId : this.byDevice.size >= this.maxDevices) return undefined;
    const shape = this.hooks.make(this.nextId++, env);
    this.byDevice.set(key, shape);
    if (old) this.hooks.replaced?.(old);
    this.hooks.used?.(shape);
    return shape;
  }
}

/**
 * FNV-1a over the id's UTF-16 code units, as a small integer key (the foundation cannot import the
 * processors' device-table hash; a collision only costs a device its memo, the id decides).
 */
export function hashKey(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h | 0;
}
