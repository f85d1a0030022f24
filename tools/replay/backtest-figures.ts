// Backtest figures: replays a recorded file (by default the week-long 10,000-device noisy-week scenario)
// and prints events/s, CPU rate, peak memory and the machine it ran on. A script, not a test: the figures go
// into docs/backtest.md. Generate the input first (about 5 minutes, 559 MB; keep it out of the repo):
//   node app/ringwatch.ts simulate --scenario deploy/scenarios/noisy-week.yaml --output /tmp/week.ndjson.gz
//   node tools/replay/backtest-figures.ts --input /tmp/week.ndjson.gz [--config FILE] [--reorder-secs N]
import { existsSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../app/config.ts';
import { runBacktest } from './backtest-run.ts';
import { formatSummary } from './backtest-format.ts';
import { DEFAULT_REORDER_MAX_EVENTS, DEFAULT_REORDER_SECS } from './backtest-command.ts';

const { values } = parseArgs({
  options: {
    input: { type: 'string', default: '/tmp/week.ndjson.gz' },
    config: { type: 'string' },
    'reorder-secs': { type: 'string', default: String(DEFAULT_REORDER_SECS) },
  },
});
const input = values.input as string;
if (!existsSync(input)) {
  process.stderr.write(`no input file ${input}; generate it with:\n  node app/ringwatch.ts simulate --scenario deploy/scenarios/noisy-week.yaml --output ${input}\n`);
  process.exit(2);
}

const config = loadConfig(values.config);
const records: Record<string, number> = {};
const loadBefore = loadavg()[0];
const summary = await runBacktest({
  config, input, reorderWindowMs: Number(values['reorder-secs']) * 1000, reorderMaxEvents: DEFAULT_REORDER_MAX_EVENTS, allDecisions: false,
  write: async (r) => { records[r.type] = (records[r.type] ?? 0) + 1; },
  onBadLine: (line, reason) => process.stderr.write(`${input}:${line}: skipped: ${reason}\n`),
  onProgress: (p) => process.stderr.write(`  ${p.events} events, ${p.eventsPerSec} events/s, virtual time ${p.virtualTime}\n`),
  progressEveryMs: 10_000,
});

process.stdout.write(formatSummary(summary));
process.stdout.write([
  `figures: ${summary.eventsReplayed} events in ${summary.wallSecs} s wall = ${summary.eventsPerSec} events/s; `
    + `${summary.cpuSecs} s CPU = ${summary.eventsPerCpuSec} events per CPU-second; peak RSS ${(summary.peakRssBytes / 1048576).toFixed(0)} MB`,
  `input: ${input} (${(statSync(input).size / 1048576).toFixed(0)} MB on disk); records written: ${JSON.stringify(records)}`,
  `machine: ${cpus()[0]?.model ?? 'unknown cpu'} x ${cpus().length}, Node ${process.version}, `
    + `load average ${loadBefore.toFixed(2)} before / ${loadavg()[0].toFixed(2)} after, ${new Date().toISOString()}`,
].join('\n') + '\n');
