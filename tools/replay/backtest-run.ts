// A backtest: recorded telemetry streamed from a file, put back in receipt order by a bounded reorder
// buffer, through the production detection and alerting cores in virtual time. Memory follows the fleet
// (device state, reorder window), never the file. I/O stays at the edges: lines in, records out.
import type { Config } from '../../app/config.ts';
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import { usableCpus } from '../../common/runtime/usable-cpus.ts';
import { VirtualPipeline } from './virtual-pipeline.ts';
import { readNdjsonFileBatches, type ReplayItem } from './ndjson-reader.ts';
import { ReorderBuffer, type ReorderCounts } from './backtest-reorder.ts';
import { relayDeviceChanges, type BlastRadius } from './backtest-exposure.ts';
import type { BacktestRecord, ReportCounts } from './backtest-report.ts';
import { BacktestSide } from './backtest-side.ts';
import { BacktestThread, type BacktestEnd } from './backtest-thread.ts';
import type { PipelineStep } from './pipeline-steps.ts';
import type { ReleaseSummary } from './backtest-releases.ts';
import type { BoardHistory } from '../../alerting/board/history.ts';
import type { AlerterCore } from '../../alerting/core/alerter-core.ts';

export interface BacktestOptions {
  config: Config;
  input: string;
  reorderWindowMs: number;
  /** Hard cap on events held for reordering (memory bound when the file is badly out of order). */
  reorderMaxEvents: number;
  /** Also write every decision, not only verdict changes (for comparisons and debugging). */
  allDecisions: boolean;
  write(record: BacktestRecord): Promise<void>;
  /** A line that could not be replayed, or damage to the input itself (reported, then skipped). */
  onBadLine(line: number, reason: string): void;
  onProgress?(p: BacktestProgress): void;
  progressEveryMs?: number;
  /** Wall clock for rates (injected so tests can fix it). */
  wallMs?: () => number;
  /** Batches of items to replay instead of reading `input` (tests). */
  items?: AsyncIterable<ReplayItem[]>;
  /** Keep the board's chart history and timelines of the replay (for `--report`). */
  boardHistory?: BoardHistory;
  /** Called once the replay ended, with the pipeline as it stands (its alerter's state). */
  onEnd?: (end: { alerter: AlerterCore; now: number }) => void;
  /**
   * Run the decision half (judge, alerter, report) on a worker thread. Default: when the process may use
   * more than one CPU (its affinity, capped by a container's CPU limit) and neither `boardHistory` nor
   * `onEnd` is given (both read that half's state here). Same records either way.
   */
  decisionThread?: boolean;
}

export interface BacktestProgress {
  lines: number;
  events: number;
  eventsPerSec: number;
  virtualTime: string | null;
}

export interface BacktestSummary extends ReportCounts {
  type: 'summary';
  input: string;
  linesRead: number;
  eventsReplayed: number;
  eventsByKind: Record<AnyEnvelope['kind'], number>;
  badLines: number;
  inputErrors: number;
  reorderWindowSecs: number;
  lateEvents: number;
  lateByKind: ReorderCounts['lateByKind'];
  reorderForced: number;
  reorderPeakHeld: number;
  firstEventAt: string | null;
  lastEventAt: string | null;
  wallSecs: number;
  eventsPerSec: number;
  /** CPU time of the process (all threads, user + system): events per CPU-second is the one-core rate. */
  cpuSecs: number;
  eventsPerCpuSec: number;
  peakRssBytes: number;
  releases: (ReleaseSummary & { blastRadiusAtEnd: BlastRadius })[];
}

/** Reasons the reader gives for damage to the file as a whole rather than to one line. */
const INPUT_DAMAGE = /^(truncated gzip stream|unreadable input)/;

export async function runBacktest(o: BacktestOptions): Promise<BacktestSummary> {
  const wall = o.wallMs ?? (() => performance.now());
  const started = wall();
  const cpuStart = process.cpuUsage();
  const history = o.boardHistory;
  const here = history !== undefined || o.onEnd !== undefined;
  if (o.decisionThread && here) throw new Error('a decision thread cannot keep the board history or hand its pipeline to onEnd');
  const thread = (o.decisionThread ?? (!here && usableCpus() > 1)) ? new BacktestThread(o.config, o.allDecisions) : undefined;
  const side = thread ? undefined : new BacktestSide(o.config, { allDecisions: o.allDecisions, history });
  let emitted = 0;
  const send = thread ? thread.send : (step: PipelineStep) => side!.apply(step);
  const step = (s: PipelineStep) => {
    emitted++;
    send(s);
  };
  const pipeline = new VirtualPipeline(o.config, { steps: step });
  relayDeviceChanges(pipeline.source, step);
  const reorder = new ReorderBuffer(o.reorderWindowMs, o.reorderMaxEvents);
  const byKind = { heartbeat: 0, crash: 0, deployment: 0 };
  let events = 0;
  let linesRead = 0;
  let badLines = 0;
  let inputErrors = 0;
  let firstMs = Number.POSITIVE_INFINITY;
  // An event's steps end with a settle (the report's records of what they changed); an event that made
  // none changed nothing to report.
  const feed = (env: AnyEnvelope, receivedMs: number) => {
    const before = emitted;
    if (env.kind !== 'heartbeat') step({ k: 'observe', env });
    pipeline.feed(env, receivedMs);
    byKind[env.kind]++;
    events++;
    if (emitted !== before) step({ k: 'settle', now: pipeline.now });
  };
  const flush = async () => {
    await thread?.flush();
    const batch = thread ? thread.take() : side!.take();
    for (const r of batch) await o.write(r);
  };
  const progressEvery = o.progressEveryMs ?? 500;
  let nextProgress = started + progressEvery;
  const progress = (): BacktestProgress => ({
    lines: linesRead, events, eventsPerSec: Math.round(events / Math.max(1e-3, (wall() - started) / 1000)),
    virtualTime: Number.isFinite(pipeline.now) ? new Date(pipeline.now).toISOString() : null,
  });

  let end: BacktestEnd;
  try {
    for await (const batch of o.items ?? readNdjsonFileBatches(o.input)) {
      for (const item of batch) {
        if (!item.ok) {
          if (INPUT_DAMAGE.test(item.reason)) inputErrors++;
          else { badLines++; linesRead = item.line; }
          o.onBadLine(item.line, item.reason);
          continue;
        }
        linesRead = item.line;
        const t = item.receivedMs;
        if (t < firstMs) firstMs = t;
        reorder.push(item.envelope, t, feed);
      }
      await flush();
      if (o.onProgress && wall() >= nextProgress) {
        nextProgress = wall() + progressEvery;
        o.onProgress(progress());
      }
    }
    reorder.drain(feed);
    await flush();
    if (thread) {
      end = await thread.finish();
      for (const r of thread.take()) await o.write(r);
    } else {
      end = { counts: side!.report.counts, releases: side!.report.summaries() };
      o.onEnd?.({ alerter: side!.decisions.alerter, now: pipeline.now });
    }
  } catch (err) {
    await thread?.close();
    throw err;
  }
  const wallSecs = (wall() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  return {
    type: 'summary', input: o.input, linesRead, eventsReplayed: events, eventsByKind: byKind, badLines, inputErrors,
    reorderWindowSecs: o.reorderWindowMs / 1000, lateEvents: reorder.counts.late, lateByKind: reorder.counts.lateByKind,
    reorderForced: reorder.counts.forced, reorderPeakHeld: reorder.counts.peakHeld,
    firstEventAt: Number.isFinite(firstMs) ? new Date(firstMs).toISOString() : null,
    lastEventAt: Number.isFinite(pipeline.now) ? new Date(pipeline.now).toISOString() : null,
    wallSecs: Math.round(wallSecs * 1000) / 1000, eventsPerSec: Math.round(events / Math.max(1e-3, wallSecs)),
    cpuSecs: Math.round(cpuSecs * 1000) / 1000, eventsPerCpuSec: Math.round(events / Math.max(1e-3, cpuSecs)),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    ...end.counts, releases: end.releases,
  };
}
