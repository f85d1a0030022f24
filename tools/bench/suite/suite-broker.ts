// The broker `npm run bench` runs against: RINGWATCH_BENCH_KAFKA_BROKERS if set, else a private single
// node started with deploy/kafka/kafka.sh on fixed ports (39592/39593, workdir /tmp/kafka-bench), stopped
// at the end. Fixed ports make a leftover broker from an interrupted run easy to find and stop.
import { startLocalBroker } from '../../../deploy/kafka/local-broker.ts';

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
  const broker = startLocalBroker(brokerEnv);
  const version = env.RINGWATCH_KAFKA_VERSION ?? '4.1.2';
  return { brokers: broker.brokers, description: `Kafka ${version}, private single node (kafka.sh)`, stop: broker.stop };
}
