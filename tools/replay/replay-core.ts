// A backtest's replay of events put back in receipt order: the virtual pipeline (source core, judge,
// alerter) and the report of what it decided, exposure counts included. The same object runs in the
// backtest's thread, or on a worker thread fed by the reading thread (backtest-thread.ts); either way it
// gets the same events in the same order, so it writes the same records.
import type { Config } from '../../app/config.ts';
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import type { BoardHistory } from '../../alerting/board/history.ts';
import type { AlerterCore } from '../../alerting/core/alerter-core.ts';
import { VirtualPipeline } from './virtual-pipeline.ts';
import { relayDeviceChanges } from './backtest-exposure.ts';
import { BacktestSide } from './backtest-side.ts';
import type { BacktestRecord } from './backtest-report.ts';
import type { BacktestEnd } from './backtest-thread.ts';
import type { PipelineStep } from './pipeline-steps.ts';

export class ReplayCore {
  private readonly side: BacktestSide;
  private readonly pipeline: VirtualPipeline;
  private readonly step: (s: PipelineStep) => void;
  private emitted = 0;

  constructor(config: Config, o: { allDecisions: boolean; history?: BoardHistory }) {
    const side = new BacktestSide(config, o);
    this.side = side;
    const step = (s: PipelineStep) => {
      this.emitted++;
      side.apply(s);
    };
    this.step = step;
    this.pipeline = new VirtualPipeline(config, { steps: step });
    relayDeviceChanges(this.pipeline.source, step);
  }

  /** The virtual clock: the newest receipt time replayed. */
  get now(): number {
    return this.pipeline.now;
  }

  get alerter(): AlerterCore {
    return this.side.decisions.alerter;
  }

  /**
   * One event, in receipt order. Its steps end with a settle (the report's records of what they changed);
   * an event that made none changed nothing to report.
   */
  feed(env: AnyEnvelope, receivedMs: number): void {
    const before = this.emitted;
    if (env.kind !== 'heartbeat') this.step({ k: 'observe', env });
    this.pipeline.feed(env, receivedMs);
    if (this.emitted !== before) this.step({ k: 'settle', now: this.pipeline.now });
  }

  /** Records settled and not yet taken, in order. */
  take(): BacktestRecord[] {
    return this.side.take();
  }

  end(): BacktestEnd {
    return { counts: this.side.report.counts, releases: this.side.report.summaries() };
  }
}
