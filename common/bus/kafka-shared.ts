// Pieces the Kafka bus, its producer and its consumer share: settings, options, record conversion.
import type { KafkaMessage } from 'kafkajs';
import type { Logger } from '../telemetry/logger.ts';
import type { ConsumedRecord } from './types.ts';
import type { KafkaSettings } from '../config/common-sections.ts';

export type { KafkaSettings };

export const headerValues = (headers: Record<string, unknown> | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v !== undefined && v !== null) out[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  }
  return out;
};

export function toConsumed(topic: string, partition: number, m: KafkaMessage): ConsumedRecord {
  return {
    topic, partition, offset: m.offset, timestamp: Number(m.timestamp),
    key: m.key?.toString('utf8') ?? '', value: m.value ?? Buffer.alloc(0), headers: headerValues(m.headers),
    ...(m.value === null ? { tombstone: true } : {}),
  };
}

export interface KafkaBusOptions {
  settings: KafkaSettings;
  clientId: string;
  replicationFactor: number;
  logger: Logger;
  /** Called when a consumer gives up after max_restarts: the process should exit for its supervisor. */
  onFatal?: (err: Error) => void;
}
