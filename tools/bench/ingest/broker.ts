// The broker the benchmark runs against: RINGWATCH_KAFKA_BROKERS if set, else a private one started with
// deploy/kafka/kafka.sh (own workdir, free ports, stopped at the end).
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../common/runtime/free-port.ts';
import { startLocalBroker } from '../../../deploy/kafka/local-broker.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

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
  const broker = startLocalBroker(brokerEnv);
  return { brokers: broker.brokers, kafkaVersion: `${kafkaVersion}, private single node`, stop: broker.stop };
}
