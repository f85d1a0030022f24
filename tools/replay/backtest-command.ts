// `ringwatch backtest --config FILE --input FILE [--output FILE]`: what ringwatch would have decided on
// recorded telemetry, with the thresholds of the given config. Records go to --output (or stdout), one JSON
// object per line, ending with the summary line; bad lines, progress and the readable summary go to stderr.
import { loadConfig } from '../../app/config.ts';
import { openLineWriter } from './ndjson-writer.ts';
import { runBacktest } from './backtest-run.ts';
import { formatSummary, terminalProgress } from './backtest-format.ts';
import { CONFIG_OPTION, type Command } from '../../app/command.ts';
import { BoardHistory } from '../../alerting/board/history.ts';
import { writeBoardReport } from './board-report.ts';
import type { AlerterCore } from '../../alerting/core/alerter-core.ts';

/** Defaults of the reorder buffer (documented in docs/backtest.md). */
export const DEFAULT_REORDER_SECS = 120;
export const DEFAULT_REORDER_MAX_EVENTS = 2_000_000;

function count(values: Record<string, string | boolean | undefined>, key: string, fallback: number, min: number): number {
  const raw = values[key];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${key}: must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return v;
}

class UsageError extends Error {}

const EX_DATAERR = 65;

export const backtestCommand: Command = {
  name: 'backtest',
  summary: 'replay recorded telemetry (NDJSON, optionally gzip) through detection and alerting in virtual time',
  usage: 'ringwatch backtest --config FILE --input FILE[.gz] [--output FILE] [--report DIR] [--reorder-secs N] [--all-decisions] [--one-thread]',
  options: {
    ...CONFIG_OPTION,
    input: { type: 'string', short: 'i', description: 'Recorded telemetry: one contract-v1 envelope per line, plain or gzip; - is stdin.' },
    output: { type: 'string', short: 'o', description: 'Where the decision records go (.gz compresses); default stdout. The last line is the summary.' },
    'reorder-secs': { type: 'string', description: `Reorder window: events are held until this far behind the newest telemetry (default ${DEFAULT_REORDER_SECS}).` },
    'reorder-max-events': { type: 'string', description: `Most events held for reordering (default ${DEFAULT_REORDER_MAX_EVENTS}).` },
    'all-decisions': { type: 'boolean', description: 'Also write every decision of the detection core, not only verdict changes.' },
    'one-thread': { type: 'boolean', description: 'Replay in the reading thread (default: on a second thread when the process may use two CPUs and no --report is asked; same records).' },
    report: { type: 'string', description: 'Write the release safety board of the replayed history as static HTML into this directory (open DIR/index.html).' },
  },
  async run(values) {
    let reorderSecs: number;
    let reorderMax: number;
    try {
      if (typeof values.input !== 'string') throw new UsageError('--input is required');
      reorderSecs = count(values, 'reorder-secs', DEFAULT_REORDER_SECS, 0);
      reorderMax = count(values, 'reorder-max-events', DEFAULT_REORDER_MAX_EVENTS, 1);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`ringwatch backtest: ${err.message}\n`);
      return 2;
    }
    const config = loadConfig(values.config as string | undefined);
    const out = openLineWriter((values.output as string | undefined) ?? '-');
    const progress = process.stderr.isTTY ? terminalProgress(process.stderr) : undefined;
    const reportDir = values.report as string | undefined;
    const a = config.alerting;
    const boardHistory = reportDir ? new BoardHistory({
      windowsPerReleaseRing: a.board_history_windows, releaseRings: a.board_history_release_rings, eventsPerIncident: a.board_history_incident_events,
    }) : undefined;
    try {
      const summary = await runBacktest({
        config, input: values.input as string, reorderWindowMs: reorderSecs * 1000, reorderMaxEvents: reorderMax,
        allDecisions: values['all-decisions'] === true,
        ...(values['one-thread'] === true ? { replayThread: false } : {}),
        write: (r) => out.write(JSON.stringify(r)),
        onBadLine: (line, reason) => {
          progress?.done();
          process.stderr.write(`${values.input}:${line}: skipped: ${reason}\n`);
        },
        onProgress: progress?.update,
        ...(reportDir && boardHistory ? {
          boardHistory,
          onEnd: (end: { alerter: AlerterCore; now: number }) => {
            const written = writeBoardReport(reportDir, end.alerter, boardHistory, end.now, a);
            progress?.done();
            process.stderr.write(`board report: ${written.index} (${written.releases} releases, ${written.files} files)\n`);
          },
        } : {}),
      });
      progress?.done();
      await out.write(JSON.stringify(summary));
      process.stderr.write(formatSummary(summary));
      // Damage to the input itself (a truncated gzip) is a data error even though the rest was replayed.
      return summary.inputErrors ? EX_DATAERR : 0;
    } finally {
      await out.close();
    }
  },
};
