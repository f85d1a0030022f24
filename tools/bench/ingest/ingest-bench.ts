// `npm run bench:ingest`: drive the collector over HTTP with realistic batches against a real broker,
// and produce the same events with a bare kafkajs producer, in alternating rounds (so load from anything
// else on the machine hits both alike); print events/s, latency and the ratio of the medians.
// Environment: BENCH_ROUNDS (3), BENCH_PHASE_SECS (10), BENCH_CONNECTIONS (32), BENCH_BATCH_EVENTS (100),
// BENCH_GZIP (0|1), BENCH_JAVA_RECORDS (2000000 per round; 0 leaves the Java producer out), RINGWATCH_KAFKA_BROKERS (else a private broker is started with kafka.sh),
// BENCH_COLLECTOR_NODE_OPTIONS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the collector).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { heartbeat } from './events.ts';
import { benchBroker } from './broker.ts';
import { startCollectorProcess, type CollectorProcess } from './collector-process.ts';
import { BareProducer, type PhaseResult } from './bare-kafkajs.ts';
import { driveCollector } from './drive-http.ts';
import { median } from './stats.ts';
import { javaProducer, type JavaProducerResult } from '../java/java-producer.ts';

const env = process.env;
const rounds = Number(env.BENCH_ROUNDS ?? 3);
const phaseSecs = Number(env.BENCH_PHASE_SECS ?? 10);
const connections = Number(env.BENCH_CONNECTIONS ?? 32);
const batchEvents = Number(env.BENCH_BATCH_EVENTS ?? 100);
const gzip = env.BENCH_GZIP === '1';
/** Records per run of Kafka's Java producer, the machine limit, once per round (0: left out). */
const javaRecords = Number(env.BENCH_JAVA_RECORDS ?? 2_000_000);
const POOL_REQUESTS = 500;
const PARTITIONS = 6;
const BARE = { batchSize: 1000, concurrency: 4 };

const runId = `bench${Date.now().toString(36)}`;
const events = Array.from({ length: POOL_REQUESTS * batchEvents }, (_, i) => heartbeat(i, { runId }));
const bodies = Array.from({ length: POOL_REQUESTS }, (_, r) => {
  const text = JSON.stringify({ events: events.slice(r * batchEvents, (r + 1) * batchEvents) });
  return gzip ? gzipSync(text) : text;
});
const meanBodyBytes = Math.round(bodies.reduce((s, b) => s + b.length, 0) / bodies.length);
const fmt = (r: PhaseResult) => `${Math.round(r.eventsPerSec)} events/s  p50 ${r.p50Ms.toFixed(0)} ms  p99 ${r.p99Ms.toFixed(0)} ms`;

const broker = await benchBroker();
const prefix = `${runId}.`;
let collector: CollectorProcess | undefined;
try {
  collector = await startCollectorProcess(broker.brokers, prefix, {
    RINGWATCH_BUS_PARTITIONS: String(PARTITIONS),
    ...(env.BENCH_COLLECTOR_NODE_OPTIONS ? { NODE_OPTIONS: env.BENCH_COLLECTOR_NODE_OPTIONS } : {}),
  });
  const url = collector.url;
  const bare = new BareProducer({ brokers: broker.brokers, topic: `${prefix}bare`, partitions: PARTITIONS, events, ...BARE });
  await bare.open();
  const drive = (secs: number) => driveCollector({ url, bodies, gzip, connections, durationSecs: secs, batchEvents });
  await drive(3); // warm-up (JIT, connections, producer id), not counted
  await bare.run(3);
  const results: { collector: PhaseResult & { non2xx: number; errors: number }; bare: PhaseResult; java?: JavaProducerResult; load1: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    const http = await drive(phaseSecs);
    const kafkajs = await bare.run(phaseSecs);
    const java = javaRecords > 0 ? await javaProducer({ brokers: broker.brokers, topic: `${prefix}java${r}`, partitions: PARTITIONS, records: javaRecords }) : undefined;
    results.push({ collector: http, bare: kafkajs, java, load1: loadavg()[0] });
    console.log(`round ${r + 1}: collector ${fmt(http)} | bare kafkajs ${fmt(kafkajs)}${java ? ` | Java producer ${Math.round(java.recordsPerSec)} records/s` : ''} | load ${loadavg()[0].toFixed(1)}`);
  }
  await bare.close();
  await collector.stop();

  const med = (pick: (x: (typeof results)[number]) => number) => median(results.map(pick));
  const figures = {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, kafka: broker.kafkaVersion },
    settings: { rounds, phaseSecs, connections, batchEvents, gzip, meanBodyBytes, partitions: PARTITIONS, bare: BARE },
    rounds: results,
    median: {
      collectorEventsPerSec: Math.round(med((x) => x.collector.eventsPerSec)),
      collectorP50Ms: med((x) => x.collector.p50Ms), collectorP99Ms: med((x) => x.collector.p99Ms),
      bareEventsPerSec: Math.round(med((x) => x.bare.eventsPerSec)),
      bareP50Ms: Math.round(med((x) => x.bare.p50Ms)), bareP99Ms: Math.round(med((x) => x.bare.p99Ms)),
      javaRecordsPerSec: javaRecords > 0 ? Math.round(med((x) => x.java?.recordsPerSec ?? 0)) : undefined,
    },
    ratio: 0,
    failedRequests: results.reduce((s, x) => s + x.collector.non2xx + x.collector.errors, 0),
  };
  figures.ratio = Number((figures.median.collectorEventsPerSec / figures.median.bareEventsPerSec).toFixed(2));
  const out = fileURLToPath(new URL('../../../bench-results/', import.meta.url));
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}ingest-${figures.date.replace(/[:.]/g, '-')}.json`, `${JSON.stringify(figures, null, 2)}\n`);
  const m = figures.machine;
  const md = figures.median;
  console.log(`\ningest benchmark, ${figures.date}: ${m.cores} cores (${m.cpu}), ${m.memGiB} GiB, Node ${m.node}, Kafka ${m.kafka}`);
  console.log(`  ${batchEvents} heartbeats per request (${meanBodyBytes} bytes${gzip ? ', gzip' : ''}), ${connections} connections; ${rounds} rounds of ${phaseSecs} s each; medians:`);
  console.log(`  collector over HTTP : ${md.collectorEventsPerSec} events/s  p50 ${md.collectorP50Ms} ms  p99 ${md.collectorP99Ms} ms per request  (${figures.failedRequests} failed requests)`);
  console.log(`  bare kafkajs        : ${md.bareEventsPerSec} events/s  p50 ${md.bareP50Ms} ms  p99 ${md.bareP99Ms} ms per ${BARE.batchSize}-event send`);
  console.log(`  ratio collector / bare kafkajs: ${figures.ratio}`);
  if (md.javaRecordsPerSec) {
    console.log(`  Java producer (limit): ${md.javaRecordsPerSec} records/s (acks=all, idempotent, 380-byte records)`);
    console.log(`  ratio to the limit: collector ${(md.collectorEventsPerSec / md.javaRecordsPerSec).toFixed(2)}, bare kafkajs ${(md.bareEventsPerSec / md.javaRecordsPerSec).toFixed(2)}`);
  }
} finally {
  await collector?.stop();
  broker.stop();
}
