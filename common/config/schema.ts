// The one configuration schema: common sections plus one section per role, each owned by its folder.
import { Type, type Static } from '@sinclair/typebox';
import { CommonProperties } from './common-sections.ts';
import { CollectorSection } from '../../collectors/config.ts';
import { ProcessorSection } from '../../processors/config.ts';
import { AlertingSection } from '../../alerting/config.ts';

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
