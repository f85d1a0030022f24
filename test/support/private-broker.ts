// A broker of a test's own, for tests that kill and restart Kafka: the shared test broker must never be
// disturbed, since other test files use it at the same time.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../deploy/kafka/kafka.sh', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export interface PrivateBroker {
  brokers: string[];
  /** SIGKILL: a crash, data kept. */
  kill(): Promise<void>;
  /** Start again on the kept data and wait until ready. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateBroker(name: string): Promise<PrivateBroker> {
  const port = await freePort();
  let controller = await freePort();
  while (controller === port) controller = await freePort();
  const env = {
    ...process.env,
    RINGWATCH_KAFKA_PORT: String(port),
    RINGWATCH_KAFKA_CONTROLLER_PORT: String(controller),
    RINGWATCH_KAFKA_WORKDIR: mkdtempSync(join(tmpdir(), `ringwatch-kafka-${name}-`)),
  };
  // Reuse the jars the shared broker already fetched (the script copies from the Maven cache otherwise).
  const call = (command: string) => run('bash', [script, command], { env, maxBuffer: 1 << 20 });
  await call('start');
  return {
    brokers: [`127.0.0.1:${port}`],
    kill: async () => { await call('kill'); },
    resume: async () => { await call('resume'); },
    stop: async () => { await call('stop'); },
  };
}
