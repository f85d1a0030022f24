// One measured phase of HTTP load on the collector with autocannon: request bodies cycle through a pool
// of pre-built batches, so the load generator spends its CPU on sending, not on building JSON.
import autocannon from 'autocannon';
import { BENCH_TOKEN } from './collector-process.ts';
import type { PhaseResult } from './bare-kafkajs.ts';
import { cpuSpan } from './process-cpu.ts';

export interface DriveOptions {
  url: string;
  bodies: (string | Buffer)[];
  gzip: boolean;
  connections: number;
  durationSecs: number;
  batchEvents: number;
  /** The collector's process id: its CPU (with its workers') over the phase is reported. */
  pid?: number;
}

export interface DriveResult extends PhaseResult {
  non2xx: number;
  errors: number;
  /** Events acknowledged per CPU-second of the collector's processes (0 without a pid). */
  eventsPerCpuSec: number;
  /** CPU cores the collector's processes used on average over the phase. */
  collectorCores: number;
  /** Share of all the machine's CPU time that was busy during the phase (every process, ours and others'). */
  machineBusy: number;
}

let next = 0;

export async function driveCollector(o: DriveOptions): Promise<DriveResult> {
  const end = cpuSpan(o.pid);
  const result = await autocannon({
    url: `${o.url}/v1/heartbeats`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_TOKEN}`, ...(o.gzip ? { 'content-encoding': 'gzip' } : {}) },
    connections: o.connections, duration: o.durationSecs, timeout: 30,
    requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: o.bodies[next++ % o.bodies.length] }) }],
  });
  const cpu = end();
  return {
    eventsPerSec: (result['2xx'] * o.batchEvents) / result.duration,
    eventsPerCpuSec: cpu.collectorCpuSecs > 0 ? (result['2xx'] * o.batchEvents) / cpu.collectorCpuSecs : 0,
    collectorCores: cpu.collectorCpuSecs / result.duration,
    machineBusy: cpu.machineBusy,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
