// The collector under test, as its own process (`ringwatch collector`), configured by environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../../common/runtime/free-port.ts';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const cli = fileURLToPath(new URL('../../../app/ringwatch.ts', import.meta.url));

export const BENCH_TOKEN = 'bench-device-token-0123456789abcdef';


export interface CollectorProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startCollectorProcess(brokers: string[], topicPrefix: string, extraEnv: Record<string, string> = {}): Promise<CollectorProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [cli, 'collector'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      RINGWATCH_BUS_KIND: 'kafka',
      RINGWATCH_KAFKA_BROKERS: brokers.join(','),
      RINGWATCH_TOPIC_PREFIX: topicPrefix,
      RINGWATCH_INSTANCE_ID: 'bench-collector',
      RINGWATCH_LOG_LEVEL: 'warn',
      RINGWATCH_COLLECTOR_LISTEN_HOST: '127.0.0.1',
      RINGWATCH_COLLECTOR_LISTEN_PORT: String(port),
      RINGWATCH_COLLECTOR_DEVICE_TOKENS: BENCH_TOKEN,
      // The benchmark measures ingestion, not the limits: one token and one address carry all the load.
      RINGWATCH_COLLECTOR_RATE_LIMIT_DEVICE_PER_SEC: '1000000',
      RINGWATCH_COLLECTOR_RATE_LIMIT_BURST: '1000000',
      RINGWATCH_COLLECTOR_RATE_LIMIT_SOURCE_PER_SEC: '10000000',
      RINGWATCH_COLLECTOR_RATE_LIMIT_SOURCE_BURST: '10000000',
      ...extraEnv,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`collector exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > until) throw new Error('collector not ready after 60 s');
    await sleep(200);
  }
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { url, child, stop };
}
