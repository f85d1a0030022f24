// A backtest: recorded telemetry streamed from a file, put back in receipt order by a bounded reorder
// buffer, through the production detection and alerting cores in virtual time. Memory follows the fleet
// (device state, reorder window), never the file. I/O stays at the edges: lines in, records out.
import type { Config } from '../../app/config.ts';
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import type { Shape } from '../../common/contract/heartbeat-shape.ts';
import { usableCpus } from '../../common/runtime/usable-cpus.ts';
import { ReplayCore } from './replay-core.ts';
import { readNdjsonFileBatches, type ReplayItem } from './ndjson-reader.ts';
import { ReorderBuffer, type ReorderCounts } from './backtest-reorder.ts';
import type { BlastRadius } from './backtest-exposure.ts';
import type { BacktestRecord, ReportCounts } from './backtest-report.ts';
import { BacktestThread, DEFAULT_SHAPE_DEVICES, REPLAY_THREAD_NICE, type BacktestEnd } from './backtest-thread.ts';
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
  /** Read and inflate `input` on the main thread, as stdin is read (to compare with the inflate worker). */
  inThreadReader?: boolean;
  /** Batches of items to replay instead of reading `input` (tests). */
  items?: AsyncIterable<ReplayItem[]>;
  /** Keep the board's chart history and timelines of the replay (for `--report`). */
  boardHistory?: BoardHistory;
  /** The replay thread's nice value on Linux (default REPLAY_THREAD_NICE; 0 keeps the process's). */
  replayThreadNice?: number;
  /** With a replay thread: told its CPU time and nice value at the end (the figures script prints them). */
  onThread?: (t: { cpuSecs: number; nice: number }) => void;
  /** Called once the replay ended, with the pipeline as it stands (its alerter's state). */
  onEnd?: (end: { alerter: AlerterCore; now: number }) => void;
  /**
   * Replay (source core, judge, alerter, report) on a worker thread while this one reads, parses, validates
   * and reorders. Default: when the process may use more than one CPU (its affinity, capped by a
   * container's CPU limit) and neither `boardHistory` nor `onEnd` is given (both read the replay's state
   * here). Same records either way.
   */
  replayThread?: boolean;
  /**
   * With a replay thread: devices whose heartbeat shape the reader remembers (default
   * DEFAULT_SHAPE_DEVICES), their heartbeats validated by their changing fields and handed over as those.
   */
  shapeDevices?: number;
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
  if (o.replayThread && here) throw new Error('a replay thread cannot keep the board history or hand its pipeline to onEnd');
  const shapeDevices = o.shapeDevices ?? DEFAULT_SHAPE_DEVICES;
  const thread = (o.replayThread ?? (!here && usableCpus() > 1))
    ? new BacktestThread(o.config, { allDecisions: o.allDecisions, shapeDevices, nice: o.replayThreadNice ?? REPLAY_THREAD_NICE })
    : undefined;
  const core = thread ? undefined : new ReplayCore(o.config, { allDecisions: o.allDecisions, history });
  const reorder = new ReorderBuffer(o.reorderWindowMs, o.reorderMaxEvents);
  const byKind = { heartbeat: 0, crash: 0, deployment: 0 };
  let events = 0;
  let linesRead = 0;
  let badLines = 0;
  let inputErrors = 0;
  let firstMs = Number.POSITIVE_INFINITY;
  // The virtual clock, as the pipeline keeps it: the newest receipt time replayed.
  let now = Number.NEGATIVE_INFINITY;
  const feed = (env: AnyEnvelope, receivedMs: number, shape: Shape | undefined) => {
    if (thread) thread.send(env, receivedMs, shape);
    else core!.feed(env, receivedMs);
    if (receivedMs > now) now = receivedMs;
    byKind[env.kind]++;
    events++;
  };
  const flush = async () => {
    await thread?.flush();
    const batch = thread ? thread.take() : core!.take();
    for (const r of batch) await o.write(r);
  };
  const progressEvery = o.progressEveryMs ?? 500;
  let nextProgress = started + progressEvery;
  const progress = (): BacktestProgress => ({
    lines: linesRead, events, eventsPerSec: Math.round(events / Math.max(1e-3, (wall() - started) / 1000)),
    virtualTime: Number.isFinite(now) ? new Date(now).toISOString() : null,
  });

  let end: BacktestEnd;
  try {
    for await (const batch of o.items ?? readNdjsonFileBatches(o.input, { shapes: thread?.shapes, inThread: o.inThreadReader })) {
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
        reorder.push(item.envelope, t, feed, item.shape);
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
      if (end.threadCpuSecs !== undefined) o.onThread?.({ cpuSecs: end.threadCpuSecs, nice: end.threadNice ?? 0 });
      for (const r of thread.take()) await o.write(r);
    } else {
      end = core!.end();
      o.onEnd?.({ alerter: core!.alerter, now: core!.now });
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
    lastEventAt: Number.isFinite(now) ? new Date(now).toISOString() : null,
    wallSecs: Math.round(wallSecs * 1000) / 1000, eventsPerSec: Math.round(events / Math.max(1e-3, wallSecs)),
    cpuSecs: Math.round(cpuSecs * 1000) / 1000, eventsPerCpuSec: Math.round(events / Math.max(1e-3, cpuSecs)),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    ...end.counts, releases: end.releases,
  };
}
