// Kafka for tests: the broker test/run.ts started (or one given in RINGWATCH_TEST_KAFKA_BROKERS).
// Kafka tests never skip: without a broker they fail, and .ci/run checks that none was skipped.
import { randomUUID } from 'node:crypto';

export function testBrokers(): string[] {
  const brokers = process.env.RINGWATCH_TEST_KAFKA_BROKERS;
  if (!brokers) {
    throw new Error('RINGWATCH_TEST_KAFKA_BROKERS is not set: run the tests with `npm test`, which starts a real broker');
  }
  return brokers.split(',');
}

/** A topic prefix no other test uses, so tests share one broker without seeing each other's data. */
export function uniquePrefix(name: string): string {
  return `t-${name}-${randomUUID().slice(0, 8)}.`;
}
