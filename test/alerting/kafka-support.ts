// Kafka handles for alerting tests: the project's own KafkaBus as a client, and a reader that collects
// everything a topic holds (what release tooling subscribed to the signals topic would see).
import { randomUUID } from 'node:crypto';
import { KafkaBus } from '../../common/bus/kafka-bus.ts';
import type { ConsumedRecord } from '../../common/bus/types.ts';
import { buildConfig } from '../../app/config.ts';
import { silentLogger } from '../../common/telemetry/logger.ts';

export function testKafkaBus(brokers: string[], clientId: string): KafkaBus {
  const config = buildConfig({ bus: { kafka: { brokers, session_timeout_ms: 6000, heartbeat_interval_ms: 1000 } } }, {});
  return new KafkaBus({ settings: config.bus.kafka, clientId, replicationFactor: 1, logger: silentLogger });
}

/** Collects a topic's records from the beginning, for as long as the reader runs. */
export async function topicReader(bus: KafkaBus, topic: string): Promise<{ records: ConsumedRecord[]; stop: () => Promise<void> }> {
  const records: ConsumedRecord[] = [];
  const consumer = bus.consumer({
    groupId: `test-reader-${randomUUID()}`, topics: [topic], fromBeginning: true,
    handler: async (batch) => { records.push(...batch.records); },
  });
  await consumer.start();
  return { records, stop: () => consumer.stop() };
}
