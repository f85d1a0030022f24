// The alerter's I/O shell: read state back, consume decisions, persist what changed, hand notices to the
// outbox, run the time-based rules. Every change to the core is persisted (acknowledged by the bus)
// before its decisions are committed, so a crash repeats work the core recognises as duplicate.
import type { RoleContext } from '../../common/runtime/role.ts';
import type { ConsumedBatch, BatchContext, BusConsumer } from '../../common/bus/types.ts';
import type { Decision } from '../../common/contract/decision.ts';
import { publishDeadLetters, type DeadLetter } from '../../common/contract/dead-letter.ts';
import type { Lifecycle } from '../../common/runtime/lifecycle.ts';
import { LabelLimiter } from '../../common/telemetry/metrics.ts';
import { backoffMs, sleep } from '../../common/runtime/retry.ts';
import type { AlertingSettings } from '../config.ts';
import { alerterCoreFor, type AlerterCore, type Effects } from '../core/alerter-core.ts';
import { decodeDecision } from '../../common/contract/decision.ts';
import { DeliveryWorker } from './delivery-worker.ts';
import { health, LagWatch, type Health } from './health.ts';
import { AlertingMetrics } from './metrics.ts';
import { Outbox } from './outbox.ts';
import { registerReleaseMetrics } from './release-metrics.ts';
import { planDeliveries, type Delivery, type RoutingTargets } from '../core/routing.ts';
import { createSenders, routingTargets } from '../integrations/senders.ts';
import { SIGNAL_ID_HEADER } from '../../common/contract/signals.ts';
import { STATE_KEYS } from '../../common/contract/alerter-state.ts';
import { StateStore } from './store.ts';
import { TriggeredKeys } from './triggered-keys.ts';
import { tracedHandler } from '../../common/telemetry/messaging-spans.ts';
import { traceHeaders } from '../../common/telemetry/tracing.ts';
import { Serial } from '../../common/runtime/serial.ts';
import { BoardHistory } from '../board/history.ts';

const OUTBOX_PREFIX = STATE_KEYS.outbox;

export class AlerterService implements Lifecycle {
  readonly core: AlerterCore;
  readonly outbox: Outbox;
  /** Chart history and incident timelines for the board (memory only, bounded). */
  readonly history: BoardHistory;
  private readonly ctx: RoleContext<AlertingSettings>;
  private readonly s: AlertingSettings;
  private readonly store: StateStore;
  private readonly metrics: AlertingMetrics;
  private readonly worker: DeliveryWorker;
  private readonly lag: LagWatch;
  private readonly targets: RoutingTargets;
  private readonly triggeredKeys: TriggeredKeys;
  private consumer: BusConsumer | undefined;
  private ticker: NodeJS.Timeout | undefined;
  /** Core changes happen one at a time (decision batches and ticks), each persisted before the next. */
  private readonly serial = new Serial();
  private restored = false;
  /** Halt ids found on the signals topic at start: a kill between publishing and recording it must not repeat it. */
  private readonly publishedSignals = new Set<string>();
  private stopping = false;

  constructor(ctx: RoleContext<AlertingSettings>) {
    this.ctx = ctx;
    const s = (this.s = ctx.settings);
    this.core = alerterCoreFor(s);
    this.outbox = new Outbox(s.max_outbox_entries);
    this.history = new BoardHistory({
      windowsPerReleaseRing: s.board_history_windows, releaseRings: s.board_history_release_rings, eventsPerIncident: s.board_history_incident_events,
    });
    this.triggeredKeys = new TriggeredKeys((entries) => this.store.persist(entries), ctx.logger);
    this.targets = routingTargets(s, this.triggeredKeys);
    this.store = new StateStore({ bus: ctx.bus, producer: ctx.producer, topic: ctx.topics.incidents, logger: ctx.logger, deadLetterTopic: ctx.topics.deadLetter });
    this.metrics = new AlertingMetrics(ctx.registry, {
      openIncidents: () => this.core.openIncidents(),
      pending: (i) => this.outbox.pendingBy(i),
    });
    registerReleaseMetrics(ctx.registry, new LabelLimiter(ctx.registry, ctx.shared.telemetry.label_cardinality_limit),
      () => this.core.verdicts(ctx.clock.now()));
    this.worker = new DeliveryWorker({
      outbox: this.outbox,
      senders: createSenders({ settings: s, producer: ctx.producer, signalsTopic: ctx.topics.signals, now: () => ctx.clock.now(), published: this.publishedSignals, triggered: this.triggeredKeys }),
      forget: (ids) => this.store.persist(ids.map((id) => [`${OUTBOX_PREFIX}${id}`, undefined])),
      metrics: this.metrics, logger: ctx.logger, clock: ctx.clock,
      backoff: { initialMs: s.retry_initial_delay_ms, maxMs: s.max_retry_delay_ms }, concurrency: s.max_concurrent_deliveries,
    });
    this.lag = new LagWatch({
      bus: ctx.bus, groupId: s.group_id, topic: ctx.topics.decisions, intervalMs: s.lag_check_interval_ms,
      maxLag: s.max_decision_lag_records, logger: ctx.logger,
    });
  }

  health(): Health {
    return health(this.restored, this.ctx.bus.ready(), this.lag);
  }

  async start(): Promise<void> {
    const state = await this.store.readAll(this.s.restore_timeout_secs * 1000);
    for (const [key, value] of state) {
      if (key.startsWith(OUTBOX_PREFIX)) this.outbox.add(value as Delivery);
      else if (!this.triggeredKeys.restore(key, value)) this.core.restore(key, value);
    }
    if (this.outbox.size) {
      await this.ctx.bus.scan(this.ctx.topics.signals, {}, async (records) => {
        for (const r of records) if (r.headers[SIGNAL_ID_HEADER]) this.publishedSignals.add(r.headers[SIGNAL_ID_HEADER]);
      });
    }
    this.history.seed(this.core.releaseRings.values(), this.core.incidents.values());
    this.restored = true;
    this.ctx.logger.info({ keys: state.size, openIncidents: this.core.openIncidents().length, pendingDeliveries: this.outbox.size }, 'alerter state read back');
    await this.worker.start();
    this.consumer = this.ctx.bus.consumer({
      groupId: this.s.group_id, topics: [this.ctx.topics.decisions], fromBeginning: true,
      // One `process <decisions>` span per batch; the deliveries it plans carry its context.
      handler: tracedHandler(this.s.group_id, this.ctx.shared.telemetry.trace_max_links, (batch, bctx: BatchContext) => this.serial.run(() => this.onBatch(batch, bctx))),
    });
    await this.consumer.start();
    await this.lag.start();
    this.ticker = setInterval(() => {
      void this.serial.run(() => this.commit(this.core.tick(this.ctx.clock.now())))
        .catch((err: Error) => this.ctx.logger.warn({ err: err.message }, 'tick not persisted'));
    }, this.s.tick_interval_ms);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.ticker);
    await this.consumer?.stop();
    await this.serial.idle();
    await this.lag.stop();
    await this.worker.stop();
  }

  private async onBatch(batch: ConsumedBatch, bctx: BatchContext): Promise<void> {
    const decisions: Decision[] = [];
    const letters: DeadLetter[] = [];
    for (const r of batch.records) {
      const decoded = decodeDecision(r.value);
      if (decoded.ok) decisions.push(decoded.value);
      else letters.push({ key: r.key, original: r.value, reason: 'invalid_decision', errors: decoded.errors, source: `topic:${r.topic}/${r.partition}@${r.offset}` });
    }
    this.metrics.decisions.inc({ outcome: 'invalid' }, letters.length);
    if (letters.length) {
      this.ctx.logger.warn({ count: letters.length, first: letters[0].errors[0] }, 'invalid decisions dead-lettered');
      await this.untilDone(() => publishDeadLetters(this.ctx.producer, this.ctx.topics.deadLetter, letters, new Date(this.ctx.clock.now())), bctx.heartbeat);
    }
    const fx = this.core.apply(decisions, this.ctx.clock.now());
    this.history.recordDecisions(decisions);
    for (const [outcome, n] of Object.entries(fx.outcomes)) this.metrics.decisions.inc({ outcome }, n);
    await this.commit(fx, bctx.heartbeat);
  }

  /** Persist changed state and new deliveries together, then let the worker send them. */
  private async commit(fx: Effects, heartbeat?: () => Promise<void>): Promise<void> {
    this.metrics.evicted.inc(fx.evicted);
    this.history.recordNotices(fx.notices);
    const planned = fx.notices.flatMap((n) => planDeliveries(n, this.targets));
    const room = this.outbox.room();
    for (const p of planned.slice(room)) {
      this.metrics.dropped.inc({ integration: p.integration });
      this.ctx.logger.error({ delivery: p.id, integration: p.integration }, 'outbox full (alerting.max_outbox_entries): delivery dropped');
    }
    const deliveries = this.outbox.prepare(planned.slice(0, room), this.ctx.clock.now(), traceHeaders());
    const entries: [string, unknown][] = [...fx.dirty].map((k) => [k, this.core.storeValue(k)]);
    for (const d of deliveries) entries.push([`${OUTBOX_PREFIX}${d.id}`, d]);
    await this.untilDone(() => this.store.persist(entries), heartbeat);
    for (const d of deliveries) this.outbox.add(d);
    if (deliveries.length) this.worker.wake();
  }

  /**
   * The core already moved on, so its changes must reach the store: retry while the bus is down rather
   * than fail the batch (a redelivered batch would look like duplicates and its notices would be lost).
   * Even a revoked partition keeps retrying; only stopping gives up, and a stopped service is discarded.
   */
  private async untilDone(fn: () => Promise<void>, heartbeat?: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (this.stopping) throw err;
        this.ctx.logger.warn({ err: (err as Error).message, attempt }, 'alerter state not persisted; retrying');
        await sleep(backoffMs(attempt, 100, this.s.max_retry_delay_ms));
        await heartbeat?.().catch(() => {});
      }
    }
  }
}
