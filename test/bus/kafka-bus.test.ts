// The bus contract against a real Apache Kafka broker (started by `npm test`).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KafkaBus } from '../../common/bus/kafka-bus.ts';
import { buildConfig } from '../../app/config.ts';
import { silentLogger } from '../../common/telemetry/logger.ts';
import { testBrokers } from '../support/kafka.ts';
import { busContract } from './contract.ts';

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
