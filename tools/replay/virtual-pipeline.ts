// The whole decision path in one process and in virtual time: envelopes in receipt order go through the
// processors' DetectionCore and the alerter's AlerterCore, exactly the code that runs behind Kafka, with the
// clock taken from the data (receivedAt). Backtests, the detection benchmark and the demo use it, so weeks
// of telemetry replay in seconds and give the decisions production would have given.
import type { Config } from '../../app/config.ts';
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import type { Decision } from '../../common/contract/decision.ts';
import { rememberTimestamp, timestampMs } from '../../common/contract/formats.ts';
import { DetectionCore } from '../../processors/core/detection-core.ts';
import { detectionSettings, windowSecsOf } from '../../processors/core/settings.ts';
import { alerterCoreFor, type AlerterCore } from '../../alerting/core/alerter-core.ts';
import { planDeliveries, type RoutingTargets, type PlannedDelivery } from '../../alerting/core/routing.ts';
import { routingTargets } from '../../alerting/integrations/senders.ts';
import type { Notice } from '../../alerting/core/model.ts';

export interface PipelineObserver {
  decision?(d: Decision, nowMs: number): void;
  /** A notice and the deliveries production would make for it (pages, webhooks, halt signals). */
  notice?(n: Notice, deliveries: PlannedDelivery[], nowMs: number): void;
}

export class VirtualPipeline {
  readonly detection: DetectionCore;
  readonly alerter: AlerterCore;
  private readonly observer: PipelineObserver;
  private readonly tickMs: number;
  private readonly targets: RoutingTargets;
  private nowMs = Number.NEGATIVE_INFINITY;
  private lastTickMs = Number.NEGATIVE_INFINITY;
  decisions = 0;

  constructor(config: Config, observer: PipelineObserver = {}) {
    this.detection = new DetectionCore(detectionSettings(config.processor));
    this.alerter = alerterCoreFor(config.alerting);
    this.observer = observer;
    this.tickMs = windowSecsOf(config.processor) * 1000;
    this.targets = routingTargets(config.alerting);
  }

  /** The virtual clock: the newest receipt time seen (or advanced to). */
  get now(): number {
    return this.nowMs;
  }

  /**
   * Apply one envelope; time moves to its receipt time first (never backwards). A caller that parsed the
   * receipt time already hands it along, and the memo is told, so the source core does not parse it again.
   */
  feed(envelope: AnyEnvelope, receivedMs?: number): void {
    const t = receivedMs ?? timestampMs(envelope.receivedAt);
    if (receivedMs !== undefined) rememberTimestamp(envelope.receivedAt, receivedMs);
    if (t > this.nowMs) this.advanceTo(t);
    this.apply(this.detection.feed(envelope));
  }

  /** Move virtual time on without input: windows close, quiet gaps end. */
  advanceTo(t: number): void {
    if (t <= this.nowMs) return;
    this.nowMs = t;
    this.apply(this.detection.advance(t));
    if (t - this.lastTickMs >= this.tickMs) {
      this.lastTickMs = t;
      this.emit(this.alerter.tick(t).notices);
    }
  }

  private apply(decisions: readonly Decision[]): void {
    if (!decisions.length) return;
    this.decisions += decisions.length;
    for (const d of decisions) this.observer.decision?.(d, this.nowMs);
    this.emit(this.alerter.apply(decisions, this.nowMs).notices);
  }

  private emit(notices: Notice[]): void {
    for (const n of notices) this.observer.notice?.(n, planDeliveries(n, this.targets), this.nowMs);
  }
}
