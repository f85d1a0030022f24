// Envelopes handed from a backtest's reading thread to its replay thread, cheaply. The reader knows each
// heartbeat's device shape (common/contract/heartbeat-shape.ts: everything but its times, event id, boot
// id and uptime), having validated the heartbeat against it. A shape crosses once, as JSON, with the first
// heartbeat of it handed over; each heartbeat then crosses as its shape's id and its changing values
// alone: strings in one array, numbers in one Float64Array. Crashes, deployments and heartbeats without a
// shape (devices past the memo's bound) cross as JSON. Parsing each event again on the far side, or
// cloning it, cost more than the work handed over (docs/backtest.md).
//
// Shapes are handed out in the reader's (file) order and heartbeats cross in receipt order, so a shape
// keeps its id for good: the far side forgets one when the reading side says it is replaced and no
// heartbeat of it waits in the reorder buffer any more.
//
// The far side's heartbeat equals the parsed one in every value (its key order is its shape's); its maps
// (components, applying, labels) are shared by the shape's heartbeats and frozen, so none is changed.
import type { AnyEnvelope, Envelope } from '../../common/contract/envelope.ts';
import { ShapeMemo, type Shape } from '../../common/contract/heartbeat-shape.ts';

/** Columns of one event: its receipt time, its uptime, and its shape's id (JSON follows when it is -1). */
const COLUMNS = 3;
const JSON_ONLY = -1;
/** Flags of one event: JSON follows (its shape, or the whole envelope). */
const WITH_JSON = 1;
/** Its sentAt is its eventAt's text, not sent again. */
const SENT_IS_EVENT_AT = 2;
/** Its boot id is its shape's (the device did not reboot), not sent again. */
const SHAPE_BOOT = 4;

export interface ShapedBatch {
  events: number;
  numbers: Float64Array;
  /**
   * The heartbeats' changing strings, in order: receivedAt, eventAt if its shape has it, eventId, sentAt
   * unless it is eventAt's text, bootId unless it is its shape's.
   */
  strings: string[];
  /** In order: the shape of each event that is the first of its shape to cross, every JSON_ONLY envelope. */
  json: string[];
  /** Per event: WITH_JSON, SENT_IS_EVENT_AT, SHAPE_BOOT. */
  flags: Uint8Array;
  /** Shapes the far side may forget once this batch is replayed. */
  retired: number[];
}

/** A shape as the reading side tracks it for crossing. */
export interface CrossingShape extends Shape {
  /** Sent to the far side. */
  sent: boolean;
  /** Heartbeats of it read and not yet handed over (in the reorder buffer, or in the reader's batch). */
  held: number;
  /** No longer its device's shape: no new heartbeat will be of it. */
  replaced: boolean;
  /** The encoder whose memo made it (a shape from another memo crosses as JSON). */
  owner: ShapeEncoder;
}

/** The reading thread's side: the reader's memo of shapes (pass it to the reader), and events in, batches out. */
export class ShapeEncoder {
  readonly shapes: ShapeMemo<CrossingShape>;
  private numbers: number[] = [];
  private strings: string[] = [];
  private json: string[] = [];
  private flags: number[] = [];
  private retired: number[] = [];

  /** `maxDevices`: devices whose shape is remembered (about 1 KB each, on each side); others cross as JSON. */
  constructor(maxDevices: number) {
    this.shapes = new ShapeMemo<CrossingShape>(maxDevices, {
      make: (id, env) => ({ id, env, sent: false, held: 0, replaced: false, owner: this }),
      used: (s) => { s.held++; },
      replaced: (s) => {
        s.replaced = true;
        if (s.held === 0 && s.sent) this.retired.push(s.id);
      },
    });
  }

  get size(): number {
    return this.flags.length;
  }

  /** An event in receipt order, with the shape the reader found for it (from this encoder's memo). */
  add(env: AnyEnvelope, receivedMs: number, shape: Shape | undefined): void {
    if (env.kind !== 'heartbeat' || (shape as CrossingShape | undefined)?.owner !== this) {
      this.json.push(JSON.stringify(env));
      this.flags.push(WITH_JSON);
      this.numbers.push(receivedMs, 0, JSON_ONLY);
      return;
    }
    const s = shape as CrossingShape;
    s.held--;
    let flags = 0;
    if (!s.sent) {
      s.sent = true;
      this.json.push(JSON.stringify(s.env));
      flags = WITH_JSON;
    }
    const e = env.event;
    this.numbers.push(receivedMs, e.uptimeSec, s.id);
    const strings = this.strings;
    strings.push(env.receivedAt);
    if (env.eventAt !== undefined) strings.push(env.eventAt);
    strings.push(e.eventId);
    if (e.sentAt === env.eventAt) flags |= SENT_IS_EVENT_AT;
    else strings.push(e.sentAt);
    if (e.bootId === s.env.event.bootId) flags |= SHAPE_BOOT;
    else strings.push(e.bootId);
    this.flags.push(flags);
    if (s.replaced && s.held === 0) this.retired.push(s.id);
  }

  /** The events added since the last take, as one batch (undefined if none). */
  take(): ShapedBatch | undefined {
    if (this.flags.length === 0) return undefined;
    const batch: ShapedBatch = {
      events: this.flags.length, numbers: Float64Array.from(this.numbers), strings: this.strings, json: this.json,
      flags: Uint8Array.from(this.flags), retired: this.retired,
    };
    this.numbers = [];
    this.strings = [];
    this.json = [];
    this.flags = [];
    this.retired = [];
    return batch;
  }
}

/**
 * The replay thread's side: batches in, envelopes (with their receipt times) out, in order. A heartbeat
 * handed out is its shape's envelope object, reused for the shape's next one: read it during the call,
 * never keep it (the replay keeps ids and numbers, and the maps, which do not change).
 */
export class ShapeDecoder {
  private readonly shapes = new Map<number, { env: Envelope<'heartbeat'>; bootId: string }>();

  /** Shapes held (for tests: the far side forgets replaced ones). */
  get size(): number {
    return this.shapes.size;
  }

  decode(batch: ShapedBatch, each: (env: AnyEnvelope, receivedMs: number) => void): void {
    const { numbers, strings, json, flags } = batch;
    let j = 0;
    let k = 0;
    for (let i = 0; i < batch.events; i++) {
      const receivedMs = numbers[COLUMNS * i];
      const id = numbers[COLUMNS * i + 2];
      if (id === JSON_ONLY) {
        each(JSON.parse(json[j++]) as AnyEnvelope, receivedMs);
        continue;
      }
      const f = flags[i];
      if ((f & WITH_JSON) !== 0) {
        const env = frozenMaps(JSON.parse(json[j++]) as Envelope<'heartbeat'>);
        this.shapes.set(id, { env, bootId: env.event.bootId });
      }
      // The shape's envelope, its changing fields overwritten: no allocation per heartbeat.
      const shape = this.shapes.get(id)!;
      const env = shape.env;
      const event = env.event;
      env.receivedAt = strings[k++];
      if (env.eventAt !== undefined) env.eventAt = strings[k++];
      event.eventId = strings[k++];
      event.sentAt = (f & SENT_IS_EVENT_AT) !== 0 ? env.eventAt! : strings[k++];
      event.bootId = (f & SHAPE_BOOT) !== 0 ? shape.bootId : strings[k++];
      event.uptimeSec = numbers[COLUMNS * i + 1];
      each(env, receivedMs);
    }
    for (const id of batch.retired) this.shapes.delete(id);
  }
}

function frozenMaps(env: Envelope<'heartbeat'>): Envelope<'heartbeat'> {
  const ev = env.event as unknown as Record<string, unknown>;
  for (const k in ev) if (typeof ev[k] === 'object' && ev[k] !== null) Object.freeze(ev[k]);
  return env;
}
