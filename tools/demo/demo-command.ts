// `ringwatch demo` (what `npm start` runs): every role in this process on the embedded memory bus, the
// fleet simulator playing the CrowdStrike-like scenario against the collector over HTTP with 1-second
// heartbeats, its release tool reading the verdict API, and a local PagerDuty stand-in receiving the page.
// Live progress per ring, the page and the halt as they happen, then a summary. No external service.
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import type { Command } from '../../app/command.ts';
import { ROLE_FACTORIES } from '../../app/role-factories.ts';
import { runRoles, type RunningRoles } from '../../app/run-roles.ts';
import { loadScenario } from '../simulator/scenario-load.ts';
import type { Scenario } from '../simulator/scenario-schema.ts';
import { createLogger } from '../../common/telemetry/logger.ts';
import { demoBoardPort, demoConfig } from './demo-config.ts';
import { demoOutcome } from './demo-summary.ts';
import { DemoView } from './demo-view.ts';
import { playLiveRollout } from './live-rollout.ts';
import { LocalPager } from './local-pager.ts';

const DEFAULT_SCENARIO = fileURLToPath(new URL('../../deploy/scenarios/crowdstrike.yaml', import.meta.url));

function intOption(values: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name}: must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function banner(scenario: Scenario, running: RunningRoles, pager: LocalPager): string[] {
  const url = (role: string) => `http://127.0.0.1:${running.servers.get(role)?.port}`;
  return [
    `ringwatch demo: scenario ${scenario.name} (seed ${scenario.seed}): ${scenario.description}`,
    `  ${scenario.fleet.devices} simulated devices, heartbeats every ${scenario.fleet.heartbeat_interval_secs} s, rings ${scenario.fleet.rings.map((r) => r.name).join(' > ')}; `
      + `releases: ${scenario.releases.map((r) => `${r.component}@${r.version} at t+${r.start_secs}s`).join(', ')}`,
    `  every role in this process on the embedded memory bus (no Kafka, no auth):`,
    `    collector ${url('collector')}  processor ${url('processor')}  alerter ${url('alerter')}`,
    `    metrics:  ${url('collector')}/metrics  ${url('processor')}/metrics  ${url('alerter')}/metrics`,
    `    verdicts: ${url('alerter')}/v1/verdicts/{component}/{version}?ring={ring}`,
    `    board:    ${url('board')}/board   (the release safety board: why each release passed, failed or is waiting)`,
    `  PagerDuty is a LOCAL STAND-IN at ${pager.url} (nothing leaves this machine)`,
    '',
  ];
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run every role in one process and watch a CrowdStrike-like release get stopped in its first ring (about a minute)',
  usage: 'ringwatch demo [--scenario FILE] [--devices N] [--base-port P] [--max-secs S] [--plain]',
  options: {
    scenario: { type: 'string', short: 's', description: 'Scenario file (default deploy/scenarios/crowdstrike.yaml; two-releases.yaml shows attribution).' },
    devices: { type: 'string', description: 'Override the number of simulated devices (default: the scenario\'s, 2000).' },
    'base-port': { type: 'string', description: 'Collector on P, processor on P+1, alerter on P+2, its board on P+3 (default 0: any free ports, printed at start).' },
    'max-secs': { type: 'string', description: 'Longest the scenario plays if nothing is halted (default 100).' },
    'settle-secs': { type: 'string', description: 'How long to keep watching after the halt (default 8).' },
    plain: { type: 'boolean', description: 'Plain lines instead of a live display (the default when stdout is not a terminal).' },
  },
  async run(values) {
    const devices = values.devices === undefined ? undefined : intOption(values, 'devices', 0, 10, 200_000);
    const maxSecs = intOption(values, 'max-secs', 100, 10, 3600);
    const file = (values.scenario as string | undefined) ?? DEFAULT_SCENARIO;
    const loaded = loadScenario(file, { devices });
    const scenario = loadScenario(file, { devices, durationSecs: Math.min(loaded.duration_secs, maxSecs) });
    const view = new DemoView(scenario, process.stdout, !values.plain && process.stdout.isTTY === true);
    const pager = new LocalPager((d) => view.delivered(d));
    await pager.start();
    const base = intOption(values, 'base-port', 0, 0, 65532);
    const config = demoConfig(scenario, pager.url, { base, board: await demoBoardPort(base) });
    const logger = createLogger(config.telemetry.log_level, 'ringwatch-demo', process.stderr);
    const running = await runRoles({ config, factories: Object.values(ROLE_FACTORIES), logger, registry: new Registry() });
    try {
      for (const line of banner(scenario, running, pager)) view.screen.event(line);
      await view.watch(running.bus, running.context.topics);
      const run = await playLiveRollout(scenario, {
        target: `http://127.0.0.1:${running.servers.get('collector')?.port}`,
        tokens: { device: [] },
        verdictUrl: `http://127.0.0.1:${running.servers.get('alerter')?.port}/v1/verdicts/{component}/{version}?ring={ring}`,
        settleMs: intOption(values, 'settle-secs', 8, 0, 600) * 1000,
        onProgress: (s, reads) => view.progress(s, reads),
        onVerdict: (read) => view.verdict(read),
      });
      view.finish(run);
      const outcome = demoOutcome(run, pager.triggers(), view.halts);
      for (const line of outcome.lines) view.screen.event(line);
      return outcome.caughtInFirstRing ? 0 : 1;
    } finally {
      await view.stop();
      await running.stop();
      await pager.stop();
    }
  },
};
