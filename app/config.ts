// The one configuration schema: common sections plus one section per role, each owned by its folder, and
// the loader built on it.
import { Type, type Static } from '@sinclair/typebox';
import { hostname } from 'node:os';
import { configLoader } from '../common/config/load.ts';
import { credentialProblems } from '../collectors/credentials.ts';
import { CommonProperties } from '../common/config/common-sections.ts';
import { CollectorSection } from '../collectors/config.ts';
import { ProcessorSection } from '../processors/config.ts';
import { AlertingSection } from '../alerting/config.ts';

export const ConfigSchema = Type.Object({
  ...CommonProperties,
  collector: CollectorSection,
  processor: ProcessorSection,
  alerting: AlertingSection,
}, { additionalProperties: false, default: {} });

export type Config = Static<typeof ConfigSchema>;

/** Environment variables kept short for the settings people set most. */
export const ENV_ALIASES: Record<string, string[]> = {
  RINGWATCH_KAFKA_BROKERS: ['bus', 'kafka', 'brokers'],
  RINGWATCH_KAFKA_SASL_PASSWORD: ['bus', 'kafka', 'sasl_password'],
  RINGWATCH_TOPIC_PREFIX: ['bus', 'topic_prefix'],
  RINGWATCH_LOG_LEVEL: ['telemetry', 'log_level'],
};

/** Checks across sections. */
function crossChecks(config: Config, problems: string[]): void {
  if (config.bus.kind === 'kafka' && !config.collector.auth_enabled) {
    problems.push('collector.auth_enabled: may be false only with bus.kind memory (embedded mode)');
  }
  problems.push(...credentialProblems(config.collector));
}

export const { buildConfig, loadConfig, redactConfig } = configLoader({
  schema: ConfigSchema,
  envAliases: ENV_ALIASES,
  crossChecks,
  finish: (config) => { config.instance_id ??= hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 128) || 'ringwatch'; },
});
