// The whole decision path in virtual time: envelopes in receipt order go through the processors' source
// core and judge and the alerter's AlerterCore, exactly the code that runs behind Kafka, with the clock
// taken from the data (receivedAt). Backtests, the detection benchmark and the demo use it, so weeks of
// telemetry replay in seconds and give the decisions production would have given. The source half runs
// here; the decision half gets its steps (pipeline-steps.ts), applied in this thread, or wherever the
// caller sends them (a backtest's report reads them too: replay-core.ts).
import type { Config } from '../../app/config.ts';
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import { rememberTimestamp, timestampMs } from '../../common/contract/formats.ts';
import { IN_PROCESS_SOURCE } from '../../processors/core/detection-core.ts';
import { SourceCore } from '../../processors/core/source-core.ts';
import { detectionSettings, windowSecsOf } from '../../processors/core/settings.ts';
import type { AlerterCore } from '../../alerting/core/alerter-core.ts';
import { DecisionSide, type PipelineObserver } from './decision-side.ts';
import type { StepSink } from './pipeline-steps.ts';

export type { PipelineObserver } from './decision-side.ts';

export class VirtualPipeline {
  readonly source: SourceCore;
  /** The decision half when it runs in this thread (not when the steps go elsewhere). */
  private readonly local?: DecisionSide;
  private readonly send: StepSink;
  private readonly latenessMs: number;
  private readonly tickMs: number;
  private nowMs = Number.NEGATIVE_INFINITY;
  private lastTickMs = Number.NEGATIVE_INFINITY;

  /** `to`: an observer of a decision half in this thread, or where to send the steps instead. */
  constructor(config: Config, to: PipelineObserver | { steps: StepSink } = {}) {
    const settings = detectionSettings(config.processor);
    this.source = new SourceCore(IN_PROCESS_SOURCE, settings);
    this.latenessMs = settings.latenessMs;
    this.tickMs = windowSecsOf(config.processor) * 1000;
    if ('steps' in to) this.send = to.steps;
    else {
      const local = new DecisionSide(config, to);
      this.local = local;
      this.send = (step) => local.apply(step);
    }
  }

  /** The alerter of a decision half in this thread. */
  get alerter(): AlerterCore {
    if (!this.local) throw new Error('the decision half of this pipeline runs elsewhere');
    return this.local.alerter;
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
    if (envelope.kind === 'deployment') this.send({ k: 'deployment', now: this.nowMs, env: envelope });
    else {
      this.source.feed(envelope);
      this.closed();
    }
  }

  /** Move virtual time on without input: windows close, quiet gaps end. */
  advanceTo(t: number): void {
    if (t <= this.nowMs) return;
    this.nowMs = t;
    this.source.advance(t - this.latenessMs, t);
    this.closed();
    if (t - this.lastTickMs >= this.tickMs) {
      this.lastTickMs = t;
      this.send({ k: 'tick', now: t });
    }
  }

  /** Windows the source closed go to the decision half. */
  private closed(): void {
    const partials = this.source.drain();
    if (partials.length) this.send({ k: 'partials', now: this.nowMs, partials });
  }
}
