// A backtest's replay (replay-core.ts) on a worker thread: the main thread keeps reading, parsing,
// validating and reordering, and hands the events over in receipt order, EVENTS_PER_MESSAGE at a time (and
// the rest at the end), heartbeats as their changing values against their device's shape
// (heartbeat-shapes.ts). The worker replays them in order and answers with the records they settled, so
// the output is the same, record for record, as in one thread (tested). At most MAX_IN_FLIGHT messages
// wait unanswered, so a slow worker holds the reader back instead of piling events up in memory.
import { Worker } from 'node:worker_threads';
import type { Config } from '../../app/config.ts';
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import type { Shape, ShapeMemo } from '../../common/contract/heartbeat-shape.ts';
import { ShapeEncoder, type CrossingShape, type ShapedBatch } from './heartbeat-shapes.ts';
import type { BacktestRecord, ReportCounts } from './backtest-report.ts';
import type { ReleaseSummary } from './backtest-releases.ts';
import type { BlastRadius } from './backtest-exposure.ts';

export const MAX_IN_FLIGHT = 8;
/** Devices whose heartbeat shape is remembered on each side (about 1 KB each); others cross whole, as JSON. */
export const DEFAULT_SHAPE_DEVICES = 100_000;
/**
 * The replay thread's nice value (Linux): on 2 cores it took a backtest from 4.75-5.04 s to 4.42-4.51 s
 * of wall time (same CPU), the reading thread no longer sharing its core with it (docs/backtest.md).
 */
export const REPLAY_THREAD_NICE = 10;
/** Events gathered before a message goes: a message costs the sender tens of microseconds whatever its size. */
export const EVENTS_PER_MESSAGE = 2048;

export type ToWorker = { type: 'events'; batch: ShapedBatch } | { type: 'end' };
export type FromWorker =
  | { type: 'records'; records: BacktestRecord[] }
  | { type: 'end'; records: BacktestRecord[]; counts: ReportCounts; releases: (ReleaseSummary & { blastRadiusAtEnd: BlastRadius })[]; cpuSecs: number; nice: number };

export interface BacktestEnd {
  counts: ReportCounts;
  releases: (ReleaseSummary & { blastRadiusAtEnd: BlastRadius })[];
  /** CPU time and nice value of the replay's worker thread, when it had one. */
  threadCpuSecs?: number;
  threadNice?: number;
}

export class BacktestThread {
  private readonly worker: Worker;
  private readonly encoder: ShapeEncoder;
  private inFlight = 0;
  private arrived: BacktestRecord[] = [];
  private failure?: Error;
  private ended?: BacktestEnd;
  private wake?: () => void;

  /**
   * `shapeDevices`: devices whose shape is remembered, their heartbeats crossing as changing values
   * (heartbeat-shapes.ts). `nice`: the replay thread's nice value on Linux (0: the process's).
   */
  constructor(config: Config, o: { allDecisions: boolean; shapeDevices: number; nice: number }) {
    this.encoder = new ShapeEncoder(o.shapeDevices);
    this.worker = new Worker(new URL('./backtest-worker.ts', import.meta.url), { workerData: { config, allDecisions: o.allDecisions, nice: o.nice } });
    this.worker.on('message', (m: FromWorker) => {
      for (const r of m.records) this.arrived.push(r); // a spread of many records would overflow the stack
      if (m.type === 'end') this.ended = { counts: m.counts, releases: m.releases, threadCpuSecs: m.cpuSecs, threadNice: m.nice };
      else this.inFlight--;
      this.notify();
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the backtest's replay worker exited with code ${code}`)));
  }

  /** The memo of heartbeat shapes the reader must validate with, so heartbeats cross by shape. */
  get shapes(): ShapeMemo<CrossingShape> {
    return this.encoder.shapes;
  }

  /** Gather an event (in receipt order) with the shape the reader found; it goes with the next flush. */
  send(env: AnyEnvelope, receivedMs: number, shape: Shape | undefined): void {
    this.encoder.add(env, receivedMs, shape);
  }

  /**
   * Hand the events gathered to the worker once there are EVENTS_PER_MESSAGE of them (`all`: whatever there
   * is); waits while too many messages are unanswered.
   */
  async flush(all = false): Promise<void> {
    this.check();
    if (this.encoder.size >= (all ? 1 : EVENTS_PER_MESSAGE)) {
      const batch = this.encoder.take()!;
      this.worker.postMessage({ type: 'events', batch } satisfies ToWorker, [batch.numbers.buffer as ArrayBuffer, batch.flags.buffer as ArrayBuffer]);
      this.inFlight++;
    }
    while (this.inFlight >= MAX_IN_FLIGHT) await this.until();
  }

  /** Records settled by the worker so far, in order. */
  take(): BacktestRecord[] {
    const out = this.arrived;
    this.arrived = [];
    return out;
  }

  /** Every event replayed: the report's counts and release summaries (take() then has the last records). */
  async finish(): Promise<BacktestEnd> {
    await this.flush(true);
    this.post({ type: 'end' });
    while (!this.ended) await this.until();
    const ended = this.ended;
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
    return ended;
  }

  /** Stop the worker (after a failure of the caller). */
  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  private until(): Promise<void> {
    return new Promise<void>((resolve) => { this.wake = resolve; }).then(() => this.check());
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.notify();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}
