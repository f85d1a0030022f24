// Small scenarios built in code, a collector of a run's events, and a local fake HTTP server.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildScenario } from '../../../tools/simulator/scenario-load.ts';
import type { Scenario } from '../../../tools/simulator/scenario-schema.ts';
import { Simulation, type SimulationOptions } from '../../../tools/simulator/simulation.ts';
import type { SimEvent } from '../../../tools/simulator/outbox.ts';

type Obj = Record<string, unknown>;

/** A quiet 500-device fleet with 1-second heartbeats; `patch` is merged one level deep. */
export function smallScenario(patch: Obj = {}): Scenario {
  const base: Obj = {
    name: 'test', seed: 42, start: '2024-07-16T12:00:00Z', duration_secs: 60,
    fleet: {
      devices: 500, heartbeat_interval_secs: 1,
      rings: [{ name: 'canary', share: 0.02 }, { name: 'early', share: 0.1 }, { name: 'main' }],
      regions: [{ name: 'us', share: 0.5, utc_offset_hours: -5 }, { name: 'eu', share: 0.5, utc_offset_hours: 1 }],
      components: [{ name: 'agent', version: '1.0' }, { name: 'channel-291', version: 'c1' }],
    },
    noise: {
      night_offline_share: 0, offline_per_device_hour: 0, crash_per_device_hour: 0, crash_prone_share: 0,
      late_share: 0, duplicate_share: 0, skewed_clock_share: 0,
    },
    rollout: { spread_secs: 5, bake_secs: 10, poll_interval_secs: 1, inconclusive_limit_secs: 5 },
  };
  for (const [k, v] of Object.entries(patch)) {
    base[k] = v && typeof v === 'object' && !Array.isArray(v) ? { ...(base[k] as Obj), ...(v as Obj) } : v;
  }
  return buildScenario(base, 'test');
}

export async function collect(sim: Simulation): Promise<SimEvent[]> {
  const out: SimEvent[] = [];
  for await (const batch of sim.batches()) out.push(...batch);
  return out;
}

export async function runScenario(s: Scenario, options: SimulationOptions = {}): Promise<{ sim: Simulation; events: SimEvent[] }> {
  const sim = new Simulation(s, options);
  return { sim, events: await collect(sim) };
}

export interface FakeServer {
  url: string;
  requests: { method: string; path: string; headers: IncomingMessage['headers']; body: string; atMs: number }[];
  close(): Promise<void>;
}

/** A node:http server whose answers come from `handler`; every request is recorded. */
export async function fakeServer(handler: (req: IncomingMessage, body: string, res: ServerResponse, n: number) => void): Promise<FakeServer> {
  const requests: FakeServer['requests'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, atMs: Date.now() });
      handler(req, body, res, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
