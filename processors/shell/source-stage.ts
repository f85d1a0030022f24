// Source stage: the processor consumer group on heartbeats and crashes. One SourceCore per owned
// partition; each batch is decoded, de-duplicated, applied, and the partial windows it closed are
// published to the cells topic (plus a watermark tick into the matching crashes partition) before the
// batch's offsets are committed. Invalid records go to the dead-letter topic and never stop the consumer.
// Batches of different partitions run concurrently (bus.kafka.partitions_consumed_concurrently), never two
// of one partition: every piece of state a batch touches (core, pending partials, eviction count) is keyed
// by its source, and the shared producer coalesces concurrent publishes into one request.
import type { Bus, BusConsumer, BusProducer, BatchContext, ConsumedBatch, ConsumedRecord } from '../../common/bus/types.ts';
import type { Topics } from '../../common/bus/topics.ts';
import { publishDeadLetters, type DeadLetter } from '../../common/contract/dead-letter.ts';
import { checkDecodedEnvelope, parseEnvelope, type AnyEnvelope } from '../../common/contract/envelope.ts';
import { BatchReader } from '../../common/contract/batch.ts';
import { CompactBatchReader } from '../../common/contract/compact-batch.ts';
import { batchKind } from '../../common/contract/record-entries.ts';
import type { FieldError } from '../../common/contract/validate.ts';
import { encodeCells } from '../../common/contract/cells.ts';
import { timestampMs } from '../../common/contract/formats.ts';
import type { Clock } from '../../common/runtime/clock.ts';
import type { Lifecycle } from '../../common/runtime/lifecycle.ts';
import type { Logger } from '../../common/telemetry/logger.ts';
import type { PartialWindow } from '../core/partial.ts';
import type { DetectionSettings } from '../core/settings.ts';
import { SourceCore } from '../core/source-core.ts';
import type { ProcessorMetrics } from './metrics.ts';
import { replayPartition } from './replay.ts';
import { tickRecord } from './ticks.ts';
import { decodeTick, isTick } from '../../common/contract/ticks.ts';
import { tracedHandler, tracedPublish } from '../../common/telemetry/messaging-spans.ts';

export interface SourceStageOptions {
  bus: Bus;
  producer: BusProducer;
  topics: Topics;
  settings: DetectionSettings;
  groupId: string;
  partitions: number;
  idleAdvanceMs: number;
  restoreTimeoutMs: number;
  /** End of the newest window any heartbeat source has closed (data time), from the judge. */
  fleetWatermark: () => number | undefined;
  metrics: ProcessorMetrics;
  logger: Logger;
  clock: Clock;
  /** telemetry.trace_max_links */
  maxSpanLinks: number;
}

type Kind = 'heartbeats' | 'crashes';

const TALLIED = ['accepted', 'duplicate', 'late', 'backfill', 'ignored', 'tick', 'invalid'] as const;
type Tally = Record<(typeof TALLIED)[number], number> & { oldestMs: number; newestMs: number };
const newTally = (): Tally => ({ accepted: 0, duplicate: 0, late: 0, backfill: 0, ignored: 0, tick: 0, invalid: 0, oldestMs: Infinity, newestMs: -Infinity });

export class SourceStage implements Lifecycle {
  readonly cores = new Map<string, SourceCore>();
  private readonly pending = new Map<string, PartialWindow[]>();
  private readonly evictedSeen = new Map<string, number>();
  /** Reused for every batch record (batches of different partitions never interleave inside apply). */
  private readonly reader = new BatchReader();
  private readonly compact = new CompactBatchReader();
  private readonly o: SourceStageOptions;
  private consumer: BusConsumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastInputMs: number;
  private maintaining = false;
  private owned: string[] = [];
  started = false;

  constructor(options: SourceStageOptions) {
    this.o = options;
    this.lastInputMs = options.clock.now();
  }

  async start(): Promise<void> {
    const { bus, topics, groupId } = this.o;
    this.consumer = bus.consumer({
      groupId, topics: [topics.heartbeats, topics.crashes], fromBeginning: true,
      // One `process <topic>` span per batch; the cells and ticks it writes carry its context.
      handler: tracedHandler(groupId, this.o.maxSpanLinks, (batch, ctx: BatchContext) => this.handle(batch, ctx)),
      onAssignment: (assigned) => this.assigned(assigned.map((a) => `${this.kindOf(a.topic)}/${a.partition}`)),
    });
    await this.consumer.start();
    this.timer = setInterval(() => void this.maintain(), 1000);
    this.started = true;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const consumer = this.consumer;
    this.consumer = undefined;
    this.started = false;
    await consumer?.stop();
  }

  private kindOf(topic: string): Kind {
    return topic === this.o.topics.heartbeats ? 'heartbeats' : 'crashes';
  }

  /** State of partitions handed elsewhere is dropped: if one comes back, it is rebuilt from the log. */
  private assigned(sources: string[]): void {
    const keep = new Set(sources);
    for (const s of this.cores.keys()) if (!keep.has(s)) this.cores.delete(s);
    this.owned = sources;
    this.o.metrics.sourcesOwned.set(keep.size);
  }

  private async handle(batch: ConsumedBatch, ctx: BatchContext): Promise<void> {
    const started = performance.now();
    this.lastInputMs = this.o.clock.now();
    const kind = this.kindOf(batch.topic);
    const source = `${kind}/${batch.partition}`;
    const first = BigInt(batch.records[0].offset);
    let core = this.cores.get(source);
    if (!core || first > core.nextOffset) core = await this.restore(source, batch, first, ctx);
    const dead: DeadLetter[] = [];
    const tally = newTally();
    for (const r of batch.records) this.apply(core, kind, r, dead, tally);
    this.count(kind, tally);
    const partials = this.queue(source, core);
    const sends: Promise<void>[] = [];
    if (dead.length) sends.push(publishDeadLetters(this.o.producer, this.o.topics.deadLetter, dead, new Date(this.o.clock.now())));
    sends.push(this.publishPartials(source, partials, kind === 'heartbeats' ? batch.partition : undefined));
    await Promise.all(sends);
    const evicted = core.devices.evicted - (this.evictedSeen.get(source) ?? 0);
    if (evicted > 0) this.o.metrics.evictions.inc(evicted);
    this.evictedSeen.set(source, core.devices.evicted);
    this.o.metrics.devices.set([...this.cores.values()].reduce((n, c) => n + c.devices.size, 0));
    this.o.metrics.batchSeconds.observe({ stage: 'source' }, (performance.now() - started) / 1000);
  }

  /**
   * Apply one record exactly once (by offset): a tick, a v1 record (one envelope), a v2 batch record
   * (common/contract/batch.ts) or a v3 compact batch record (compact-batch.ts); a batch's events are
   * applied together, so the offset still says what is applied.
   * `dead` is undefined while replaying (already handled). Per event, the hot path allocates no record,
   * buffer, header or result object; a v2 event what JSON.parse makes, a v3 event its envelope and event
   * objects (its strings and maps are decoded once per record); outcomes are counted per batch.
   */
  private apply(core: SourceCore, kind: Kind, r: ConsumedRecord, dead: DeadLetter[] | undefined, tally?: Tally): void {
    const offset = BigInt(r.offset);
    if (offset < core.nextOffset) return;
    core.nextOffset = offset + 1n;
    const source = () => `topic:${r.topic}/${r.partition}@${r.offset}`;
    if (isTick(r.headers)) {
      const tick = decodeTick(r.value);
      if (tick.ok) {
        core.advance(tick.value.watermarkMs, tick.value.closedAt);
        if (tally) tally.tick++;
      } else {
        dead?.push({ key: r.key, original: r.value, reason: 'invalid_record', errors: tick.errors, source: source() });
        if (tally) tally.invalid++;
      }
      return;
    }
    let batch: ReturnType<typeof batchKind>;
    try {
      batch = batchKind(r.headers);
      if (batch === 'compact') this.compact.reset(r.value);
      else if (batch === 'json') this.reader.reset(r.value);
    } catch (err) {
      // An unknown format or a damaged batch: its events cannot be told apart, so the record goes to the
      // dead letters whole.
      dead?.push({ key: r.key, original: r.value, reason: 'invalid_record', errors: [{ path: '', reason: (err as Error).message }], source: source() });
      if (tally) tally.invalid++;
      return;
    }
    if (batch === undefined) {
      this.feed(core, parseEnvelope(r.value.toString('utf8')), r.timestamp, tally, dead, () => ({ key: r.key, original: r.value, source: source() }));
      return;
    }
    const reader = batch === 'compact' ? this.compact : this.reader;
    // A dead letter keeps the entry's bytes: a v2 entry's own JSON text, a v3 entry's decoded JSON.
    const entry = () => ({ key: reader.key(), original: Buffer.from(reader.value()), source: `${source()}#${reader.index}` });
    if (reader === this.compact) {
      const compact = this.compact;
      while (compact.next()) this.feed(core, checkDecodedEnvelope(compact.doc), r.timestamp, tally, dead, entry);
      return;
    }
    const json = this.reader;
    while (json.next()) this.feed(core, parseEnvelope(json.valueText()), r.timestamp, tally, dead, entry);
  }

  private feed(
    core: SourceCore, decoded: AnyEnvelope | FieldError[], brokerMs: number, tally: Tally | undefined,
    dead: DeadLetter[] | undefined, where: () => { key: string; original: Buffer; source: string },
  ): void {
    if (Array.isArray(decoded)) {
      dead?.push({ ...where(), reason: 'invalid_event', errors: decoded });
      if (tally) tally.invalid++;
      return;
    }
    const outcome = core.feed(decoded, brokerMs);
    if (!tally) return;
    tally[outcome]++;
    if (outcome === 'accepted') {
      const t = timestampMs(decoded.receivedAt);
      if (t < tally.oldestMs) tally.oldestMs = t;
      if (t > tally.newestMs) tally.newestMs = t;
    }
  }

  /** One batch's counts into the metrics (one increment per outcome, not per event). */
  private count(kind: Kind, tally: Tally): void {
    const m = this.o.metrics;
    for (const outcome of TALLIED) if (tally[outcome]) m.events.inc({ topic: kind, outcome }, tally[outcome]);
    if (tally.accepted) {
      // Receipt-to-processing age of the batch's oldest and newest accepted events.
      const now = this.o.clock.now();
      m.eventAge.observe(Math.max(0, now - tally.oldestMs) / 1000);
      if (tally.newestMs !== tally.oldestMs) m.eventAge.observe(Math.max(0, now - tally.newestMs) / 1000);
    }
  }

  private async restore(source: string, batch: ConsumedBatch, until: bigint, ctx: BatchContext): Promise<SourceCore> {
    const core = new SourceCore(source, this.o.settings);
    const kind = this.kindOf(batch.topic);
    try {
      const applied = await replayPartition(this.o.bus, batch.topic, batch.partition, until, (r) => this.apply(core, kind, r, undefined), {
        timeoutMs: this.o.restoreTimeoutMs, heartbeat: () => ctx.heartbeat(),
      });
      this.o.metrics.restores.inc({ outcome: 'ok' });
      if (until > 0n) this.o.logger.info({ source, records: applied, offset: until.toString() }, 'source state rebuilt by replay');
    } catch (err) {
      this.o.metrics.restores.inc({ outcome: 'failed' });
      throw err;
    }
    // Partials of windows closed before the committed offset were published by the previous owner.
    core.drain();
    this.cores.set(source, core);
    this.evictedSeen.set(source, core.devices.evicted);
    return core;
  }

  /** Newly closed partials join those a failed publish left behind. */
  private queue(source: string, core: SourceCore): PartialWindow[] {
    const closed = core.drain();
    const partials = [...(this.pending.get(source) ?? []), ...closed];
    this.pending.set(source, partials);
    this.o.metrics.windowsClosed.inc(closed.length);
    return partials;
  }

  private async publishPartials(source: string, partials: PartialWindow[], heartbeatPartition: number | undefined): Promise<void> {
    if (!partials.length) return;
    // Keyed by source, not by window: one source's partials stay in order in one cells partition, so a
    // judge that sees window w+1 from a source has already seen w (a source moving past a window without
    // a partial had nothing for it). Re-emits repeat (source, window) and the judge keeps the first.
    const sends = [tracedPublish(this.o.producer, this.o.topics.cells, partials.map((p) => ({
      key: p.source, value: encodeCells(p),
    })))];
    if (heartbeatPartition !== undefined) {
      const last = partials[partials.length - 1];
      sends.push(tracedPublish(this.o.producer, this.o.topics.crashes, [tickRecord(heartbeatPartition, this.o.partitions, {
        watermarkMs: (last.window + 1) * last.windowMs, closedAt: last.closedAt,
      })]));
    }
    await Promise.all(sends);
    this.pending.delete(source);
    this.o.metrics.partials.inc({ outcome: 'published' }, partials.length);
  }

  private async maintain(): Promise<void> {
    if (this.maintaining) return;
    this.maintaining = true;
    try {
      await this.advanceEmpty();
      await this.idleAdvance();
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'advancing idle sources failed; will retry');
    } finally {
      this.maintaining = false;
    }
  }

  /**
   * A heartbeats partition with no record at all (a small fleet, more partitions than devices) would keep
   * the judge waiting forever: once its lag shows it is empty, it closes windows along with the fleet.
   */
  private async advanceEmpty(): Promise<void> {
    const watermark = this.o.fleetWatermark();
    const empty = this.owned.filter((s) => s.startsWith('heartbeats/') && (this.cores.get(s)?.nextOffset ?? 0n) === 0n);
    if (watermark === undefined || !empty.length) return;
    const lags = await this.o.bus.lag(this.o.groupId, [this.o.topics.heartbeats]);
    for (const source of empty) {
      const partition = Number(source.split('/')[1]);
      if (lags.find((l) => l.partition === partition)?.lag !== 0) continue;
      let core = this.cores.get(source);
      if (!core) this.cores.set(source, (core = new SourceCore(source, this.o.settings)));
      core.advance(watermark, watermark);
      await this.publishPartials(source, this.queue(source, core), partition);
    }
  }

  /** With no input at all for idle_advance_secs, windows close by the wall clock (total outage -> gap). */
  private async idleAdvance(): Promise<void> {
    const now = this.o.clock.now();
    if (this.o.idleAdvanceMs <= 0 || now - this.lastInputMs < this.o.idleAdvanceMs) return;
    for (const [source, core] of this.cores) {
      if (!source.startsWith('heartbeats/')) continue;
      core.advance(now - this.o.settings.latenessMs, now);
      await this.publishPartials(source, this.queue(source, core), Number(source.split('/')[1]));
    }
  }
}
