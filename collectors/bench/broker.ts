// The broker the benchmark runs against: RINGWATCH_KAFKA_BROKERS if set, else a private one started with
// deploy/kafka/kafka.sh (own workdir, free ports, stopped at the end).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './collector-process.ts';

const script = fileURLToPath(new URL('../../deploy/kafka/kafka.sh', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchBroker {
  brokers: string[];
  kafkaVersion: string;
  stop(): void;
}

export async function benchBroker(env: NodeJS.ProcessEnv = process.env): Promise<BenchBroker> {
  const kafkaVersion = env.RINGWATCH_KAFKA_VERSION ?? '4.1.2 (kafka.sh default)';
  if (env.RINGWATCH_KAFKA_BROKERS) {
    return { brokers: env.RINGWATCH_KAFKA_BROKERS.split(','), kafkaVersion: `${kafkaVersion}, external`, stop: () => {} };
  }
  const brokerEnv = {
    ...env,
    RINGWATCH_KAFKA_PORT: String(await freePort()),
    RINGWATCH_KAFKA_CONTROLLER_PORT: String(await freePort()),
    RINGWATCH_KAFKA_WORKDIR: env.RINGWATCH_KAFKA_WORKDIR ?? `${root}.ringwatch/bench-kafka`,
  };
  const call = (command: string) => {
    const r = spawnSync('bash', [script, command], { env: brokerEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error(`kafka.sh ${command} failed (exit ${r.status})`);
    return r.stdout;
  };
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(call('start'))?.[1];
  if (!brokers) throw new Error('kafka.sh start printed no KAFKA_BROKERS line');
  return { brokers: brokers.split(','), kafkaVersion: `${kafkaVersion}, private single node`, stop: () => void call('stop') };
}
