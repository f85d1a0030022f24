// A broker of a test's own, for tests that kill and restart Kafka: the shared test broker must never be
// disturbed, since other test files use it at the same time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../common/runtime/free-port.ts';
import { startLocalBroker } from '../../deploy/kafka/local-broker.ts';

export interface PrivateBroker {
  brokers: string[];
  /** SIGKILL: a crash, data kept. */
  kill(): Promise<void>;
  /** Start again on the kept data and wait until ready. */
  resume(): Promise<void>;
  /** Stop and remove its data folder. */
  stop(): Promise<void>;
}

export async function startPrivateBroker(name: string): Promise<PrivateBroker> {
  const port = await freePort();
  let controller = await freePort();
  while (controller === port) controller = await freePort();
  const workdir = mkdtempSync(join(tmpdir(), `ringwatch-kafka-${name}-`));
  const env = {
    ...process.env,
    RINGWATCH_KAFKA_PORT: String(port),
    RINGWATCH_KAFKA_CONTROLLER_PORT: String(controller),
    RINGWATCH_KAFKA_WORKDIR: workdir,
  };
  // Jars come from RINGWATCH_KAFKA_LIBS_DIR when test/run.ts set it (shared with the test broker).
  const broker = startLocalBroker(env);
  return {
    brokers: broker.brokers,
    kill: async () => { await broker.call('kill'); },
    resume: async () => { await broker.call('resume'); },
    // Stopped for good: its data goes too (a 30-minute soak leaves about 100 MB).
    stop: async () => { await broker.call('stop'); rmSync(workdir, { recursive: true, force: true }); },
  };
}
