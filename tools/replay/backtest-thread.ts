// A backtest's decision half (backtest-side.ts) on a worker thread: the main thread keeps reading,
// parsing and the source core's per-event work, and hands its steps over STEPS_PER_MESSAGE at a time
// (and the rest at the end). The worker applies them in order and answers with the records they settled, so the output is
// the same, record for record, as with both halves in one thread (tested); the judge and the alerter's
// work leaves the thread that every event passes through. At most MAX_IN_FLIGHT messages wait unanswered,
// so a slow worker holds the reader back instead of piling steps up in memory.
import { Worker } from 'node:worker_threads';
import type { Config } from '../../app/config.ts';
import type { PipelineStep } from './pipeline-steps.ts';
import type { BacktestRecord, ReportCounts } from './backtest-report.ts';
import type { ReleaseSummary } from './backtest-releases.ts';
import type { BlastRadius } from './backtest-exposure.ts';

export const MAX_IN_FLIGHT = 8;
/**
 * Steps gathered before a message goes: a message cost the sender about 70 us whatever its size (a 4-day
 * backtest: 1,944 messages of one input batch each took 142 ms of the main thread, 28 of 512 steps 5 ms).
 */
export const STEPS_PER_MESSAGE = 256;

/**
 * Steps go as one JSON text a message: partials cross Kafka as JSON in production (cells records), so
 * they are JSON-safe by design, and a string crosses in one copy, where the structured clone of the same
 * steps cost the main thread twice the time of JSON.stringify (284 against 120 ms on a 4-day backtest).
 */
export type ToWorker = { type: 'steps'; json: string } | { type: 'end' };
export type FromWorker =
  | { type: 'records'; records: BacktestRecord[] }
  | { type: 'end'; records: BacktestRecord[]; counts: ReportCounts; releases: (ReleaseSummary & { blastRadiusAtEnd: BlastRadius })[] };

export interface BacktestEnd {
  counts: ReportCounts;
  releases: (ReleaseSummary & { blastRadiusAtEnd: BlastRadius })[];
}

export class BacktestThread {
  private readonly worker: Worker;
  private steps: PipelineStep[] = [];
  private inFlight = 0;
  private arrived: BacktestRecord[] = [];
  private failure?: Error;
  private ended?: BacktestEnd;
  private wake?: () => void;

  constructor(config: Config, allDecisions: boolean) {
    this.worker = new Worker(new URL('./backtest-worker.ts', import.meta.url), { workerData: { config, allDecisions } });
    this.worker.on('message', (m: FromWorker) => {
      for (const r of m.records) this.arrived.push(r); // a spread of many records would overflow the stack
      if (m.type === 'end') this.ended = { counts: m.counts, releases: m.releases };
      else this.inFlight--;
      this.notify();
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the backtest's decision worker exited with code ${code}`)));
  }

  /** Gather a step; it goes with the next flush. */
  readonly send = (step: PipelineStep): void => {
    this.steps.push(step);
  };

  /**
   * Hand the steps gathered to the worker once there are STEPS_PER_MESSAGE of them (`all`: whatever there
   * is); waits while too many messages are unanswered.
   */
  async flush(all = false): Promise<void> {
    this.check();
    if (this.steps.length >= (all ? 1 : STEPS_PER_MESSAGE)) {
      this.post({ type: 'steps', json: JSON.stringify(this.steps) });
      this.steps = [];
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

  /** Every step applied: the report's counts and release summaries (take() then has the last records). */
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
