// Processor figures: events/s per core through the detection core in-process (with and without decoding)
// and through Kafka, and memory per tracked device. Prints figures; asserts nothing.
//
//   node --expose-gc tools/bench/processor/bench.ts [--devices 100000] [--memory 1000000,10000000] [--kafka-events 200000]
//   RINGWATCH_BENCH_KAFKA_BROKERS=127.0.0.1:9092 enables the Kafka figure.
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { buildConfig } from '../../../app/config.ts';
import { checkDecodedEnvelope, decodeEnvelope, encodeEnvelope, envelopeKey, parseEnvelope } from '../../../common/contract/envelope.ts';
import { BatchReader, encodeBatch } from '../../../common/contract/batch.ts';
import { CompactBatchReader, encodeCompactBatch } from '../../../common/contract/compact-batch.ts';
import { runRoles } from '../../../app/run-roles.ts';
import { createRegistry } from '../../../common/telemetry/metrics.ts';
import { silentLogger } from '../../../common/telemetry/logger.ts';
import { sleep } from '../../../common/runtime/retry.ts';
import { DetectionCore } from '../../../processors/core/detection-core.ts';
import { detectionSettings } from '../../../processors/core/settings.ts';
import { SourceCore } from '../../../processors/core/source-core.ts';
import { processorFactory } from '../../../processors/role.ts';
import { heartbeat, heartbeats } from './synthetic.ts';

const { values } = parseArgs({ options: {
  devices: { type: 'string', default: '100000' },
  memory: { type: 'string', default: '1000000' },
  'kafka-events': { type: 'string', default: '200000' },
} });
const START = Date.UTC(2026, 0, 5);
const PERIOD_MS = 60_000;
const processor = { heartbeat_interval_secs: 60, window_secs: 60, idle_advance_secs: 0, max_ingest_delay_secs: 0 };
const settings = (extra: Record<string, unknown> = {}) =>
  detectionSettings(buildConfig({ bus: { kind: 'memory' }, collector: { auth_enabled: false }, processor: { ...processor, ...extra } }, {}).processor);
const cpuSeconds = (from: NodeJS.CpuUsage) => { const u = process.cpuUsage(from); return (u.user + u.system) / 1e6; };
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const gc = () => (globalThis as { gc?: () => void }).gc?.();

function coreThroughput(devices: number): void {
  const envs = [...heartbeats(devices, 6, PERIOD_MS, START)];
  const core = new DetectionCore(settings());
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  let decisions = 0;
  for (let i = 0; i < envs.length; i++) {
    core.feedOnly(envs[i]);
    if (i % 1000 === 999) decisions += core.flush().length;
  }
  const wall = (performance.now() - t0) / 1000;
  console.log(`core in-process: ${fmt(envs.length)} heartbeats of ${fmt(devices)} devices (20 components each), ${core.judge.judged} windows: `
    + `${fmt(envs.length / wall)} events/s wall, ${fmt(envs.length / cpuSeconds(cpu))} events/s per CPU-second`);
  const encoded = envs.slice(0, Math.min(envs.length, 300_000)).map((e) => encodeEnvelope(e));
  const fresh = new DetectionCore(settings());
  const cpu2 = process.cpuUsage();
  const t1 = performance.now();
  for (const bytes of encoded) {
    const d = decodeEnvelope(bytes);
    if (d.ok) fresh.feedOnly(d.value);
  }
  fresh.flush();
  const wall2 = (performance.now() - t1) / 1000;
  console.log(`decode + validate + core: ${fmt(encoded.length)} records: ${fmt(encoded.length / wall2)} events/s wall, ${fmt(encoded.length / cpuSeconds(cpu2))} events/s per CPU-second`);
  // The same events as v2 batch records of 500 (what the processor's source stage reads from Kafka):
  // one BatchReader walk per record, parseEnvelope per event, no wrapper objects.
  const batches: Buffer[] = [];
  for (let i = 0; i < encoded.length; i += 500) batches.push(encodeBatch(encoded.slice(i, i + 500).map((value) => ({ key: '', value }))));
  const v2 = new DetectionCore(settings());
  const reader = new BatchReader();
  let fed = 0;
  const cpu3 = process.cpuUsage();
  const t2 = performance.now();
  for (const b of batches) {
    reader.reset(b);
    while (reader.next()) {
      const env = parseEnvelope(reader.valueText());
      if (!Array.isArray(env)) { v2.feedOnly(env); fed++; }
    }
  }
  v2.flush();
  const wall3 = (performance.now() - t2) / 1000;
  console.log(`decode v2 batch records + validate + core: ${fmt(fed)} events: ${fmt(fed / wall3)} events/s wall, ${fmt(fed / cpuSeconds(cpu3))} events/s per CPU-second`);
  // The same as v3 compact batch records of 500 (what collectors write by default): one CompactBatchReader
  // per record (strings and maps decoded once per record), checkDecodedEnvelope per event.
  const compact: Buffer[] = [];
  for (let i = 0; i < encoded.length; i += 500) {
    compact.push(encodeCompactBatch(encoded.slice(i, i + 500).map((value) => ({ key: '', doc: JSON.parse(value.toString()) as unknown }))));
  }
  gc();
  const v3 = new DetectionCore(settings());
  const creader = new CompactBatchReader();
  let fed3 = 0;
  const cpu4 = process.cpuUsage();
  const t3 = performance.now();
  for (const b of compact) {
    creader.reset(b);
    while (creader.next()) {
      const env = checkDecodedEnvelope(creader.doc);
      if (!Array.isArray(env)) { v3.feedOnly(env); fed3++; }
    }
  }
  v3.flush();
  const wall4 = (performance.now() - t3) / 1000;
  console.log(`decode v3 compact batch records + validate + core: ${fmt(fed3)} events (${fmt(compact.reduce((n, b) => n + b.length, 0) / fed3)} bytes/event vs ${fmt(batches.reduce((n, b) => n + b.length, 0) / fed)} in v2): `
    + `${fmt(fed3 / wall4)} events/s wall, ${fmt(fed3 / cpuSeconds(cpu4))} events/s per CPU-second`);
}

function memoryPerDevice(devices: number): void {
  gc();
  const before = process.memoryUsage();
  const source = new SourceCore('bench', settings({ max_tracked_devices: Math.max(devices, 100), dedup_capacity: 100 }));
  for (let d = 0; d < devices; d++) source.feed(heartbeat(d, 0, START + Math.floor((d / devices) * PERIOD_MS)));
  gc();
  const after = process.memoryUsage();
  const process_ = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / devices;
  console.log(`memory at ${fmt(devices)} tracked devices: ${(source.devices.bytes / devices).toFixed(1)} bytes/device in the device table `
    + `(columns + index), ${process_.toFixed(1)} bytes/device measured on the heap (heap + array buffers${(globalThis as { gc?: unknown }).gc ? ', after gc' : ', run with --expose-gc for a clean figure'})`);
}

async function kafkaThroughput(brokers: string[], events: number): Promise<void> {
  const prefix = `bench-proc-${randomUUID().slice(0, 8)}.`;
  const config = buildConfig({
    bus: { kind: 'kafka', topic_prefix: prefix, partitions: 4, kafka: { brokers } }, telemetry: { log_level: 'silent' },
    processor: { ...processor, listen_host: '127.0.0.1', listen_port: 0, group_id: `${prefix}processor` },
  }, {});
  const devices = Math.max(1, Math.floor(events / 4));
  const loader = await runRoles({ config, factories: [], logger: silentLogger, registry: createRegistry(false) });
  const batch: { key: string; value: Buffer }[] = [];
  for (const e of heartbeats(devices, 4, PERIOD_MS, START)) {
    batch.push({ key: envelopeKey(e), value: encodeEnvelope(e) });
    if (batch.length === 2000) await loader.context.producer.publish(loader.context.topics.heartbeats, batch.splice(0));
  }
  if (batch.length) await loader.context.producer.publish(loader.context.topics.heartbeats, batch.splice(0));
  await loader.stop();
  const registry = createRegistry(false);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const running = await runRoles({ config, factories: [processorFactory], logger: silentLogger, registry });
  let consumed = 0;
  while (consumed < devices * 4) {
    await sleep(100);
    const metric = await registry.getSingleMetric('ringwatch_processor_events_total')?.get();
    consumed = metric?.values.filter((v) => v.labels.topic === 'heartbeats' && v.labels.outcome === 'accepted').reduce((n, v) => n + v.value, 0) ?? 0;
  }
  const wall = (performance.now() - t0) / 1000;
  const cpuS = cpuSeconds(cpu);
  await running.stop();
  console.log(`through Kafka (1 instance, 4 partitions, from group join to last event applied): ${fmt(consumed)} heartbeats: `
    + `${fmt(consumed / wall)} events/s wall, ${fmt(consumed / cpuS)} events/s per CPU-second of the processor process`);
}

console.log(`node ${process.version}, ${(await import('node:os')).cpus().length} CPUs`);
// Memory first: measured after the throughput runs, the heap still held (and then freed) their garbage,
// which made the heap figure negative at 100,000 devices.
for (const n of String(values.memory).split(',').map(Number)) memoryPerDevice(n);
coreThroughput(Number(values.devices));
const brokers = process.env.RINGWATCH_BENCH_KAFKA_BROKERS;
if (brokers) await kafkaThroughput(brokers.split(','), Number(values['kafka-events']));
else console.log('through Kafka: skipped (set RINGWATCH_BENCH_KAFKA_BROKERS=host:port)');
process.exit(0);
