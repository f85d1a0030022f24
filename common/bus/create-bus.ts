// Bus factory: the configured implementation, plus the topic list every role expects to exist.
import type { BusSettings } from '../config/common-sections.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Bus, TopicSpec } from './types.ts';
import { KafkaBus } from './kafka-bus.ts';
import { MemoryBus } from './memory-bus.ts';
import { topicNames } from './topics.ts';
import type { BatchingOptions } from './batching-producer.ts';

export function createBus(bus: BusSettings, instanceId: string, logger: Logger, role: string, onFatal?: (err: Error) => void): Bus {
  const batching = busBatching(bus);
  if (bus.kind === 'memory') {
    const k = bus.kafka;
    return new MemoryBus({ batching, logger, maxRestarts: k.max_restarts, retryInitialMs: k.retry_initial_ms, retryMaxMs: k.retry_max_ms, onFatal });
  }
  return new KafkaBus({
    batching,
    settings: bus.kafka,
    clientId: `${bus.kafka.client_id}-${role}-${instanceId}`,
    replicationFactor: bus.replication_factor,
    logger,
    onFatal,
  });
}

/** Batch records (record format v3 compact, or v2 JSON) as configured, or undefined for one record per event. */
export const busBatching = (bus: BusSettings): BatchingOptions | undefined =>
  bus.batch_records ? { maxEvents: bus.batch_max_events, maxBytes: bus.batch_max_bytes, compact: bus.batch_format === 'compact' } : undefined;

/** Every topic ringwatch uses, created at start-up when missing. */
export function topicSpecs(bus: BusSettings): TopicSpec[] {
  const t = topicNames(bus.topic_prefix);
  const p = bus.partitions;
  return [
    { name: t.heartbeats, partitions: p },
    { name: t.crashes, partitions: p },
    { name: t.deployments, partitions: p },
    { name: t.deadLetter, partitions: p, retentionMs: 14 * 24 * 3600 * 1000 },
    { name: t.cells, partitions: p },
    { name: t.decisions, partitions: p },
    { name: t.signals, partitions: p },
    { name: t.incidents, partitions: 1, cleanupPolicy: 'compact' },
    { name: t.alerterLeadership, partitions: 1 },
  ];
}
