// What only the active replica does: consume decisions, persist what changed, hand notices to the outbox
// and the delivery worker, run the time-based rules. Every change to the core is persisted (acknowledged
// by the bus) before its decisions are committed, so a crash or a takeover repeats work the core
// recognises as duplicate, and every notice is in the outbox on the incidents topic before it is sent.
import type { RoleContext } from '../../common/runtime/role.ts';
import type { ConsumedBatch, BatchContext, BusConsumer } from '../../common/bus/types.ts';
import type { Decision } from '../../common/contract/decision.ts';
import { decodeDecision } from '../../common/contract/decision.ts';
import { publishDeadLetters, type DeadLetter } from '../../common/contract/dead-letter.ts';
import type { Lifecycle } from '../../common/runtime/lifecycle.ts';
import { backoffMs, sleep } from '../../common/runtime/retry.ts';
import { Serial } from '../../common/runtime/serial.ts';
import type { AlertingSettings } from '../config.ts';
import type { AlerterCore, Effects } from '../core/alerter-core.ts';
import { planDeliveries, type RoutingTargets } from '../core/routing.ts';
import { createSenders } from '../integrations/senders.ts';
import { DeliveryWorker } from './delivery-worker.ts';
import type { AlertingMetrics } from './metrics.ts';
import type { Outbox } from './outbox.ts';
import type { StateStore } from './store.ts';
import type { TriggeredKeys } from './triggered-keys.ts';
import type { BoardHistory } from '../board/history.ts';
import { STATE_KEYS } from '../../common/contract/alerter-state.ts';
import { tracedHandler } from '../../common/telemetry/messaging-spans.ts';
import { traceHeaders } from '../../common/telemetry/tracing.ts';

export const OUTBOX_PREFIX = STATE_KEYS.outbox;

export interface ActiveDeps {
  ctx: RoleContext<AlertingSettings>;
  core: AlerterCore;
  outbox: Outbox;
  store: StateStore;
  metrics: AlertingMetrics;
  targets: RoutingTargets;
  /** Halt ids already on the signals topic: a kill between publishing one and recording it must not repeat it. */
  publishedSignals: ReadonlySet<string>;
  /** Routing keys of open PagerDuty alerts (a resolve goes where its trigger went). */
  triggered: TriggeredKeys;
  /** The board's chart history: every applied decision and notice. */
  history: BoardHistory;
}

export class ActiveAlerter implements Lifecycle {
  private readonly d: ActiveDeps;
  private readonly s: AlertingSettings;
  private readonly worker: DeliveryWorker;
  private consumer: BusConsumer | undefined;
  private ticker: NodeJS.Timeout | undefined;
  /** Core changes happen one at a time (decision batches and ticks), each persisted before the next. */
  private readonly serial = new Serial();
  private stopping = false;

  constructor(deps: ActiveDeps) {
    this.d = deps;
    const { ctx } = deps;
    const s = (this.s = ctx.settings);
    this.worker = new DeliveryWorker({
      outbox: deps.outbox,
      senders: createSenders({ settings: s, producer: ctx.producer, signalsTopic: ctx.topics.signals, now: () => ctx.clock.now(), published: deps.publishedSignals, triggered: deps.triggered }),
      forget: (ids) => deps.store.persist(ids.map((id) => [`${OUTBOX_PREFIX}${id}`, undefined])),
      metrics: deps.metrics, logger: ctx.logger, clock: ctx.clock,
      backoff: { initialMs: s.retry_initial_delay_ms, maxMs: s.max_retry_delay_ms }, concurrency: s.max_concurrent_deliveries,
    });
  }

  async start(): Promise<void> {
    const { ctx } = this.d;
    await this.worker.start();
    this.consumer = ctx.bus.consumer({
      groupId: this.s.group_id, topics: [ctx.topics.decisions], fromBeginning: true,
      // One `process <decisions>` span per batch; the deliveries it plans carry its context.
      handler: tracedHandler(this.s.group_id, ctx.shared.telemetry.trace_max_links, (batch, bctx: BatchContext) => this.serial.run(() => this.onBatch(batch, bctx))),
    });
    await this.consumer.start();
    this.ticker = setInterval(() => {
      void this.serial.run(() => this.commit(this.d.core.tick(ctx.clock.now())))
        .catch((err: Error) => ctx.logger.warn({ err: err.message }, 'tick not persisted'));
    }, this.s.tick_interval_ms);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.ticker);
    await this.consumer?.stop();
    await this.serial.idle();
    await this.worker.stop();
  }

  private async onBatch(batch: ConsumedBatch, bctx: BatchContext): Promise<void> {
    const { ctx, core, metrics } = this.d;
    const decisions: Decision[] = [];
    const letters: DeadLetter[] = [];
    for (const r of batch.records) {
      const decoded = decodeDecision(r.value);
      if (decoded.ok) decisions.push(decoded.value);
      else letters.push({ key: r.key, original: r.value, reason: 'invalid_decision', errors: decoded.errors, source: `topic:${r.topic}/${r.partition}@${r.offset}` });
    }
    metrics.decisions.inc({ outcome: 'invalid' }, letters.length);
    if (letters.length) {
      ctx.logger.warn({ count: letters.length, first: letters[0].errors[0] }, 'invalid decisions dead-lettered');
      await this.untilDone(() => publishDeadLetters(ctx.producer, ctx.topics.deadLetter, letters, new Date(ctx.clock.now())), bctx.heartbeat);
    }
    const fx = core.apply(decisions, ctx.clock.now());
    this.d.history.recordDecisions(decisions);
    for (const [outcome, n] of Object.entries(fx.outcomes)) metrics.decisions.inc({ outcome }, n);
    await this.commit(fx, bctx.heartbeat);
  }

  /** Persist changed state and new deliveries together, then let the worker send them. */
  private async commit(fx: Effects, heartbeat?: () => Promise<void>): Promise<void> {
    const { ctx, core, outbox, metrics } = this.d;
    metrics.evicted.inc(fx.evicted);
    this.d.history.recordNotices(fx.notices);
    const planned = fx.notices.flatMap((n) => planDeliveries(n, this.d.targets));
    const room = outbox.room();
    for (const p of planned.slice(room)) {
      metrics.dropped.inc({ integration: p.integration });
      ctx.logger.error({ delivery: p.id, integration: p.integration }, 'outbox full (alerting.max_outbox_entries): delivery dropped');
    }
    const deliveries = outbox.prepare(planned.slice(0, room), ctx.clock.now(), traceHeaders());
    const entries: [string, unknown][] = [...fx.dirty].map((k) => [k, core.storeValue(k)]);
    for (const d of deliveries) entries.push([`${OUTBOX_PREFIX}${d.id}`, d]);
    await this.untilDone(() => this.d.store.persist(entries), heartbeat);
    for (const d of deliveries) outbox.add(d);
    if (deliveries.length) this.worker.wake();
  }

  /**
   * The core already moved on, so its changes must reach the store: retry while the bus is down rather
   * than fail the batch (a redelivered batch would look like duplicates and its notices would be lost).
   * Even a revoked partition keeps retrying; only stopping gives up, and a stopped instance is discarded.
   */
  private async untilDone(fn: () => Promise<void>, heartbeat?: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (this.stopping) throw err;
        this.d.ctx.logger.warn({ err: (err as Error).message, attempt }, 'alerter state not persisted; retrying');
        await sleep(backoffMs(attempt, 100, this.s.max_retry_delay_ms));
        await heartbeat?.().catch(() => {});
      }
    }
  }
}
