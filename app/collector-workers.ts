// `ringwatch collector` with collector.workers > 1: one primary process forks that many collector workers
// (node:cluster). The collector is stateless, so workers share nothing but the port: the primary accepts
// connections and deals them round-robin; each worker runs the collector role with its own idempotent Kafka
// producer, so a request is answered 2xx only after its own worker's write was acknowledged, as with one
// process. The primary holds no events: it forks, restarts a worker that dies, answers the workers'
// /metrics with the sum over all of them (prom-client's AggregatorRegistry), and stops them on SIGTERM.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Config } from './config.ts';
import { usableCpus } from '../common/runtime/usable-cpus.ts';
import type { Logger } from '../common/telemetry/logger.ts';

const METRICS_REQ = 'ringwatch:metrics-req';
const METRICS_RES = 'ringwatch:metrics-res';
const READY = 'ringwatch:worker-ready';
/** A worker that dies is forked again after this pause (a crash loop then costs one fork a second). */
const RESTART_DELAY_MS = 1000;
/** Beyond the produce timeout a worker's orderly stop may take (closing connections, the producer). */
const STOP_GRACE_MS = 10_000;

interface Message { type?: string; id?: number; text?: string; error?: string; port?: number }

/** How many collector processes `ringwatch collector` runs; 1 = no workers, the role in this process. */
export function collectorWorkerCount(config: Config): number {
  // The memory bus lives in one process: workers would each have their own, so it stays in-process.
  if (config.bus.kind !== 'kafka') return 1;
  const setting = config.collector.workers;
  return setting === 'auto' ? usableCpus() : Number(setting);
}

export const isCollectorWorker = (): boolean => cluster.isWorker;

/** In a worker: /metrics text summed over every worker, asked of the primary. */
export function workerMetrics(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries(registry);
  new AggregatorRegistry(); // installs the worker's answer to the primary's metrics requests
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
  let next = 0;
  process.on('message', (m: Message) => {
    if (m?.type !== METRICS_RES || m.id === undefined) return;
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error !== undefined) w?.reject(new Error(m.error));
    else w?.resolve(m.text ?? '');
  });
  return () => new Promise<string>((resolve, reject) => {
    const id = next++;
    waiting.set(id, { resolve, reject });
    if (!process.send?.({ type: METRICS_REQ, id })) {
      waiting.delete(id);
      reject(new Error('the collector primary is gone'));
    }
  });
}

/** In a worker: tell the primary this worker serves requests now. */
export function workerReady(port: number): void {
  process.send?.({ type: READY, port });
}

/** In a worker: call `stop` when the primary is gone (killed), so no orphan keeps serving. */
export function onPrimaryGone(stop: () => void): void {
  process.once('disconnect', stop);
}

/** The primary: fork `count` workers, keep them running until SIGTERM / SIGINT, then stop them in order. */
export async function runCollectorPrimary(count: number, config: Config, logger: Logger): Promise<number> {
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  let port = 0;
  cluster.on('message', (worker: Worker, m: Message) => {
    if (m?.type !== METRICS_REQ) return;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: METRICS_RES, id: m.id, text }),
      (err: Error) => worker.isConnected() && worker.send({ type: METRICS_RES, id: m.id, error: err.message }),
    );
  });
  const fork = () => new Promise<Worker>((resolve, reject) => {
    const worker = cluster.fork();
    const onExit = (code: number | null, signal: string | null) => reject(new Error(`collector worker exited before it was ready (code ${code}, signal ${signal})`));
    worker.once('exit', onExit);
    worker.on('message', (m: Message) => {
      if (m?.type !== READY) return;
      worker.off('exit', onExit);
      port = m.port ?? port;
      resolve(worker);
    });
  });
  let failed: Error | undefined;
  let wake: () => void = () => {};
  const done = new Promise<void>((resolve) => { wake = resolve; });
  try {
    await Promise.all(Array.from({ length: count }, fork));
  } catch (err) {
    failed = err as Error;
    wake();
  }
  cluster.on('exit', (worker, code, signal) => {
    if (stopping || failed) return;
    logger.error({ worker: worker.id, code, signal }, 'collector worker died; forking another');
    setTimeout(() => {
      if (stopping || failed) return;
      fork().catch((err: Error) => { failed = err; logger.fatal({ err }, 'collector worker could not be started again; exiting for the supervisor'); wake(); });
    }, RESTART_DELAY_MS).unref();
  });
  if (!failed) logger.info({ roles: ['collector'], bus: config.bus.kind, workers: count, ports: { collector: port } }, 'ringwatch running');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => { logger.info({ signal }, 'stopping'); wake(); });
  await done;
  stopping = true;
  await stopWorkers(config.collector.produce_timeout_ms + STOP_GRACE_MS);
  if (failed) logger.fatal({ err: failed }, 'collector workers failed');
  return failed ? 1 : 0;
}

/** SIGTERM every worker (each drains: intake first, then its pending writes), SIGKILL what outlives `graceMs`. */
async function stopWorkers(graceMs: number): Promise<void> {
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
    const timer = setTimeout(() => w.process.kill('SIGKILL'), graceMs);
    w.once('exit', () => { clearTimeout(timer); resolve(); });
    w.process.kill('SIGTERM');
  })));
}
