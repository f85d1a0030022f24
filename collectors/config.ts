// Collector settings: the HTTP front door for endpoints and release tooling.
import { Bool, Int, Listen, Secret, SecretFile, Section, StrList } from '../common/config/setting.ts';

export const CollectorSection = Section({
  ...Listen(8080, 'collector'),
  auth_enabled: Bool(true, { description: 'Require bearer tokens. May be false only with bus.kind memory (embedded mode).' }),
  device_tokens: StrList([], { description: 'Bearer tokens accepted from endpoints (heartbeats, crashes). Env RINGWATCH_COLLECTOR_DEVICE_TOKENS.', secret: true }),
  device_tokens_file: SecretFile({ description: 'File with one device token per line.' }),
  release_token: Secret({ description: 'Bearer token of release tooling (deployments). Env RINGWATCH_COLLECTOR_RELEASE_TOKEN.' }),
  release_token_file: SecretFile({ description: 'File holding the release-tooling token.' }),
  max_body_bytes: Int(1048576, 1024, 104857600, { description: 'Largest request body after decompression.', unit: 'bytes' }),
  max_events_per_batch: Int(1000, 1, 100000, { description: 'Most events in one request.' }),
  produce_timeout_ms: Int(5000, 100, 120000, { description: 'How long a request waits for Kafka to acknowledge before answering 503.', unit: 'ms' }),
  retry_after_secs: Int(5, 1, 3600, { description: 'Retry-After sent with 429 and 503.', unit: 's' }),
  max_future_skew_secs: Int(86400, 0, 31536000, { description: 'Device times further ahead of receipt than this are refused; closer ones are clamped to receipt time.', unit: 's' }),
  max_past_age_secs: Int(2592000, 60, 315360000, { description: 'Device times older than this before receipt are refused.', unit: 's' }),
  rate_limit_device_per_sec: Int(10, 1, 1000000, { description: 'Requests per second one token/device may make (token bucket).', unit: 'req/s' }),
  rate_limit_burst: Int(20, 1, 1000000, { description: 'Token-bucket burst of the per-device and per-source limits.' }),
  rate_limit_source_per_sec: Int(2000, 1, 10000000, { description: 'Requests per second from one source address.', unit: 'req/s' }),
  max_tracked_sources: Int(100000, 100, 100000000, { description: 'Most rate-limit buckets kept; the least recently used are dropped.' }),
}, 'Collector: ingest over HTTP, write to Kafka.');
