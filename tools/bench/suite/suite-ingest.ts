// Ingest figures for the suite, built from collectors/bench's pieces: the collector as its own process
// driven over HTTP vs a bare kafkajs producer with the same events, in alternating rounds (the ratio is
// the steady figure on a shared machine), then one phase at 70% of the measured collector throughput
// (autocannon's fixed overall rate) for the request latency the target names.
import autocannon from 'autocannon';
import { heartbeat } from '../ingest/events.ts';
import { startCollectorProcess, BENCH_TOKEN } from '../ingest/collector-process.ts';
import { BareProducer, type PhaseResult } from '../ingest/bare-kafkajs.ts';
import { driveCollector, type DriveResult } from '../ingest/drive-http.ts';
import { median } from '../ingest/stats.ts';
import { javaProducer, type JavaProducerResult } from '../java/java-producer.ts';

export interface IngestOptions {
  brokers: string[];
  rounds: number;
  phaseSecs: number;
  /**
   * How long each collector is driven before the first measured round (JIT and the broker's request path
   * warming): with 3 s, round 1 came out 11-18 % below round 2 in all four suites of one day.
   */
  warmupSecs: number;
  connections: number;
  batchEvents: number;
  collectorNodeOptions?: string;
  /** Records per Java ProducerPerformance run (the machine-limit row); 0 leaves it out. */
  javaRecords: number;
  /**
   * Also drive, in every round, a second collector writing JSON batch records (record format v2,
   * bus.batch_format: json): the same figure before v3, in the same run.
   */
  compareV2?: boolean;
  /** collector.workers for the collectors under test; unset: the product's default (auto). */
  workers?: string;
}

export interface IngestFigures {
  collectorEventsPerSec: number;
  collectorP50Ms: number;
  collectorP99Ms: number;
  /** Events per CPU-second of the collector's processes (primary + workers), median of the rounds. */
  collectorEventsPerCpuSec: number;
  /** CPU cores the collector's processes used while saturated, median of the rounds. */
  collectorCores: number;
  /** Busy share of the whole machine while the collector was saturated, median of the rounds. */
  machineBusy: number;
  /** Collector processes (collector.workers as the collector started). */
  workers: string;
  bareEventsPerSec: number;
  ratio: number;
  at70: { targetEventsPerSec: number; eventsPerSec: number; p50Ms: number; p99Ms: number; non2xx: number };
  failedRequests: number;
  rounds: { collector: DriveResult; v2?: DriveResult; bare: PhaseResult; java?: JavaProducerResult }[];
  /** The collector writing v2 (JSON) batch records, same rounds (median), when compared. */
  v2EventsPerSec?: number;
  /** Kafka's Java producer, acks=all, idempotent, ~380-byte records, same broker and partitions: the machine limit. */
  javaRecordsPerSec?: number;
  /** collector / Java producer (median of the rounds' figures). */
  javaRatio?: number;
}

const POOL_REQUESTS = 500;
const PARTITIONS = 6;

export async function ingestFigures(o: IngestOptions): Promise<IngestFigures> {
  const runId = `suite${Date.now().toString(36)}`;
  const events = Array.from({ length: POOL_REQUESTS * o.batchEvents }, (_, i) => heartbeat(i, { runId }));
  const bodies = Array.from({ length: POOL_REQUESTS }, (_, r) => JSON.stringify({ events: events.slice(r * o.batchEvents, (r + 1) * o.batchEvents) }));
  const collector = await startCollectorProcess(o.brokers, `${runId}.`, {
    RINGWATCH_BUS_PARTITIONS: String(PARTITIONS),
    ...(o.workers ? { RINGWATCH_COLLECTOR_WORKERS: o.workers } : {}),
    ...(o.collectorNodeOptions ? { NODE_OPTIONS: o.collectorNodeOptions } : {}),
  });
  const v2 = o.compareV2 ? await startCollectorProcess(o.brokers, `${runId}-v2.`, {
    RINGWATCH_BUS_PARTITIONS: String(PARTITIONS), RINGWATCH_BUS_BATCH_FORMAT: 'json',
    ...(o.workers ? { RINGWATCH_COLLECTOR_WORKERS: o.workers } : {}),
  }) : undefined;
  const bare = new BareProducer({ brokers: o.brokers, topic: `${runId}.bare`, partitions: PARTITIONS, events, batchSize: 1000, concurrency: 4 });
  try {
    await bare.open();
    const drive = (secs: number, c = collector) => driveCollector({ url: c.url, pid: c.child.pid, bodies, gzip: false, connections: o.connections, durationSecs: secs, batchEvents: o.batchEvents });
    await drive(o.warmupSecs);
    await bare.run(3);
    if (v2) await drive(o.warmupSecs, v2);
    const rounds: { collector: DriveResult; v2?: DriveResult; bare: PhaseResult; java?: JavaProducerResult }[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const http = await drive(o.phaseSecs);
      const json = v2 ? await drive(o.phaseSecs, v2) : undefined;
      const kafkajs = await bare.run(o.phaseSecs);
      // In the same round, on the same broker: what the machine carries with Kafka's own client.
      const java = o.javaRecords > 0
        ? await javaProducer({ brokers: o.brokers, topic: `${runId}.java${r}`, partitions: PARTITIONS, records: o.javaRecords })
        : undefined;
      rounds.push({ collector: http, v2: json, bare: kafkajs, java });
      const cpu = (x: DriveResult) => `(${Math.round(x.eventsPerCpuSec)} per collector CPU-s, ${x.collectorCores.toFixed(2)} cores; machine ${Math.round(100 * x.machineBusy)} % busy)`;
      console.log(`  ingest round ${r + 1}: collector ${Math.round(http.eventsPerSec)} events/s ${cpu(http)} p99 ${http.p99Ms} ms`
        + (json ? ` | collector writing v2 ${Math.round(json.eventsPerSec)} events/s ${cpu(json)} p99 ${json.p99Ms} ms` : '') + ` | bare kafkajs ${Math.round(kafkajs.eventsPerSec)} events/s`
        + (java ? ` | Java producer ${Math.round(java.recordsPerSec)} records/s` : ''));
    }
    const med = (pick: (x: (typeof rounds)[number]) => number) => median(rounds.map(pick));
    const collectorEventsPerSec = Math.round(med((x) => x.collector.eventsPerSec));
    const bareEventsPerSec = Math.round(med((x) => x.bare.eventsPerSec));
    const javaRecordsPerSec = o.javaRecords > 0 ? Math.round(med((x) => x.java?.recordsPerSec ?? 0)) : undefined;
    // 70% of what the collector sustained in this run, as a fixed request rate (open-loop enough: 64
    // connections so that a slow answer does not throttle the offered load).
    const targetEventsPerSec = Math.round(0.7 * collectorEventsPerSec);
    let next = 0;
    const options: Parameters<typeof autocannon>[0] & { overallRate: number } = {
      url: `${collector.url}/v1/heartbeats`, method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_TOKEN}` },
      connections: Math.max(64, o.connections), duration: o.phaseSecs, timeout: 30,
      overallRate: Math.max(1, Math.round(targetEventsPerSec / o.batchEvents)),
      requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
    };
    const at70 = await autocannon(options);
    console.log(`  ingest at 70%: ${Math.round((at70['2xx'] * o.batchEvents) / at70.duration)} events/s p50 ${at70.latency.p50} ms p99 ${at70.latency.p99} ms`);
    return {
      collectorEventsPerSec, workers: o.workers ?? 'auto',
      collectorEventsPerCpuSec: Math.round(med((x) => x.collector.eventsPerCpuSec)),
      collectorCores: Number(med((x) => x.collector.collectorCores).toFixed(2)),
      machineBusy: Number(med((x) => x.collector.machineBusy).toFixed(2)),
      collectorP50Ms: med((x) => x.collector.p50Ms), collectorP99Ms: med((x) => x.collector.p99Ms),
      bareEventsPerSec, ratio: Number((collectorEventsPerSec / bareEventsPerSec).toFixed(2)),
      v2EventsPerSec: v2 ? Math.round(med((x) => x.v2?.eventsPerSec ?? 0)) : undefined,
      javaRecordsPerSec, javaRatio: javaRecordsPerSec ? Number((collectorEventsPerSec / javaRecordsPerSec).toFixed(2)) : undefined,
      at70: {
        targetEventsPerSec, eventsPerSec: Math.round((at70['2xx'] * o.batchEvents) / at70.duration),
        p50Ms: at70.latency.p50, p99Ms: at70.latency.p99, non2xx: at70.non2xx + at70.errors + at70.timeouts,
      },
      failedRequests: rounds.reduce((s, x) => s + x.collector.non2xx + x.collector.errors, 0),
      rounds: rounds.map((x) => ({ collector: x.collector, v2: x.v2, bare: x.bare, java: x.java })),
    };
  } finally {
    await bare.close();
    await collector.stop();
    await v2?.stop();
  }
}
