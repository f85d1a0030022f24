// `ringwatch simulate`: play a scenario against a running collector (--target, real time), or write its
// envelopes to an NDJSON file (--output, virtual time, as fast as it goes) for backtests.
import type { Command } from '../../app/command.ts';
import { httpVerdictSource, DEFAULT_VERDICT_URL } from './verdict-http.ts';
import { loadScenario, ScenarioError } from './scenario-load.ts';
import type { Scenario } from './scenario-schema.ts';
import { Simulation, toEnvelope } from './simulation.ts';
import { openLineWriter } from '../replay/ndjson-writer.ts';
import { formatSummary, summarize, type SimulationSummary } from './summary.ts';
import { runLive } from './live-run.ts';
import { parseDuration } from './duration.ts';
import { DEFAULT_DRIVER_SETTINGS } from './agent-driver.ts';

type Values = Record<string, string | boolean | undefined>;
const str = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? v[k] as string : undefined);

function positive(v: Values, k: string, fallback: number): number {
  const raw = str(v, k);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${k}: must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

class UsageError extends Error {}

const progressLine = (s: SimulationSummary) => {
  const d = s.driver;
  const http = d ? ` | http sent ${d.sent} accepted ${d.accepted} rejected ${d.rejected} retries ${d.retries} dropped ${d.dropped}` : '';
  const releases = s.releases.map((r) => `${r.component}@${r.version} ${r.outcome} exposed ${r.exposure.total}`).join('; ');
  return `[t+${((s.endMs - s.startMs) / 1000).toFixed(0)}s] hb ${s.events.heartbeat} crash ${s.events.crash} deploy ${s.events.deployment}${http} | ${releases}\n`;
};

async function writeOutput(scenario: Scenario, path: string, startMs: number | undefined): Promise<SimulationSummary> {
  const sim = new Simulation(scenario, { startMs });
  const writer = openLineWriter(path);
  let lastReport = Date.now();
  let bytes = 0;
  for await (const batch of sim.batches()) {
    // One write per batch: the shared line writer appends the last newline.
    const text = batch.map((e) => JSON.stringify(toEnvelope(e))).join('\n');
    bytes += Buffer.byteLength(text) + 1;
    await writer.write(text);
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      process.stderr.write(progressLine(summarize(sim.model, sim.tool, sim.counts)));
    }
  }
  await writer.close();
  process.stderr.write(`wrote ${bytes} bytes of envelopes (before compression) to ${path}\n`);
  return summarize(sim.model, sim.tool, sim.counts);
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'simulate a fleet and a release tool: play a scenario against a collector, or write it as NDJSON',
  usage: 'ringwatch simulate --scenario FILE (--target URL [--device-token T] [--release-token T] | --output FILE.ndjson[.gz]) [--devices N] [--speed X] [--duration D]',
  options: {
    scenario: { type: 'string', short: 's', description: 'Scenario YAML file (deploy/scenarios/*.yaml).' },
    target: { type: 'string', description: 'Collector base URL, e.g. http://127.0.0.1:8080 (real time).' },
    'device-token': { type: 'string', description: 'Device bearer token(s), comma-separated. Env RINGWATCH_SIM_DEVICE_TOKEN.' },
    'release-token': { type: 'string', description: 'Release-tooling bearer token. Env RINGWATCH_SIM_RELEASE_TOKEN.' },
    'verdict-url': { type: 'string', description: `Verdict URL template ({component} {version} {ring}); default ${DEFAULT_VERDICT_URL}.` },
    output: { type: 'string', short: 'o', description: 'Write envelopes to this NDJSON file (.gz: gzip) in virtual time; rollouts are not gated.' },
    devices: { type: 'string', description: 'Override fleet.devices.' },
    duration: { type: 'string', description: 'Override duration_secs (e.g. 300, 90s, 10m, 2h, 7d).' },
    speed: { type: 'string', description: 'Live runs: virtual seconds per wall second (default 1).' },
    start: { type: 'string', description: '--output runs: virtual start time (RFC 3339), overriding the scenario.' },
    concurrency: { type: 'string', description: `Live runs: requests in flight (default ${DEFAULT_DRIVER_SETTINGS.concurrency}).` },
    'batch-size': { type: 'string', description: `Live runs: events per request (default ${DEFAULT_DRIVER_SETTINGS.batchMaxEvents}).` },
    json: { type: 'boolean', description: 'Print the summary as JSON instead of text.' },
  },
  async run(values) {
    const file = str(values, 'scenario');
    const target = str(values, 'target');
    const output = str(values, 'output');
    try {
      if (!file) throw new UsageError('--scenario is required');
      if (!target === !output) throw new UsageError('give exactly one of --target and --output');
      const devices = str(values, 'devices') === undefined ? undefined : Math.round(positive(values, 'devices', 1));
      const duration = str(values, 'duration');
      const durationSecs = duration === undefined ? undefined : parseDuration(duration);
      if (duration !== undefined && durationSecs === undefined) throw new UsageError(`--duration: ${JSON.stringify(duration)} is not a duration (e.g. 300, 90s, 10m, 2h, 7d)`);
      const scenario = loadScenario(file, { devices, durationSecs });
      let summary: SimulationSummary;
      if (output) {
        const start = str(values, 'start');
        const startMs = start === undefined ? undefined : Date.parse(start);
        if (startMs !== undefined && Number.isNaN(startMs)) throw new UsageError('--start: not an RFC 3339 time');
        summary = await writeOutput(scenario, output, startMs);
      } else {
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        const releaseToken = str(values, 'release-token') ?? process.env.RINGWATCH_SIM_RELEASE_TOKEN;
        const deviceTokens = (str(values, 'device-token') ?? process.env.RINGWATCH_SIM_DEVICE_TOKEN ?? '').split(',').filter(Boolean);
        summary = await runLive(scenario, {
          target: target as string,
          tokens: { device: deviceTokens, release: releaseToken },
          verdicts: httpVerdictSource(str(values, 'verdict-url') ?? DEFAULT_VERDICT_URL, { timeoutMs: 5000 }),
          speed: positive(values, 'speed', 1), tickMs: 100, flushTimeoutMs: 30_000, progressEveryMs: 5000,
          driver: {
            concurrency: Math.round(positive(values, 'concurrency', DEFAULT_DRIVER_SETTINGS.concurrency)),
            batchMaxEvents: Math.round(positive(values, 'batch-size', DEFAULT_DRIVER_SETTINGS.batchMaxEvents)),
          },
          onProgress: (s) => process.stderr.write(progressLine(s)), signal: controller.signal,
        });
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
      return 0;
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`ringwatch simulate: ${err.message}\n`);
        return 2;
      }
      if (err instanceof ScenarioError) {
        process.stderr.write(`ringwatch simulate: ${(err as Error).message}\n`);
        return 78;
      }
      throw err;
    }
  },
};
