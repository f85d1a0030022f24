// Collector variants side by side, in alternation on one broker: each variant is `ringwatch collector`
// with its own environment (settings, NODE_OPTIONS), driven over HTTP by autocannon for a few seconds per
// round; prints events/s and events per CPU-second of the collector's processes (primary + workers), the
// figure that stays comparable on a shared machine. Used to choose settings and defaults by measurement.
//
//   node tools/bench/ingest/ab-bench.ts --brokers 127.0.0.1:9092 [--rounds 3] [--secs 8] \
//     --variant 'one=RINGWATCH_COLLECTOR_WORKERS=1' --variant 'auto=' --variant 'semi64=NODE_OPTIONS=--max-semi-space-size=64'
import { parseArgs } from 'node:util';
import { startCollectorProcess } from './collector-process.ts';
import { driveCollector, type DriveResult } from './drive-http.ts';
import { heartbeat } from './events.ts';
import { median } from './stats.ts';

const { values } = parseArgs({ options: {
  brokers: { type: 'string', default: process.env.RINGWATCH_BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092' },
  rounds: { type: 'string', default: '3' }, secs: { type: 'string', default: '8' },
  connections: { type: 'string', default: '32' }, variant: { type: 'string', multiple: true, default: [] },
} });
const variants = values.variant.map((v) => {
  const [name, ...rest] = v.split('=');
  const spec = rest.join('=');
  const env: Record<string, string> = {};
  for (const pair of spec ? spec.split(';') : []) {
    const at = pair.indexOf('=');
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { name, env };
});
const runId = `ab${Date.now().toString(36)}`;
const BATCH = 100;
const events = Array.from({ length: 500 * BATCH }, (_, i) => heartbeat(i, { runId }));
const bodies = Array.from({ length: 500 }, (_, r) => JSON.stringify({ events: events.slice(r * BATCH, (r + 1) * BATCH) }));
const results = new Map<string, DriveResult[]>(variants.map((v) => [v.name, []]));
for (let r = 0; r <= Number(values.rounds); r++) {
  for (const v of variants) {
    const c = await startCollectorProcess(values.brokers.split(','), `${runId}-${v.name}.`, { RINGWATCH_BUS_PARTITIONS: '6', ...v.env });
    try {
      const x = await driveCollector({ url: c.url, pid: c.child.pid, bodies, gzip: false, connections: Number(values.connections), durationSecs: r === 0 ? 3 : Number(values.secs), batchEvents: BATCH });
      if (r === 0) continue; // warm-up round: topics, JIT
      results.get(v.name)!.push(x);
      console.log(`round ${r} ${v.name}: ${Math.round(x.eventsPerSec)} events/s, ${Math.round(x.eventsPerCpuSec)} per collector CPU-s, ${x.collectorCores.toFixed(2)} cores, machine ${Math.round(100 * x.machineBusy)} % busy, p99 ${x.p99Ms} ms`);
    } finally {
      await c.stop();
    }
  }
}
for (const [name, xs] of results) {
  console.log(`${name}: median ${Math.round(median(xs.map((x) => x.eventsPerSec)))} events/s, ${Math.round(median(xs.map((x) => x.eventsPerCpuSec)))} per collector CPU-s, ${median(xs.map((x) => x.collectorCores)).toFixed(2)} cores`);
}
