// The decision half of the replay pipeline (pipeline-steps.ts): the processors' judge and the alerter's
// core, fed the source half's steps. Exactly what DetectionCore's judge and the alerter do behind Kafka.
import type { Config } from '../../app/config.ts';
import type { Decision } from '../../common/contract/decision.ts';
import { Judge } from '../../processors/core/judge.ts';
import { IN_PROCESS_SOURCE } from '../../processors/core/detection-core.ts';
import { detectionSettings } from '../../processors/core/settings.ts';
import { alerterCoreFor, type AlerterCore } from '../../alerting/core/alerter-core.ts';
import { planDeliveries, type PlannedDelivery, type RoutingTargets } from '../../alerting/core/routing.ts';
import { routingTargets } from '../../alerting/integrations/senders.ts';
import type { Notice } from '../../alerting/core/model.ts';
import type { PipelineStep } from './pipeline-steps.ts';

export interface PipelineObserver {
  decision?(d: Decision, nowMs: number): void;
  /** A notice and the deliveries production would make for it (pages, webhooks, halt signals). */
  notice?(n: Notice, deliveries: PlannedDelivery[], nowMs: number): void;
}

export class DecisionSide {
  readonly judge: Judge;
  readonly alerter: AlerterCore;
  private readonly observer: PipelineObserver;
  private readonly targets: RoutingTargets;
  decisions = 0;

  constructor(config: Config, observer: PipelineObserver = {}) {
    this.judge = new Judge(detectionSettings(config.processor), [IN_PROCESS_SOURCE]);
    this.alerter = alerterCoreFor(config.alerting);
    this.observer = observer;
    this.targets = routingTargets(config.alerting);
  }

  /** Apply a step of the source half; steps for other parts of a backtest are not this half's. */
  apply(step: PipelineStep): void {
    switch (step.k) {
      case 'partials':
        for (const p of step.partials) this.judge.addPartial(p);
        this.decide(this.judge.drain(), step.now);
        return;
      case 'deployment':
        this.judge.addDeployment(step.env);
        this.decide(this.judge.drain(), step.now);
        return;
      case 'tick':
        this.emit(this.alerter.tick(step.now).notices, step.now);
        return;
    }
  }

  private decide(decisions: readonly Decision[], nowMs: number): void {
    if (!decisions.length) return;
    this.decisions += decisions.length;
    for (const d of decisions) this.observer.decision?.(d, nowMs);
    this.emit(this.alerter.apply(decisions, nowMs).notices, nowMs);
  }

  private emit(notices: Notice[], nowMs: number): void {
    for (const n of notices) this.observer.notice?.(n, planDeliveries(n, this.targets), nowMs);
  }
}
