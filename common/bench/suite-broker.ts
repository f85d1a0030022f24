// The broker `npm run bench` runs against: RINGWATCH_BENCH_KAFKA_BROKERS if set, else a private single
// node started with deploy/kafka/kafka.sh on fixed ports (39592/39593, workdir /tmp/kafka-bench), stopped
// at the end. Fixed ports make a leftover broker from an interrupted run easy to find and stop.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../deploy/kafka/kafka.sh', import.meta.url));

export interface SuiteBroker {
  brokers: string[];
  description: string;
  stop(): void;
}

export function suiteBroker(env: NodeJS.ProcessEnv = process.env): SuiteBroker {
  if (env.RINGWATCH_BENCH_KAFKA_BROKERS) {
    return { brokers: env.RINGWATCH_BENCH_KAFKA_BROKERS.split(','), description: 'external (RINGWATCH_BENCH_KAFKA_BROKERS)', stop: () => {} };
  }
  const brokerEnv = {
    ...env,
    RINGWATCH_KAFKA_PORT: env.RINGWATCH_KAFKA_PORT ?? '39592',
    RINGWATCH_KAFKA_CONTROLLER_PORT: env.RINGWATCH_KAFKA_CONTROLLER_PORT ?? '39593',
    RINGWATCH_KAFKA_WORKDIR: env.RINGWATCH_KAFKA_WORKDIR ?? '/tmp/kafka-bench',
  };
  const call = (command: string) => {
    const r = spawnSync('bash', [script, command], { env: brokerEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error(`kafka.sh ${command} failed (exit ${r.status})`);
    return r.stdout;
  };
  const brokers = /KAFKA_BROKERS=(\S+)/.exec(call('start'))?.[1];
  if (!brokers) throw new Error('kafka.sh start printed no KAFKA_BROKERS line');
  const version = env.RINGWATCH_KAFKA_VERSION ?? '4.1.2';
  return { brokers: brokers.split(','), description: `Kafka ${version}, private single node (kafka.sh)`, stop: () => void call('stop') };
}
