// `npm run bench`: the issue-8 performance suite against a real broker. Runs the existing benchmarks as
// pieces (collectors/bench, tools/bench/processor/bench.ts) plus the scaling and end-to-end latency runs, prints
// one table with a ratio to a baseline measured in the same run, and writes bench-results/suite-<date>.json.
// Prints figures; asserts nothing. Sizes are flags; defaults keep the suite under ~10 min.
//
//   node --expose-gc tools/bench/suite/suite.ts [--sections limit,ingest,core,scaling,latency] [--ingest-rounds 2]
//     [--java-records 2000000] (the machine-limit row: Kafka's Java producer) [--formats v3,v2] (scaling; also v1)
//     [--compression none|gzip|zstd] (scaling: bus.kafka.compression of loader and processors)
//     [--ingest-secs 10] [--ingest-warmup-secs 10] (each collector driven that long before round 1) [--no-ingest-v2] (leave out the collector writing v2 JSON batch records) [--ingest-workers auto|N] (collector.workers; default: the product's, auto) [--devices 100000] [--memory 1000000,10000000] [--kafka-events 240000]
//     [--instances 1,2,3] [--latency-runs 2] [--latency-devices 2000] [--latency-max-secs 90]
//     [--profile DIR]  (CPU profiles of the collector and processor children into DIR)
//   RINGWATCH_BENCH_KAFKA_BROKERS=host:port uses that broker; else one is started with kafka.sh and stopped.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { suiteBroker } from './suite-broker.ts';
import { ingestFigures, type IngestFigures } from './suite-ingest.ts';
import { coreFigures, type CoreFigures } from './suite-core.ts';
import { scalingFigures, type DrainRun, type Format } from './suite-scaling.ts';
import { latencyRun, type LatencyRun } from './suite-latency.ts';
import { printTable, rows } from './suite-table.ts';
import { javaProducer, type JavaProducerResult } from '../java/java-producer.ts';

const { values } = parseArgs({ options: {
  sections: { type: 'string', default: 'limit,ingest,core,scaling,latency' },
  'java-records': { type: 'string', default: '2000000' },
  formats: { type: 'string', default: 'v3,v2' },
  compression: { type: 'string' },
  'ingest-rounds': { type: 'string', default: '2' },
  'ingest-secs': { type: 'string', default: '10' },
  'ingest-warmup-secs': { type: 'string', default: '10' },
  'ingest-v2': { type: 'boolean', default: true },
  'ingest-workers': { type: 'string' },
  devices: { type: 'string', default: '100000' },
  memory: { type: 'string', default: '1000000,10000000' },
  'kafka-events': { type: 'string', default: '240000' },
  instances: { type: 'string', default: '1,2,3' },
  'latency-runs': { type: 'string', default: '2' },
  'latency-devices': { type: 'string', default: '2000' },
  'latency-max-secs': { type: 'string', default: '90' },
  profile: { type: 'string' },
}, allowNegative: true });
const sections = new Set(String(values.sections).split(','));
const list = (s: unknown) => String(s).split(',').filter(Boolean).map(Number);
const prof = (name: string) => (values.profile ? `--cpu-prof --cpu-prof-dir=${values.profile}/${name}` : undefined);

export interface SuiteResults {
  date: string;
  machine: { nproc: number; cpu: string | undefined; memGiB: number; node: string; broker: string };
  settings: Record<string, unknown>;
  /** Kafka's Java producer on the same broker (acks=all, idempotent, ~380-byte records): the machine limit. */
  limit?: { runs: JavaProducerResult[]; recordsPerSec: number };
  ingest?: IngestFigures;
  core?: Omit<CoreFigures, 'raw'>;
  scaling?: DrainRun[];
  latency?: { runs: Omit<LatencyRun, 'decisionLatenciesMs'>[]; decisionP50Ms: number; decisionP99Ms: number };
  wallSecs: number;
}

const started = performance.now();
const broker = suiteBroker();
const results: SuiteResults = {
  date: new Date().toISOString(),
  machine: { nproc: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, broker: broker.description },
  settings: { ...values },
  wallSecs: 0,
};
const javaRecords = Number(values['java-records']);
try {
  if (sections.has('limit') && javaRecords > 0) {
    console.log('limit: Kafka\'s Java producer (kafka-tools ProducerPerformance), acks=all, idempotent, 380-byte records, 6 partitions');
    const run = await javaProducer({ brokers: broker.brokers, topic: `limit-${Date.now().toString(36)}`, partitions: 6, records: javaRecords });
    console.log(`  Java producer: ${Math.round(run.recordsPerSec)} records/s (${run.mbPerSec} MB/s), p99 ${run.p99Ms} ms`);
    results.limit = { runs: [run], recordsPerSec: Math.round(run.recordsPerSec) };
  }
  if (sections.has('core')) {
    console.log('core: tools/bench/processor/bench.ts (in-process, memory) + JSON.parse baseline');
    const { raw: _raw, ...core } = coreFigures(Number(values.devices), list(values.memory));
    results.core = core;
  }
  if (sections.has('ingest')) {
    console.log('ingest: collector process vs bare kafkajs (collectors/bench pieces)');
    results.ingest = await ingestFigures({ brokers: broker.brokers, rounds: Number(values['ingest-rounds']), phaseSecs: Number(values['ingest-secs']), warmupSecs: Number(values['ingest-warmup-secs']),
      connections: 32, batchEvents: 100, collectorNodeOptions: prof('collector'), javaRecords: sections.has('limit') ? javaRecords : 0,
      compareV2: values['ingest-v2'], workers: values['ingest-workers'] });
    // The machine limit: every Java run of this suite (standalone + one per ingest round), median.
    const javaRuns = [...(results.limit?.runs ?? []), ...results.ingest.rounds.flatMap((r) => (r.java ? [r.java] : []))];
    if (javaRuns.length) {
      const sorted = javaRuns.map((r) => r.recordsPerSec).sort((a, b) => a - b);
      results.limit = { runs: javaRuns, recordsPerSec: Math.round(sorted[Math.floor((sorted.length - 1) / 2)]) };
    }
  }
  if (sections.has('scaling')) {
    console.log('scaling: bare kafkajs consumer vs 1, 2, 3 processor processes on a 6-partition topic');
    results.scaling = await scalingFigures({ brokers: broker.brokers, events: Number(values['kafka-events']), instances: list(values.instances), nodeOptions: prof('processor'),
      formats: String(values.formats).split(',').filter((f): f is Format => f === 'v1' || f === 'v2' || f === 'v3'),
      compression: values.compression as 'none' | 'gzip' | 'zstd' | undefined });
  }
  if (sections.has('latency')) {
    console.log('latency: collector -> processor -> alerter on Kafka, crowdstrike.yaml, local PagerDuty');
    const runs: LatencyRun[] = [];
    for (let i = 0; i < Number(values['latency-runs']); i++) {
      const run = await latencyRun({ brokers: broker.brokers, devices: Number(values['latency-devices']), maxSecs: Number(values['latency-max-secs']) });
      console.log(`  run ${i + 1}: ${run.decisions} decisions, p50 ${run.decisionP50Ms} ms, p99 ${run.decisionP99Ms} ms; page ${run.pageMs} ms, halt ${run.haltMs} ms after the failing decision's event`);
      runs.push(run);
    }
    const all = runs.flatMap((r) => r.decisionLatenciesMs).sort((a, b) => a - b);
    const pct = (p: number) => all[Math.min(all.length - 1, Math.max(0, Math.ceil((p / 100) * all.length) - 1))];
    results.latency = { runs: runs.map(({ decisionLatenciesMs: _l, ...r }) => r), decisionP50Ms: pct(50), decisionP99Ms: pct(99) };
  }
} finally {
  broker.stop();
}
results.wallSecs = Math.round((performance.now() - started) / 1000);
const out = fileURLToPath(new URL('../../../bench-results/', import.meta.url));
mkdirSync(out, { recursive: true });
const file = `${out}suite-${results.date.replace(/[:.]/g, '-')}.json`;
writeFileSync(file, `${JSON.stringify({ ...results, table: rows(results) }, null, 2)}\n`);
printTable(results);
console.log(`\nwritten: ${file} (${results.wallSecs} s)`);
process.exit(0);
