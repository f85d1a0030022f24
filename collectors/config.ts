// Collector settings: the HTTP front door for endpoints and release tooling.
import type { Static } from '@sinclair/typebox';
import { Bool, Int, Listen, Secret, SecretFile, Section, StrList } from '../common/config/setting.ts';

export const CollectorSection = Section({
  ...Listen(8080, 'collector'),
  auth_enabled: Bool(true, { description: 'Require bearer tokens. May be false only with bus.kind memory (embedded mode).' }),
  device_tokens: StrList([], { description: 'Bearer tokens accepted from endpoints (heartbeats, crashes). Env RINGWATCH_COLLECTOR_DEVICE_TOKENS.', secret: true }),
  device_tokens_file: SecretFile({ description: 'File with one device token per line.' }),
  release_token: Secret({ description: 'Bearer token of release tooling (deployments). Env RINGWATCH_COLLECTOR_RELEASE_TOKEN.' }),
  release_token_file: SecretFile({ description: 'File holding the release-tooling token.' }),
  max_body_bytes: Int(1048576, 1024, 104857600, { description: 'Largest request body, checked on the wire and again after decompression (413 beyond).', unit: 'bytes' }),
  max_events_per_batch: Int(1000, 1, 100000, { description: 'Most events in one request (413 beyond).' }),
  produce_timeout_ms: Int(5000, 100, 120000, { description: 'How long a request waits for Kafka to acknowledge before answering 503.', unit: 'ms' }),
  max_pending_produce_bytes: Int(67108864, 65536, 4294967296, { description: 'Most event bytes waiting for Kafka acknowledgement at once; further requests get 503 at once instead of piling up while Kafka is slow.', unit: 'bytes' }),
  retry_after_secs: Int(5, 1, 3600, { description: 'Retry-After sent with 503 (429 sends the time until the bucket refills, at least 1 s).', unit: 's' }),
  max_future_skew_secs: Int(86400, 0, 31536000, { description: 'Device times further ahead of receipt than this are refused; closer ones are clamped to receipt time.', unit: 's' }),
  max_past_age_secs: Int(2592000, 60, 315360000, { description: 'Device times older than this before receipt are refused.', unit: 's' }),
  rate_limit_device_per_sec: Int(10, 1, 1000000, { description: 'Requests per second one device token may make (token bucket).', unit: 'req/s' }),
  rate_limit_burst: Int(20, 1, 1000000, { description: 'Token-bucket burst of the per-device-token limit: requests a device may make at once after being idle.' }),
  rate_limit_source_per_sec: Int(2000, 1, 10000000, { description: 'Requests per second from one source address (many devices may share one behind NAT).', unit: 'req/s' }),
  rate_limit_source_burst: Int(4000, 1, 10000000, { description: 'Token-bucket burst of the per-source-address limit.' }),
  max_tracked_sources: Int(100000, 100, 100000000, { description: 'Most rate-limit buckets kept; the least recently used are dropped.' }),
  source_from_forwarded_for: Bool(false, { description: 'Take the source address for rate limits from the last X-Forwarded-For entry (only behind a proxy that sets it).' }),
}, 'Collector: ingest over HTTP, write to Kafka.');

export type CollectorSettings = Static<typeof CollectorSection>;
