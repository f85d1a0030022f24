// Kafka figures for the suite: the same pre-published heartbeats (6-partition topic) drained by a bare
// kafkajs consumer (the baseline: fetch only) and by 1, 2 and 3 processor instances, each its own process
// (`ringwatch processor -c <cfg>`) in one consumer group. Each run gets its own topics (the processors
// write ticks into crashes and partials into cells), loaded with the same records before the clock starts.
// Drain time = spawn of the instances until the group's committed offsets reach the end of the topic.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { stringify } from 'yaml';
import { buildConfig } from '../../../app/config.ts';
import { encodeEnvelope, envelopeKey } from '../../../common/contract/envelope.ts';
import { runRoles } from '../../../app/run-roles.ts';
import { createRegistry } from '../../../common/telemetry/metrics.ts';
import { silentLogger } from '../../../common/telemetry/logger.ts';
import { sleep } from '../../../common/runtime/retry.ts';
import { heartbeats } from '../processor/synthetic.ts';
import { BATCH_HEADER } from '../../../common/contract/batch.ts';

const cli = fileURLToPath(new URL('../../../app/ringwatch.ts', import.meta.url));
const PARTITIONS = 6;

export type Format = 'v1' | 'v2' | 'v3';
const PERIODS = 4;
const processorSettings = { heartbeat_interval_secs: 60, window_secs: 60, idle_advance_secs: 0, max_ingest_delay_secs: 0 };

export interface DrainRun {
  instances: number | 'bare kafkajs';
  /** Record format on the topic: v3 compact batch records (what collectors write by default), v2 JSON batch records or v1, one event per record. */
  format: Format;
  records: number;
  events: number;
  drainSecs: number;
  eventsPerSec: number;
  /** From the first committed offset to the last: excludes process start and group join. */
  steadyEventsPerSec: number;
  firstCommitSecs: number;
  cells: number;
  decisions: number;
}

export interface ScalingOptions {
  brokers: string[];
  events: number;
  instances: number[];
  /** Extra node options for the processor children, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p". */
  nodeOptions?: string;
  /** Record formats to load the topic in, each drained by every configuration: v3 (compact batch records), v2 (JSON batch records), v1. */
  formats: Format[];
  /** bus.kafka.compression of the loader and the processors (default: the setting's default). */
  compression?: 'none' | 'gzip' | 'zstd';
}

function records(events: number): { key: string; value: Buffer; batchable: boolean }[] {
  const devices = Math.max(1, Math.floor(events / PERIODS));
  return [...heartbeats(devices, PERIODS, 60_000, Date.UTC(2026, 0, 5))].map((e) => ({ key: envelopeKey(e), value: encodeEnvelope(e), batchable: true }));
}

let compression: ScalingOptions['compression'];

function configOf(brokers: string[], prefix: string, format: Format = 'v3') {
  return {
    bus: { kind: 'kafka', topic_prefix: prefix, partitions: PARTITIONS, batch_records: format !== 'v1', batch_format: format === 'v3' ? 'compact' : 'json', kafka: { brokers, ...(compression ? { compression } : {}) } },
    telemetry: { log_level: 'warn' },
    processor: { ...processorSettings, listen_host: '127.0.0.1', listen_port: 0, group_id: `${prefix}processor` },
  };
}

async function load(brokers: string[], prefix: string, input: { key: string; value: Buffer }[], format: Format): Promise<void> {
  const config = buildConfig(configOf(brokers, prefix, format), {});
  const loader = await runRoles({ config, factories: [], logger: silentLogger, registry: createRegistry(false) });
  for (let i = 0; i < input.length; i += 2000) await loader.context.producer.publish(loader.context.topics.heartbeats, input.slice(i, i + 2000));
  await loader.stop();
}

const sum = (xs: { offset?: string; high?: string }[], pick: 'offset' | 'high') => xs.reduce((n, x) => n + Math.max(0, Number(x[pick] ?? 0)), 0);

async function watchDrain(kafka: Kafka, groupId: string, topic: string, total: number, t0: number, timeoutMs: number) {
  const admin = kafka.admin();
  await admin.connect();
  let firstAt = 0;
  let firstCount = 0;
  try {
    for (;;) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = sum(offsets?.partitions ?? [], 'offset');
      const now = performance.now();
      if (committed > 0 && !firstAt) { firstAt = now; firstCount = committed; }
      if (committed >= total) return { doneAt: now, firstAt, firstCount };
      if (now - t0 > timeoutMs) throw new Error(`${groupId}: ${committed}/${total} after ${timeoutMs} ms`);
      await sleep(100);
    }
  } finally {
    await admin.disconnect();
  }
}

async function topicCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try { return sum(await admin.fetchTopicOffsets(topic), 'high'); } finally { await admin.disconnect(); }
}

/** Events in a consumed record without decoding it: a batch record's count (both batch formats start with u8 format, uvarint count), else 1. */
function eventsIn(m: { headers?: Record<string, unknown>; value: Buffer | null }): number {
  if (m.headers?.[BATCH_HEADER] === undefined || !m.value) return 1;
  let n = 0;
  for (let i = 1, scale = 1; i < m.value.length; i++, scale *= 128) {
    n += (m.value[i] & 0x7f) * scale;
    if (m.value[i] < 0x80) break;
  }
  return n;
}

async function bareConsumer(kafka: Kafka, prefix: string, total: number, events: number, format: Format): Promise<DrainRun> {
  const topic = `${prefix}heartbeats`;
  const consumer = kafka.consumer({ groupId: `${prefix}bare` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let seenEvents = 0;
  let firstAt = 0;
  const t0 = performance.now();
  const done = new Promise<number>((resolve) => {
    void consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async ({ batch }) => {
      firstAt ||= performance.now();
      seen += batch.messages.length;
      for (const m of batch.messages) seenEvents += eventsIn(m);
      // The same per-batch commit the processor does, so the baseline pays the same round trips.
      const last = batch.messages[batch.messages.length - 1]?.offset;
      if (last !== undefined) await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
      if (seen >= total) resolve(performance.now());
    } });
  });
  const doneAt = await done;
  await consumer.disconnect();
  const drainSecs = (doneAt - t0) / 1000;
  // (seenEvents may exceed `events`: kafkajs can hand a batch over again before its commit is known.)
  if (seenEvents < events) throw new Error(`bare consumer: ${seenEvents} events in ${seen} records, expected ${events}`);
  return { instances: 'bare kafkajs', format, records: total, events, drainSecs, eventsPerSec: events / drainSecs, steadyEventsPerSec: events / ((doneAt - firstAt) / 1000),
    firstCommitSecs: (firstAt - t0) / 1000, cells: 0, decisions: 0 };
}

async function processors(kafka: Kafka, o: ScalingOptions, prefix: string, count: number, total: number, events: number, dir: string, format: Format): Promise<DrainRun> {
  const file = `${dir}/${prefix}yaml`;
  writeFileSync(file, stringify(configOf(o.brokers, prefix, format)));
  const t0 = performance.now();
  const children: ChildProcess[] = Array.from({ length: count }, (_, i) => spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', cli, 'processor', '-c', file], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, RINGWATCH_INSTANCE_ID: `bench-proc-${i}`, ...(o.nodeOptions ? { NODE_OPTIONS: o.nodeOptions } : {}) },
  }));
  try {
    const w = await watchDrain(kafka, `${prefix}processor`, `${prefix}heartbeats`, total, t0, 300_000);
    await sleep(1500); // the judge's last decisions
    const drainSecs = (w.doneAt - t0) / 1000;
    return {
      instances: count, format, records: total, events, drainSecs, eventsPerSec: events / drainSecs,
      // Committed offsets count records; events per record are even enough (same-size batches) to scale.
      steadyEventsPerSec: ((total - w.firstCount) / total) * events / Math.max(0.001, (w.doneAt - w.firstAt) / 1000), firstCommitSecs: (w.firstAt - t0) / 1000,
      cells: await topicCount(kafka, `${prefix}cells`), decisions: await topicCount(kafka, `${prefix}decisions`),
    };
  } finally {
    await Promise.all(children.map((c) => new Promise((resolve) => {
      if (c.exitCode !== null) return resolve(undefined);
      c.once('exit', resolve);
      c.kill('SIGTERM');
    })));
  }
}

export async function scalingFigures(o: ScalingOptions): Promise<DrainRun[]> {
  compression = o.compression;
  const input = records(o.events);
  const kafka = new Kafka({ clientId: 'bench-suite', brokers: o.brokers, logLevel: logLevel.NOTHING });
  const runId = `suite${Date.now().toString(36)}`;
  const dir = fileURLToPath(new URL('../../../.ringwatch/bench-suite/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const runs: DrainRun[] = [];
  for (const format of o.formats) {
    for (const instances of [0, ...o.instances]) {
      const prefix = `${runId}-${format}-${instances ? `p${instances}` : 'bare'}.`;
      await load(o.brokers, prefix, input, format);
      const total = await topicCount(kafka, `${prefix}heartbeats`);
      const run = instances ? await processors(kafka, o, prefix, instances, total, input.length, dir, format) : await bareConsumer(kafka, prefix, total, input.length, format);
      console.log(`  drain ${format} ${run.instances}: ${Math.round(run.eventsPerSec)} events/s (steady ${Math.round(run.steadyEventsPerSec)}), ${total} records, ${run.drainSecs.toFixed(1)} s, decisions ${run.decisions}`);
      runs.push(run);
    }
  }
  return runs;
}
