// Judge stage: merges partial windows from every source and publishes decisions. Attribution and the
// completeness gate need the whole fleet's view of a window (every ring, every region), and a window's
// merged cells are small, so every instance runs a full judge (active-active) instead of splitting cells:
// it reads all of the cells and deployments topics with a group of its own (fresh per process start, from
// the beginning), so a restarted or surviving instance rebuilds the same state and writes the same
// decisions, with the same ids, as any other. Duplicates on the decisions topic are identical by design.
import { randomUUID } from 'node:crypto';
import type { Bus, BusConsumer, BusProducer, BatchContext, ConsumedBatch } from '../../common/bus/types.ts';
import type { Topics } from '../../common/bus/topics.ts';
import { publishDeadLetters, type DeadLetter } from '../../common/contract/dead-letter.ts';
import { decodeEnvelope } from '../../common/contract/envelope.ts';
import { decisionKey, encodeDecision } from '../../common/contract/decision.ts';
import { decodeCells } from '../../common/contract/cells.ts';
import type { Clock } from '../../common/runtime/clock.ts';
import type { Lifecycle } from '../../common/runtime/lifecycle.ts';
import { sleep } from '../../common/runtime/retry.ts';
import type { Logger } from '../../common/telemetry/logger.ts';
import { Judge } from '../core/judge.ts';
import type { PartialWindow } from '../core/partial.ts';
import type { DetectionSettings } from '../core/settings.ts';
import type { ProcessorMetrics } from './metrics.ts';
import { Serial } from '../../common/runtime/serial.ts';
import type { Link } from '@opentelemetry/api';
import { linksFromHeaders } from '../../common/telemetry/tracing.ts';
import { inSpan, linkedSpan, tracedHandler, tracedPublish } from '../../common/telemetry/messaging-spans.ts';

export interface JudgeStageOptions {
  bus: Bus;
  producer: BusProducer;
  topics: Topics;
  settings: DetectionSettings;
  groupId: string;
  instanceId: string;
  partitions: number;
  deploymentsWaitMs: number;
  metrics: ProcessorMetrics;
  logger: Logger;
  clock: Clock;
  /** telemetry.trace_max_links */
  maxSpanLinks: number;
}

export function sourceNames(partitions: number): string[] {
  return ['heartbeats', 'crashes'].flatMap((kind) => Array.from({ length: partitions }, (_, p) => `${kind}/${p}`));
}

export class JudgeStage implements Lifecycle {
  readonly judge: Judge;
  readonly deploymentsGroup: string;
  readonly cellsGroup: string;
  private readonly o: JudgeStageOptions;
  private consumers: BusConsumer[] = [];
  /**
   * Batches of different cells partitions may be handed over concurrently (bus.kafka.
   * partitions_consumed_concurrently). The judge is one state for all partitions, and drain + publish
   * must not interleave, or decisions could reach the topic out of judged order: cells batches run one
   * at a time. Its cost is per window, not per event, so nothing is lost by that.
   */
  private readonly cellsTurn = new Serial();
  /** Trace contexts of the partials merged into each pending window: a judged window links to all of them. */
  private readonly windowLinks = new Map<number, Link[]>();
  started = false;

  constructor(options: JudgeStageOptions) {
    this.o = options;
    this.judge = new Judge(options.settings, sourceNames(options.partitions));
    const run = `${options.groupId}-judge-${options.instanceId}-${randomUUID().slice(0, 8)}`;
    this.deploymentsGroup = `${run}-deployments`;
    this.cellsGroup = `${run}-cells`;
  }

  async start(): Promise<void> {
    const { bus, topics } = this.o;
    const links = this.o.maxSpanLinks;
    const deployments = bus.consumer({ groupId: this.deploymentsGroup, topics: [topics.deployments], fromBeginning: true, handler: tracedHandler(this.deploymentsGroup, links, (b) => this.onDeployments(b)) });
    const cells = bus.consumer({ groupId: this.cellsGroup, topics: [topics.cells], fromBeginning: true, handler: tracedHandler(this.cellsGroup, links, (b, ctx: BatchContext) => this.cellsTurn.run(() => this.onCells(b, ctx))) });
    this.consumers = [deployments, cells];
    await deployments.start();
    await cells.start();
    this.started = true;
  }

  async stop(): Promise<void> {
    const consumers = this.consumers;
    this.consumers = [];
    this.started = false;
    await Promise.all(consumers.map((c) => c.stop()));
    // The groups live as long as this process (a fresh pair per start): drop them instead of leaving
    // them to expire with offsets.retention.minutes.
    if (consumers.length) {
      await this.o.bus.deleteGroups([this.deploymentsGroup, this.cellsGroup])
        .catch((err: Error) => this.o.logger.warn({ err: err.message }, 'judge consumer groups not deleted'));
    }
  }

  private async onDeployments(batch: ConsumedBatch): Promise<void> {
    const dead: DeadLetter[] = [];
    for (const r of batch.records) {
      const decoded = decodeEnvelope(r.value);
      if (!decoded.ok || decoded.value.kind !== 'deployment') {
        const errors = decoded.ok ? [{ path: '/kind', reason: 'not a deployment' }] : decoded.errors;
        dead.push({ key: r.key, original: r.value, reason: 'invalid_event', errors, source: `topic:${r.topic}/${r.partition}@${r.offset}` });
        this.o.metrics.events.inc({ topic: 'deployments', outcome: 'invalid' });
        continue;
      }
      const added = this.judge.addDeployment(decoded.value);
      this.o.metrics.events.inc({ topic: 'deployments', outcome: added ? 'accepted' : 'duplicate' });
    }
    if (dead.length) await publishDeadLetters(this.o.producer, this.o.topics.deadLetter, dead, new Date(this.o.clock.now()));
  }

  private async onCells(batch: ConsumedBatch, ctx: BatchContext): Promise<void> {
    const started = performance.now();
    const dead: DeadLetter[] = [];
    for (const r of batch.records) {
      const decoded = decodeCells(r.value);
      if (!decoded.ok) {
        this.o.metrics.partials.inc({ outcome: 'invalid' });
        dead.push({ key: r.key, original: r.value, reason: 'invalid_record', errors: decoded.errors, source: `topic:${r.topic}/${r.partition}@${r.offset}` });
        continue;
      }
      const partial: PartialWindow = decoded.value;
      const outcome = this.judge.addPartial(partial);
      this.o.metrics.partials.inc({ outcome });
      if (outcome === 'added') this.noteLink(partial.window, r.headers);
    }
    if (dead.length) await publishDeadLetters(this.o.producer, this.o.topics.deadLetter, dead, new Date(this.o.clock.now()));
    if (this.judge.nextReady() === undefined) return;
    await this.awaitRolloutFeed(ctx);
    const judgedBefore = this.judge.judged;
    const decisions = this.judge.drain();
    const links = this.takeLinks();
    if (decisions.length) {
      // The decisions carry the context of a span linked to every partial of the judged windows.
      await inSpan(linkedSpan('judge windows', links, { 'ringwatch.decisions': decisions.length }),
        () => tracedPublish(this.o.producer, this.o.topics.decisions, decisions.map((d) => ({ key: decisionKey(d), value: encodeDecision(d) }))));
    }
    this.o.metrics.observe(decisions);
    this.o.metrics.windowsJudged.inc(this.judge.judged - judgedBefore);
    if (this.judge.nextWindow !== undefined) this.o.metrics.judgedUntil.set((this.judge.nextWindow * this.o.settings.windowMs) / 1000);
    this.o.metrics.batchSeconds.observe({ stage: 'judge' }, (performance.now() - started) / 1000);
  }

  private noteLink(window: number, headers: Record<string, string>): void {
    const [link] = linksFromHeaders([headers], 1);
    if (!link) return;
    const links = this.windowLinks.get(window) ?? [];
    if (links.length < this.o.maxSpanLinks) links.push(link);
    this.windowLinks.set(window, links);
  }

  /** Links of the windows judged so far (at most trace_max_links), forgotten once taken. */
  private takeLinks(): Link[] {
    const judgedUntil = this.judge.nextWindow ?? Number.NEGATIVE_INFINITY;
    const links: Link[] = [];
    for (const [w, l] of this.windowLinks) {
      if (w >= judgedUntil) continue;
      links.push(...l.slice(0, this.o.maxSpanLinks - links.length));
      this.windowLinks.delete(w);
    }
    return links;
  }

  /**
   * A window is judged with the deployments received before its end. Those were written before the
   * telemetry that closed the window, so once our deployments consumer has no lag we have them all.
   */
  private async awaitRolloutFeed(ctx: BatchContext): Promise<void> {
    const deadline = this.o.clock.now() + this.o.deploymentsWaitMs;
    for (;;) {
      const lag = await this.o.bus.lag(this.deploymentsGroup, [this.o.topics.deployments]).catch(() => undefined);
      if (lag && lag.every((l) => l.lag === 0)) return;
      if (this.o.clock.now() >= deadline) {
        this.o.logger.warn({ group: this.deploymentsGroup }, 'rollout feed still lagging; judging with what has arrived');
        return;
      }
      await ctx.heartbeat();
      await sleep(50);
    }
  }
}
