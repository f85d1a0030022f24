// Processor settings for tests: the scenario settings on top of the defaults, validated like a real config.
import { buildConfig } from '../../../app/config.ts';
import type { Config } from '../../../app/config.ts';
import { detectionSettings, type DetectionSettings } from '../../../processors/core/settings.ts';
import { PROCESSOR_SETTINGS } from './scenarios.ts';

export function testConfig(overrides: Record<string, unknown> = {}, bus: Record<string, unknown> = { kind: 'memory' }): Config {
  return buildConfig({
    bus, collector: { auth_enabled: bus.kind !== 'memory' }, telemetry: { log_level: 'silent' },
    processor: { ...PROCESSOR_SETTINGS, listen_host: '127.0.0.1', listen_port: 0, ...overrides },
  }, {});
}

export const testSettings = (overrides: Record<string, unknown> = {}): DetectionSettings => detectionSettings(testConfig(overrides).processor);

/** Bus settings of a Kafka test: the test broker, private topics, short group timeouts. */
export function kafkaBus(brokers: string[], prefix: string, partitions = 3): Record<string, unknown> {
  return {
    kind: 'kafka', topic_prefix: prefix, partitions, publish_linger_ms: 2,
    kafka: { brokers, session_timeout_ms: 6000, heartbeat_interval_ms: 1000, connection_timeout_ms: 5000, retry_initial_ms: 100 },
  };
}
