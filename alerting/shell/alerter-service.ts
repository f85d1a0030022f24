// The alerter's I/O shell, one replica of several. Every replica reads the state back from the compacted
// incidents topic and answers the verdict API and hooks; the replicas elect one active replica on Kafka
// (bus.leadership: partition 0 of a single-partition topic). The active one consumes decisions, persists
// state and sends notices (active-alerter.ts); the others are standbys that tail the incidents topic into
// their verdict table (state-follower.ts). On a takeover the new active replica reads the topic back
// again (the outbox included: what the dead one had not recorded as delivered is sent again, with the
// same PagerDuty dedup_key and webhook id) and starts consuming where the group's offsets stand.
import { randomUUID } from 'node:crypto';
import type { RoleContext } from '../../common/runtime/role.ts';
import type { Leadership } from '../../common/bus/types.ts';
import type { Lifecycle } from '../../common/runtime/lifecycle.ts';
import { LabelLimiter } from '../../common/telemetry/metrics.ts';
import { backoffMs, sleep } from '../../common/runtime/retry.ts';
import { Serial } from '../../common/runtime/serial.ts';
import type { AlertingSettings } from '../config.ts';
import { alerterCoreFor, type AlerterCore } from '../core/alerter-core.ts';
import type { Delivery, RoutingTargets } from '../core/routing.ts';
import { routingTargets } from '../integrations/senders.ts';
import { SIGNAL_ID_HEADER } from '../../common/contract/signals.ts';
import { ActiveAlerter, OUTBOX_PREFIX } from './active-alerter.ts';
import { TriggeredKeys } from './triggered-keys.ts';
import { BoardHistory } from '../board/history.ts';
import { health, LagWatch, type Health } from './health.ts';
import { AlertingMetrics } from './metrics.ts';
import { Outbox } from './outbox.ts';
import { registerReleaseMetrics } from './release-metrics.ts';
import { StateFollower } from './state-follower.ts';
import { StateStore } from './store.ts';

export type ReplicaState = 'starting' | 'standby' | 'active';

export class AlerterService implements Lifecycle {
  /** Replaced by every read-back (start, takeover, step-down); read it through the service. */
  core: AlerterCore;
  outbox: Outbox;
  state: ReplicaState = 'starting';
  /** The state was read back at least once: from then on this replica answers (maybe inconclusive). */
  restored = false;
  /** Chart history and incident timelines for the board (memory only, bounded). */
  readonly history: BoardHistory;
  private readonly triggeredKeys: TriggeredKeys;
  private readonly ctx: RoleContext<AlertingSettings>;
  private readonly s: AlertingSettings;
  private readonly store: StateStore;
  private readonly metrics: AlertingMetrics;
  private readonly decisionsLag: LagWatch;
  private readonly targets: RoutingTargets;
  private readonly transitions = new Serial();
  private leadership: Leadership | undefined;
  private active: ActiveAlerter | undefined;
  private follower: StateFollower | undefined;
  private booting: Promise<void> | undefined;
  private stopping = false;

  constructor(ctx: RoleContext<AlertingSettings>) {
    this.ctx = ctx;
    const s = (this.s = ctx.settings);
    this.core = alerterCoreFor(s);
    this.outbox = new Outbox(s.max_outbox_entries);
    this.history = new BoardHistory({
      windowsPerReleaseRing: s.board_history_windows, releaseRings: s.board_history_release_rings, eventsPerIncident: s.board_history_incident_events,
    });
    this.store = new StateStore({ bus: ctx.bus, producer: ctx.producer, topic: ctx.topics.incidents, logger: ctx.logger, deadLetterTopic: ctx.topics.deadLetter });
    this.triggeredKeys = new TriggeredKeys((entries) => this.store.persist(entries), ctx.logger);
    this.targets = routingTargets(s, this.triggeredKeys);
    this.metrics = new AlertingMetrics(ctx.registry, {
      openIncidents: () => this.core.openIncidents(),
      pending: (i) => this.outbox.pendingBy(i),
      active: () => this.state === 'active',
    });
    registerReleaseMetrics(ctx.registry, new LabelLimiter(ctx.registry, ctx.shared.telemetry.label_cardinality_limit),
      () => this.core.verdicts(ctx.clock.now()));
    this.decisionsLag = new LagWatch({
      bus: ctx.bus, groupId: s.group_id, topic: ctx.topics.decisions, intervalMs: s.lag_check_interval_ms,
      maxLag: s.max_decision_lag_records, logger: ctx.logger,
    });
  }

  get degradedAnswers() {
    return this.metrics.degraded;
  }

  health(): Health {
    return health(this.restored, this.ctx.bus.ready(), this.follower ? [this.decisionsLag, this.follower.lag] : [this.decisionsLag]);
  }

  /** Returns at once: the HTTP surface answers `inconclusive` (restoring) while the state is read back. */
  async start(): Promise<void> {
    if (this.booting) return;
    this.booting = this.untilDone('start', () => this.boot());
    this.booting.catch(() => {});
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.booting?.catch(() => {});
    await this.transitions.idle();
    // Finish the batch in hand and the deliveries in flight first, then hand the lead over (LeaveGroup).
    await this.active?.stop();
    await this.leadership?.stop().catch((err: Error) => this.ctx.logger.warn({ err: err.message }, 'leaving the election failed'));
    await this.transitions.idle();
    await this.follower?.stop();
    await this.decisionsLag.stop();
  }

  private async boot(): Promise<void> {
    const { nextOffset } = await this.readBack();
    this.restored = true;
    await this.decisionsLag.start();
    if (this.stopping) return;
    await this.follow(nextOffset);
    this.state = 'standby';
    this.leadership ??= this.ctx.bus.leadership({
      groupId: `${this.s.group_id}.leadership`, topic: this.ctx.topics.alerterLeadership,
      sessionTimeoutMs: this.s.leader_session_timeout_ms, heartbeatIntervalMs: this.s.leader_heartbeat_interval_ms,
      onChange: () => void this.transitions.run(() => this.untilDone('take the elected part', () => this.reconcile())),
    });
    await this.leadership.start();
  }

  /** Become what the election says now (changes queue up; each one looks at the latest outcome). */
  private async reconcile(): Promise<void> {
    const leader = this.leadership?.leader === true;
    if (this.stopping) return;
    if (leader && this.state !== 'active') await this.becomeActive();
    else if (!leader && (this.state === 'active' || !this.follower)) await this.becomeStandby();
  }

  private async becomeActive(): Promise<void> {
    const started = Date.now();
    await this.follower?.stop();
    this.follower = undefined;
    await this.readBack();
    const publishedSignals = new Set<string>();
    if (this.outbox.size) {
      await this.ctx.bus.scan(this.ctx.topics.signals, {}, async (records) => {
        for (const r of records) if (r.headers[SIGNAL_ID_HEADER]) publishedSignals.add(r.headers[SIGNAL_ID_HEADER]);
      });
    }
    const active = new ActiveAlerter({
      ctx: this.ctx, core: this.core, outbox: this.outbox, store: this.store, metrics: this.metrics, targets: this.targets, publishedSignals,
      triggered: this.triggeredKeys, history: this.history,
    });
    try {
      await active.start();
    } catch (err) {
      await active.stop().catch(() => {});
      throw err;
    }
    this.active = active;
    this.state = 'active';
    this.metrics.takeovers.inc();
    this.ctx.logger.info({ pendingDeliveries: this.outbox.size, openIncidents: this.core.openIncidents().length, tookMs: Date.now() - started }, 'alerter replica is active: it applies decisions and sends notices');
  }

  private async becomeStandby(): Promise<void> {
    const active = this.active;
    this.active = undefined;
    this.state = 'standby';
    await active?.stop();
    const { nextOffset } = await this.readBack();
    await this.follow(nextOffset);
    this.ctx.logger.warn({}, 'alerter replica is standby: it follows the active one and answers verdicts');
  }

  /** Read the incidents topic back into a fresh core and outbox, then swap them in. */
  private async readBack(): Promise<{ nextOffset: bigint }> {
    const { state, nextOffset } = await this.store.readBack(this.s.restore_timeout_secs * 1000);
    const core = alerterCoreFor(this.s);
    const outbox = new Outbox(this.s.max_outbox_entries);
    this.triggeredKeys.clear();
    for (const [key, value] of state) {
      if (key.startsWith(OUTBOX_PREFIX)) outbox.add(value as Delivery);
      else if (!this.triggeredKeys.restore(key, value)) core.restore(key, value);
    }
    this.core = core;
    this.outbox = outbox;
    this.history.seed(core.releaseRings.values(), core.incidents.values());
    this.ctx.logger.info({ keys: state.size, openIncidents: core.openIncidents().length, pendingDeliveries: outbox.size }, 'alerter state read back');
    return { nextOffset };
  }

  private async follow(fromOffset: bigint): Promise<void> {
    const follower = new StateFollower({
      bus: this.ctx.bus, topic: this.ctx.topics.incidents, fromOffset,
      groupId: `${this.s.group_id}.standby.${this.ctx.shared.instanceId}.${randomUUID().slice(0, 8)}`,
      apply: (key, value) => {
        if (key.startsWith(OUTBOX_PREFIX)) return; // a standby sends nothing; a takeover reads the outbox back
        if (this.triggeredKeys.restore(key, value)) return;
        if (value === undefined) this.core.drop(key);
        else this.core.restore(key, value);
      },
      maxLag: this.s.max_state_lag_records, lagIntervalMs: this.s.lag_check_interval_ms, logger: this.ctx.logger,
    });
    await follower.start();
    this.follower = follower;
  }

  /** Kafka may be out of reach for a while: keep trying (answering inconclusive meanwhile) until stopped. */
  private async untilDone(what: string, fn: () => Promise<void>): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (this.stopping) return;
        this.ctx.logger.warn({ err: (err as Error).message, attempt }, `alerter could not ${what}; retrying`);
        await sleep(backoffMs(attempt, 500, this.s.max_retry_delay_ms));
      }
    }
  }
}
