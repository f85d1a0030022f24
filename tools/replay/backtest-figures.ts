// Backtest figures: replays a recorded file (by default the week-long 10,000-device noisy-week scenario)
// and prints events/s, CPU rate, peak memory and the machine it ran on. A script, not a test: the figures go
// into docs/backtest.md. Generate the input first (about 5 minutes, 559 MB; keep it out of the repo):
//   node app/ringwatch.ts simulate --scenario deploy/scenarios/noisy-week.yaml --output /tmp/week.ndjson.gz
//   node tools/replay/backtest-figures.ts --input /tmp/week.ndjson.gz [--config FILE] [--reorder-secs N] [--no-floor] [--in-thread-reader] [--one-thread] [--replay-nice N]
// After the backtest it reads the same file once more with gunzip + JSON.parse only (the floor), in a fresh
// process, and prints the backtest's rate as a ratio to it. Fresh, because the same reading right after a
// backtest in its process took 13-18 % more CPU (its heap), which flattered the ratio.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../app/config.ts';
import { runBacktest } from './backtest-run.ts';
import { formatSummary } from './backtest-format.ts';
import { DEFAULT_REORDER_MAX_EVENTS, DEFAULT_REORDER_SECS } from './backtest-command.ts';
import { enableCompileCache } from '../../common/runtime/compile-cache.ts';

// As the ringwatch command does: its worker threads start from the compile cache.
enableCompileCache();

const { values } = parseArgs({
  allowNegative: true,
  options: {
    input: { type: 'string', default: '/tmp/week.ndjson.gz' },
    config: { type: 'string' },
    'reorder-secs': { type: 'string', default: String(DEFAULT_REORDER_SECS) },
    /** Also measure the read + parse floor on the same file (default on; --no-floor to skip). */
    floor: { type: 'boolean', default: true },
    /** Only measure the floor and print it as JSON (what the figures run spawns, in a fresh process). */
    'floor-only': { type: 'boolean', default: false },
    /** Read and inflate on the main thread, as stdin is read (to compare with the inflate worker). */
    'in-thread-reader': { type: 'boolean', default: false },
    /** Replay on the main thread too (to compare with the replay thread, the default on 2+ CPUs). */
    'one-thread': { type: 'boolean', default: false },
    /** The replay thread's nice value (default the backtest's, REPLAY_THREAD_NICE). */
    'replay-nice': { type: 'string' },
  },
});
const input = values.input as string;
if (!existsSync(input)) {
  process.stderr.write(`no input file ${input}; generate it with:\n  node app/ringwatch.ts simulate --scenario deploy/scenarios/noisy-week.yaml --output ${input}\n`);
  process.exit(2);
}

if (values['floor-only']) {
  process.stdout.write(`${JSON.stringify(await readParseFloor(input))}\n`);
  process.exit(0);
}

const config = loadConfig(values.config);
const records: Record<string, number> = {};
const loadBefore = loadavg()[0];
// The main thread's own CPU over the replay: the thread every event passes through bounds the wall time.
const mainBefore = process.threadCpuUsage();
let thread: { cpuSecs: number; nice: number } | undefined;
const summary = await runBacktest({
  config, input, inThreadReader: values['in-thread-reader'] === true, reorderWindowMs: Number(values['reorder-secs']) * 1000, reorderMaxEvents: DEFAULT_REORDER_MAX_EVENTS, allDecisions: false, ...(values['one-thread'] ? { replayThread: false } : {}),
  write: async (r) => { records[r.type] = (records[r.type] ?? 0) + 1; },
  onBadLine: (line, reason) => process.stderr.write(`${input}:${line}: skipped: ${reason}\n`),
  onProgress: (p) => process.stderr.write(`  ${p.events} events, ${p.eventsPerSec} events/s, virtual time ${p.virtualTime}\n`),
  progressEveryMs: 10_000,
  onThread: (t) => { thread = t; },
  ...(values['replay-nice'] === undefined ? {} : { replayThreadNice: Number(values['replay-nice']) }),
});

const mainUsage = process.threadCpuUsage(mainBefore);
const mainCpuSecs = (mainUsage.user + mainUsage.system) / 1e6;

/** The floor measured by a child process of this script, so no backtest's heap weighs on it. */
function floorInFreshProcess(file: string): { lines: number; wallSecs: number; cpuSecs: number; mainCpuSecs: number } {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--input', file, '--floor-only'], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`the floor's process failed (${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as { lines: number; wallSecs: number; cpuSecs: number; mainCpuSecs: number };
}

/**
 * The floor: what reading alone costs on this machine, now: gunzip, UTF-8 decode, line split and one
 * JSON.parse a line, nothing else (same chunk sizes as the backtest's reader). Measured right after the
 * backtest on the same file (so a loaded machine weighs on both alike), in a process of its own.
 */
async function readParseFloor(file: string): Promise<{ lines: number; wallSecs: number; cpuSecs: number; mainCpuSecs: number }> {
  const cpu = process.cpuUsage();
  const main = process.threadCpuUsage();
  const t0 = performance.now();
  const head = Buffer.alloc(2);
  const fd = await import('node:fs/promises').then((f) => f.open(file));
  await fd.read(head, 0, 2, 0);
  await fd.close();
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = head[0] === 0x1f && head[1] === 0x8b ? raw.pipe(createGunzip({ chunkSize: 256 << 10 })) : raw;
  let lines = 0;
  let rest = '';
  let sink = 0;
  for await (const chunk of stream) {
    const text = rest + (chunk as Buffer).toString('utf8');
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      if (nl > from) { sink += (JSON.parse(text.slice(from, nl)) as { v?: number }).v ?? 0; lines++; }
      from = nl + 1;
    }
    rest = text.slice(from);
  }
  if (rest.trim()) { JSON.parse(rest); lines++; }
  const u = process.cpuUsage(cpu);
  const m = process.threadCpuUsage(main);
  if (sink < 0) console.log(sink);
  return { lines, wallSecs: (performance.now() - t0) / 1000, cpuSecs: (u.user + u.system) / 1e6, mainCpuSecs: (m.user + m.system) / 1e6 };
}

const floor = values.floor ? floorInFreshProcess(input) : undefined;

process.stdout.write(formatSummary(summary));
if (floor) {
  const floorRate = floor.lines / floor.wallSecs;
  const floorCpuRate = floor.lines / floor.cpuSecs;
  process.stdout.write(`floor (gunzip + JSON.parse of the same file, same run, fresh process): ${floor.lines} lines in ${floor.wallSecs.toFixed(1)} s wall = ${Math.round(floorRate)} lines/s; `
    + `${floor.cpuSecs.toFixed(1)} s CPU = ${Math.round(floorCpuRate)} lines per CPU-second (main thread ${floor.mainCpuSecs.toFixed(2)} s)\n`
    + `backtest / floor: ${(summary.eventsPerSec / floorRate).toFixed(2)} wall, ${(summary.eventsPerCpuSec / floorCpuRate).toFixed(2)} per CPU-second (target >= 0.5)\n`);
}
process.stdout.write([
  `figures: ${summary.eventsReplayed} events in ${summary.wallSecs} s wall = ${summary.eventsPerSec} events/s; `
    + `${summary.cpuSecs} s CPU = ${summary.eventsPerCpuSec} events per CPU-second (main thread ${mainCpuSecs.toFixed(2)} s${thread === undefined ? '' : `, replay thread ${thread.cpuSecs.toFixed(2)} s at nice ${thread.nice}`}); peak RSS ${(summary.peakRssBytes / 1048576).toFixed(0)} MB`,
  `input: ${input} (${(statSync(input).size / 1048576).toFixed(0)} MB on disk); records written: ${JSON.stringify(records)}`,
  `machine: ${cpus()[0]?.model ?? 'unknown cpu'} x ${cpus().length}, Node ${process.version}, `
    + `load average ${loadBefore.toFixed(2)} before / ${loadavg()[0].toFixed(2)} after, ${new Date().toISOString()}`,
].join('\n') + '\n');
