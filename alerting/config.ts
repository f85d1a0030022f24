// Alerting settings: the verdict API, pages and halt / rollback signals.
import { Type } from '@sinclair/typebox';
import { Int, Listen, Secret, SecretFile, Section, Str } from '../common/config/setting.ts';

export const WebhookSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: 'Name (used in metrics and logs).' }),
  url: Type.String({ minLength: 1, maxLength: 2048, description: 'URL the JSON payload is POSTed to.' }),
  hmac_secret: Secret({ description: 'HMAC-SHA256 key signing the body (header X-Ringwatch-Signature).' }),
  hmac_secret_file: SecretFile({ description: 'File holding the HMAC key.' }),
}, { additionalProperties: false });

export const AlertingSection = Section({
  ...Listen(8082, 'alerter (verdict API)'),
  group_id: Str('ringwatch-alerter', { description: 'Kafka consumer group of the alerter.' }),
  pagerduty_url: Str('https://events.pagerduty.com', { description: 'PagerDuty Events API v2 base URL.' }),
  pagerduty_release_routing_key: Secret({ description: 'Integration key paging release owners. Env RINGWATCH_ALERTING_PAGERDUTY_RELEASE_ROUTING_KEY.' }),
  pagerduty_release_routing_key_file: SecretFile({ description: 'File holding the release owners\' integration key.' }),
  pagerduty_pipeline_routing_key: Secret({ description: 'Integration key paging the pipeline\'s own on-call (telemetry gaps).' }),
  pagerduty_pipeline_routing_key_file: SecretFile({ description: 'File holding the pipeline on-call integration key.' }),
  webhooks: Type.Array(WebhookSchema, { default: [], maxItems: 50, description: 'Webhooks that receive pages and halt / rollback signals.' }),
  request_timeout_ms: Int(10000, 100, 120000, { description: 'Timeout of one outbound request.', unit: 'ms' }),
  max_retry_delay_ms: Int(60000, 100, 3600000, { description: 'Largest backoff between outbound retries.', unit: 'ms' }),
  resolve_after_windows: Int(3, 1, 1000, { description: 'Hysteresis: consecutive passing windows before an incident resolves.' }),
}, 'Alerter: incidents, pages, verdict API and halt / rollback signals.');
