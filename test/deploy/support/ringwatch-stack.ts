// ringwatch as a user runs it for a demo: `ringwatch all` on the memory bus (every role, its own port),
// fed by `ringwatch simulate`, with a local receiver standing in for PagerDuty and a webhook, so that
// pages and signals have somewhere real to go. Ports are picked by the OS and read from the "ringwatch running" log line.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CLI, startCli } from '../../support/cli.ts';

export type RolePorts = Record<'collector' | 'processor' | 'alerter', number>;

/** Answers 202 to everything (PagerDuty's "accepted"), counting what it got. */
async function startReceiver(): Promise<{ server: Server; url: string; received: () => number }> {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => { received++; res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}'); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}`, received: () => received };
}

export class RingwatchStack {
  private dir = mkdtempSync(join(tmpdir(), 'ringwatch-stack-'));
  private ringwatch: ChildProcess | undefined;
  private simulator: ChildProcess | undefined;
  private receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  private simulatorLog = '';
  ports: RolePorts = { collector: 0, processor: 0, alerter: 0 };
  output: () => string = () => '';

  async start(): Promise<void> {
    this.receiver = await startReceiver();
    const config = {
      bus: { kind: 'memory', lag_poll_secs: 1 },
      collector: { listen_host: '127.0.0.1', listen_port: 0, auth_enabled: false },
      // 1-second heartbeats and 2-second windows: a whole rollout in a minute (detection.md, "Time").
      processor: { listen_host: '127.0.0.1', listen_port: 0, heartbeat_interval_secs: 1, window_secs: 2, silence_intervals: 3 },
      alerting: {
        listen_host: '127.0.0.1', listen_port: 0, board_listen_port: 0, public_url: 'http://127.0.0.1:1', tick_interval_ms: 500,
        pagerduty_url: this.receiver.url,
        pagerduty_release_routing_key: 'r'.repeat(32), pagerduty_pipeline_routing_key: 'p'.repeat(32),
        webhooks: [{ name: 'test-receiver', url: `${this.receiver.url}/hook`, hmac_secret: 'test-only-key' }],
      },
    };
    const file = join(this.dir, 'config.yaml');
    writeFileSync(file, stringify(config));
    const started = await startCli(['all', '--config', file], /"msg":"ringwatch running"/);
    this.ringwatch = started.child;
    this.output = started.output;
    const line = started.output().split('\n').find((l) => l.includes('"msg":"ringwatch running"'));
    this.ports = (JSON.parse(line!) as { ports: RolePorts }).ports;
  }

  /** Play a scenario against the collector in real time, in the background. */
  simulate(scenario: string, durationSecs: number): void {
    const child = spawn(process.execPath, [CLI, 'simulate', '--scenario', scenario, '--target', `http://127.0.0.1:${this.ports.collector}`,
      '--verdict-url', `http://127.0.0.1:${this.ports.alerter}/v1/verdicts/{component}/{version}?ring={ring}`, '--duration', `${durationSecs}s`],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (d: Buffer) => { this.simulatorLog = (this.simulatorLog + d.toString()).slice(-10_000); };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    this.simulator = child;
  }

  simulatorOutput(): string {
    return this.simulatorLog;
  }

  deliveries(): number {
    return this.receiver?.received() ?? 0;
  }

  async stop(): Promise<void> {
    for (const child of [this.simulator, this.ringwatch]) {
      if (!child || child.exitCode !== null) continue;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await gone;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => (this.receiver ? this.receiver.server.close(() => resolve()) : resolve()));
    this.receiver?.server.closeAllConnections();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
