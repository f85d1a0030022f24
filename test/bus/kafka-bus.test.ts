// The bus contract against a real Apache Kafka broker (started by `npm test`).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KafkaBus } from '../../common/bus/kafka-bus.ts';
import { buildConfig } from '../../app/config.ts';
import { silentLogger } from '../../common/telemetry/logger.ts';
import { testBrokers, uniquePrefix } from '../support/kafka.ts';
import { busContract } from './contract.ts';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { partitionFor } from '../../common/bus/partitioner.ts';
import { isBatch } from '../../common/contract/batch.ts';
import { recordEntries } from '../../common/contract/record-entries.ts';

const fixture = fileURLToPath(new URL('./fixtures/process-then-hang.ts', import.meta.url));

busContract({
  name: 'kafka',
  takeoverMs: 45_000,
  concurrentPartitions: 3,
  create: async () => {
    const brokers = testBrokers();
    // Small fetches (64 KiB a partition) so that the contract sees several batches per partition.
    const kafka = { brokers, session_timeout_ms: 6000, heartbeat_interval_ms: 1000, partitions_consumed_concurrently: 3, fetch_partition_max_bytes: 65536 };
    const config = buildConfig({ bus: { kafka } }, {});
    return new KafkaBus({ settings: config.bus.kafka, clientId: 'contract', replicationFactor: 1, logger: silentLogger });
  },
  async processThenKill(_bus, { groupId, topic, atLeast }) {
    const child = spawn(process.execPath, [fixture, groupId, topic], {
      env: { ...process.env, RINGWATCH_KAFKA_BROKERS: testBrokers().join(',') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const processed: string[] = [];
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      const timer = setTimeout(() => reject(new Error('child consumer processed nothing in 45 s')), 45_000);
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('processed ')) processed.push(line.slice('processed '.length));
          if (line === 'hanging' && processed.length >= atLeast) { clearTimeout(timer); resolve(); }
        }
      });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`child exited early (${code})`)); });
    });
    child.removeAllListeners('exit');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    return processed;
  },
});

describe('kafka: batch records (format v2) on the real broker, zstd and none', () => {
  for (const compression of ['zstd', 'none'] as const) {
    it(`${compression}: every event comes back in its partition, in order per key, with its own headers`, async () => {
      const config = buildConfig({ bus: { kafka: { brokers: testBrokers(), compression } } }, {});
      const bus = new KafkaBus({ settings: config.bus.kafka, clientId: 'batch', replicationFactor: 1, logger: silentLogger, batching: { maxEvents: 50, maxBytes: 1 << 20 } });
      await bus.start();
      try {
        const topic = `${uniquePrefix('batch')}${compression}`;
        await bus.ensureTopics([{ name: topic, partitions: 5 }]);
        const producer = bus.producer();
        await producer.start();
        const headers = { traceparent: `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01` };
        const input = Array.from({ length: 600 }, (_, n) => ({ key: `device-${n % 37}`, value: Buffer.from(JSON.stringify({ n })), headers, batchable: true }));
        await producer.publish(topic, input.slice(0, 300));
        await producer.publish(topic, input.slice(300));
        await producer.stop();
        const seen: { key: string; n: number; partition: number; traceparent?: string }[] = [];
        let records = 0;
        await bus.scan(topic, {}, async (batch) => {
          for (const r of batch) {
            records++;
            assert.ok(isBatch(r.headers));
            for (const e of recordEntries(r)) seen.push({ key: e.key, n: JSON.parse(e.value.toString()).n, partition: r.partition, traceparent: e.headers?.traceparent });
          }
        });
        assert.equal(seen.length, 600);
        assert.ok(records < 600 / 10, `${records} records for 600 events`);
        for (const s of seen) {
          assert.equal(partitionFor(s.key, 5), s.partition, 'an event on the partition its own key hashes to');
          assert.equal(s.traceparent, headers.traceparent);
        }
        for (let d = 0; d < 37; d++) {
          const ns = seen.filter((s) => s.key === `device-${d}`).map((s) => s.n);
          assert.deepEqual(ns, [...ns].sort((a, b) => a - b));
        }
      } finally {
        await bus.stop();
      }
    });
  }
});
