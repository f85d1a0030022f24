// Envelopes handed from a backtest's reading thread to its replay thread, cheaply. A heartbeat differs from
// its device's previous one only in its times, its event id, its boot id and its uptime; the rest (keys,
// collector, ring, component maps, OS, region, labels, interval) is its device's shape. A device's shape
// crosses once, as JSON, and again only when it changes; each heartbeat then crosses as its changing values
// alone: strings in one array, numbers in one Float64Array. Crashes, deployments and heartbeats of
// devices past the bound cross as JSON. Parsing each event again on the far side, or cloning it, cost
// more than the work handed over (docs/backtest.md).
//
// The far side's heartbeat equals the parsed one in every value (its key order is its shape's); its maps
// (components, applying, labels) are shared by the device's heartbeats and frozen, so none is changed.
// Shapes are remembered per device, in a slot of its own on each side, for a bounded number of devices.
import { EnvelopeHeaderSchema, type AnyEnvelope, type Envelope } from '../../common/contract/envelope.ts';
import { HeartbeatSchema } from '../../common/contract/events.ts';
import { hash32 } from '../../processors/core/device-table.ts';

/** The string fields that change from one heartbeat to the next, in the order they cross. */
const CHANGING_TOP = ['receivedAt', 'eventAt'] as const;
const CHANGING_EVENT = ['eventId', 'sentAt', 'bootId'] as const;
const NUMBER_EVENT = 'uptimeSec';

/** Columns of one event: its receipt time, its uptime, and its device's slot (JSON follows when it is -1). */
const COLUMNS = 3;
const JSON_ONLY = -1;

export interface ShapedBatch {
  events: number;
  numbers: Float64Array;
  /** The heartbeats' changing strings, in order. */
  strings: string[];
  /** In order: a shape for each event whose device's shape is new or changed, every JSON_ONLY envelope. */
  json: string[];
  /** Per event, 1 when its shape (or, for JSON_ONLY, its envelope) is in `json`. */
  flags: Uint8Array;
}

type Loose = Record<string, unknown>;

/**
 * Every field of a heartbeat envelope, by what crosses: the changing ones as values, the rest as the shape.
 * Checked against the contract when this module loads, so a new field cannot go unnoticed.
 */
const SHAPE_TOP = ['v', 'kind', 'collectorId'] as const;
const SHAPE_EVENT = ['deviceId', 'ring', 'intervalSecs', 'os', 'hardware', 'region'] as const;
const SHAPE_MAPS = ['components', 'applying', 'labels'] as const;
{
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k) => b.includes(k));
  if (!same(Object.keys(EnvelopeHeaderSchema.properties), [...CHANGING_TOP, ...SHAPE_TOP, 'event'])
    || !same(Object.keys(HeartbeatSchema.properties), [...CHANGING_EVENT, NUMBER_EVENT, ...SHAPE_EVENT, ...SHAPE_MAPS])) {
    throw new Error('heartbeat-shapes.ts does not know every field of a heartbeat envelope');
  }
}

/** Two flat string maps (or two absent ones) with the same entries. */
function sameMap(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  let n = 0;
  for (const k in a) {
    n++;
    if (a[k] !== b[k]) return false;
  }
  for (const _ in b) n--;
  return n === 0;
}

/**
 * Same shape: equal in every field but the changing ones, which both have or both lack. Valid envelopes
 * have no other fields (the contract refuses unknown ones), so no key is left uncompared.
 */
function sameShape(a: Envelope<'heartbeat'>, b: Envelope<'heartbeat'>): boolean {
  const x = a.event;
  const y = b.event;
  return a.collectorId === b.collectorId && (a.eventAt === undefined) === (b.eventAt === undefined) && a.v === b.v
    && x.deviceId === y.deviceId && x.ring === y.ring && x.intervalSecs === y.intervalSecs && x.os === y.os
    && x.hardware === y.hardware && x.region === y.region
    && sameMap(x.components, y.components) && sameMap(x.applying, y.applying) && sameMap(x.labels, y.labels);
}

interface Slot {
  slot: number;
  /** The device's last envelope of another shape than its previous one. */
  shape: Envelope<'heartbeat'>;
}

/** The reading thread's side: events in, batches out. */
export class ShapeEncoder {
  /** By a 32-bit hash of the device id (a number key is found faster than a new string); the id decides. */
  private readonly slots = new Map<number, Slot>();
  private nextSlot = 0;
  private readonly maxDevices: number;
  private numbers: number[] = [];
  private strings: string[] = [];
  private json: string[] = [];
  private flags: number[] = [];

  /** `maxDevices`: devices whose shape is remembered (about 1 KB each, on each side); others cross as JSON. */
  constructor(maxDevices: number) {
    this.maxDevices = maxDevices;
  }

  get size(): number {
    return this.flags.length;
  }

  add(env: AnyEnvelope, receivedMs: number): void {
    if (env.kind !== 'heartbeat') {
      this.whole(env, receivedMs);
      return;
    }
    const e = env.event;
    const key = hash32(e.deviceId) | 0;
    let known = this.slots.get(key);
    // Another device with the same hash: it keeps the key, this one crosses whole.
    if (known && known.shape.event.deviceId !== e.deviceId) known = undefined;
    let fresh = false;
    if (!known || !sameShape(known.shape, env)) {
      if (!known && (this.nextSlot >= this.maxDevices || this.slots.has(key))) {
        this.whole(env, receivedMs);
        return;
      }
      if (known) known.shape = env;
      else this.slots.set(key, (known = { slot: this.nextSlot++, shape: env }));
      fresh = true;
    }
    if (fresh) this.json.push(JSON.stringify(env));
    this.flags.push(fresh ? 1 : 0);
    this.numbers.push(receivedMs, e.uptimeSec, known.slot);
    const strings = this.strings;
    strings.push(env.receivedAt);
    if (env.eventAt !== undefined) strings.push(env.eventAt);
    strings.push(e.eventId, e.sentAt, e.bootId);
  }

  private whole(env: AnyEnvelope, receivedMs: number): void {
    this.json.push(JSON.stringify(env));
    this.flags.push(1);
    this.numbers.push(receivedMs, 0, JSON_ONLY);
  }

  /** The events added since the last take, as one batch (undefined if none). */
  take(): ShapedBatch | undefined {
    if (this.flags.length === 0) return undefined;
    const batch: ShapedBatch = {
      events: this.flags.length, numbers: Float64Array.from(this.numbers), strings: this.strings, json: this.json, flags: Uint8Array.from(this.flags),
    };
    this.numbers = [];
    this.strings = [];
    this.json = [];
    this.flags = [];
    return batch;
  }
}

/**
 * The replay thread's side: batches in, envelopes (with their receipt times) out, in order. A heartbeat
 * handed out is its device's envelope object, reused for the device's next one: read it during the call,
 * never keep it (the replay keeps ids and numbers, and the maps, which do not change).
 */
export class ShapeDecoder {
  private readonly shapes: (Envelope<'heartbeat'> | undefined)[] = [];

  decode(batch: ShapedBatch, each: (env: AnyEnvelope, receivedMs: number) => void): void {
    const { numbers, strings, json, flags } = batch;
    let j = 0;
    let k = 0;
    for (let i = 0; i < batch.events; i++) {
      const receivedMs = numbers[COLUMNS * i];
      const slot = numbers[COLUMNS * i + 2];
      if (slot === JSON_ONLY) {
        each(JSON.parse(json[j++]) as AnyEnvelope, receivedMs);
        continue;
      }
      if (flags[i] === 1) this.shapes[slot] = frozenMaps(JSON.parse(json[j++]) as Envelope<'heartbeat'>);
      // The device's envelope, its changing fields overwritten: no allocation per heartbeat.
      const env = this.shapes[slot] as Envelope<'heartbeat'>;
      const event = env.event;
      env.receivedAt = strings[k++];
      if (env.eventAt !== undefined) env.eventAt = strings[k++];
      event.eventId = strings[k++];
      event.sentAt = strings[k++];
      event.bootId = strings[k++];
      event.uptimeSec = numbers[COLUMNS * i + 1];
      each(env, receivedMs);
    }
  }
}

function frozenMaps(env: Envelope<'heartbeat'>): Envelope<'heartbeat'> {
  const ev = env.event as unknown as Loose;
  for (const k in ev) if (typeof ev[k] === 'object' && ev[k] !== null) Object.freeze(ev[k]);
  return env;
}
