// One measured phase of HTTP load on the collector with autocannon: request bodies cycle through a pool
// of pre-built batches, so the load generator spends its CPU on sending, not on building JSON.
import autocannon from 'autocannon';
import { BENCH_TOKEN } from './collector-process.ts';
import type { PhaseResult } from './bare-kafkajs.ts';

export interface DriveOptions {
  url: string;
  bodies: (string | Buffer)[];
  gzip: boolean;
  connections: number;
  durationSecs: number;
  batchEvents: number;
}

let next = 0;

export async function driveCollector(o: DriveOptions): Promise<PhaseResult & { non2xx: number; errors: number }> {
  const result = await autocannon({
    url: `${o.url}/v1/heartbeats`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_TOKEN}`, ...(o.gzip ? { 'content-encoding': 'gzip' } : {}) },
    connections: o.connections, duration: o.durationSecs, timeout: 30,
    requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: o.bodies[next++ % o.bodies.length] }) }],
  });
  return {
    eventsPerSec: (result['2xx'] * o.batchEvents) / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
