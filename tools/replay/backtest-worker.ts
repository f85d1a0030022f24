// Worker thread of backtest-thread.ts: a backtest's replay (replay-core.ts), fed the reading thread's
// events in receipt order, answering each message with the records they settled.
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../../app/config.ts';
import { ReplayCore } from './replay-core.ts';
import { ShapeDecoder } from './heartbeat-shapes.ts';
import type { FromWorker, ToWorker } from './backtest-thread.ts';

// Linux keeps a nice value per thread: this one yields to the reading thread, the one that bounds the
// backtest's wall time, when both want the same core (it runs behind it anyway, within the in-flight
// bound). Elsewhere the value would apply to the whole process: left alone.
if (process.platform === 'linux' && workerData.nice > 0) {
  try {
    setPriority(0, workerData.nice as number);
  } catch {
    // Not permitted here: the thread keeps the process's priority.
  }
}

const port = parentPort!;
const core = new ReplayCore(workerData.config as Config, { allDecisions: workerData.allDecisions as boolean });
const decoder = new ShapeDecoder();
const feed = core.feed.bind(core);
const post = (m: FromWorker) => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  if (m.type === 'events') {
    decoder.decode(m.batch, feed);
    post({ type: 'records', records: core.take() });
    return;
  }
  const end = core.end();
  const cpu = process.threadCpuUsage();
  post({ type: 'end', records: core.take(), counts: end.counts, releases: end.releases, cpuSecs: (cpu.user + cpu.system) / 1e6, nice: getPriority(0) });
});
