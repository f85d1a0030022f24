// The decision half of a backtest (pipeline-steps.ts): the judge and the alerter (DecisionSide), the
// exposure counts and the report, fed the source half's steps in order, within a backtest's replay
// (replay-core.ts).
import type { Config } from '../../app/config.ts';
import type { BoardHistory } from '../../alerting/board/history.ts';
import { DecisionSide } from './decision-side.ts';
import { ExposureTracker } from './backtest-exposure.ts';
import { BacktestReport, type BacktestRecord } from './backtest-report.ts';
import type { PipelineStep } from './pipeline-steps.ts';

export class BacktestSide {
  readonly exposure = new ExposureTracker();
  readonly report: BacktestReport;
  readonly decisions: DecisionSide;
  /** Records settled and not yet taken. */
  private ready: BacktestRecord[] = [];

  constructor(config: Config, o: { allDecisions: boolean; history?: BoardHistory }) {
    this.report = new BacktestReport(this.exposure, { allDecisions: o.allDecisions });
    const report = this.report;
    const history = o.history;
    this.decisions = new DecisionSide(config, history ? {
      decision: (d, t) => { report.decision(d, t); history.recordDecisions([d]); },
      notice: (n, deliveries, t) => { report.notice(n, deliveries, t); history.recordNotices([n]); },
    } : report);
    report.attach(this.decisions.alerter);
  }

  apply(step: PipelineStep): void {
    switch (step.k) {
      case 'observe':
        this.exposure.observe(step.env);
        return;
      case 'device':
        this.exposure.deviceChanged(step.a, step.b, step.ring, step.installed, step.applying);
        return;
      case 'set':
        this.exposure.defineSet(step.id, step.pairs);
        return;
      case 'settle':
        if (this.report.pending) this.ready.push(...this.report.settle(step.now));
        return;
      default:
        this.decisions.apply(step);
    }
  }

  take(): BacktestRecord[] {
    const out = this.ready;
    this.ready = [];
    return out;
  }
}
