// Worker thread of backtest-thread.ts: the decision half of a backtest, applying the main thread's steps
// in order and answering each message with the records they settled.
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../../app/config.ts';
import { BacktestSide } from './backtest-side.ts';
import type { FromWorker, ToWorker } from './backtest-thread.ts';
import type { PipelineStep } from './pipeline-steps.ts';

const port = parentPort!;
const side = new BacktestSide(workerData.config as Config, { allDecisions: workerData.allDecisions as boolean });
const post = (m: FromWorker) => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  if (m.type === 'steps') {
    for (const step of JSON.parse(m.json) as PipelineStep[]) side.apply(step);
    post({ type: 'records', records: side.take() });
    return;
  }
  post({ type: 'end', records: side.take(), counts: side.report.counts, releases: side.report.summaries() });
});
