// Collector settings: the HTTP front door for endpoints and release tooling.
import { Type, type Static } from '@sinclair/typebox';
import { Bool, Int, Listen, Secret, SecretFile, Section, Str, StrList } from '../common/config/setting.ts';

/** JWS algorithms a device JWT may be signed with; `none` is not among them and cannot be configured. */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'HS256'] as const;

const DeviceJwtSection = Section({
  issuer: Str('', { description: 'Expected `iss` of device JWTs (the fleet\'s identity issuer). Required when a key is configured.' }),
  audience: Str('', { description: 'Expected `aud` of device JWTs (e.g. the collector\'s URL or "ringwatch"). Required when a key is configured, so a token the issuer made for another service is refused here.' }),
  algorithms: Type.Array(Type.Union(JWT_ALGORITHMS.map((a) => Type.Literal(a))), {
    default: ['RS256', 'ES256', 'EdDSA'], minItems: 1, maxItems: JWT_ALGORITHMS.length, uniqueItems: true,
    description: `Allow-list of JWS algorithms (any of ${JWT_ALGORITHMS.join(', ')}); a token signed otherwise is refused, \`none\` always. HS256 also needs hs256_secret.`,
  }),
  clock_tolerance_secs: Int(60, 0, 3600, { description: 'Leeway for exp and nbf against the collector\'s clock (issuer and collector clocks differ a little).', unit: 's' }),
  rings_claim: Str('ringwatch_rings', { description: 'Claim naming the ring(s) the device may report (a string or a list of strings). Absent from a token: any ring.', pattern: '^[A-Za-z0-9_.:/-]{1,128}$' }),
  jwks: Type.Optional(Type.String({ maxLength: 1048576, description: 'Public keys of the issuer as a JSON Web Key Set (JSON text); keys are chosen by `kid` and `alg`.' })),
  jwks_file: SecretFile({ description: 'File holding the JSON Web Key Set (e.g. a copy of the issuer\'s jwks_uri document, mounted from a ConfigMap).' }),
  pem_public_keys: Type.Optional(Type.String({ maxLength: 1048576, description: 'Public keys of the issuer in PEM (one or more `PUBLIC KEY` or `CERTIFICATE` blocks); a token must verify with one of them.' })),
  pem_public_keys_file: SecretFile({ description: 'File holding those PEM blocks.' }),
  hs256_secret: Secret({ description: 'Shared HMAC secret (at least 32 bytes) for HS256 tokens. Whoever holds it can mint a token for any device, so prefer the issuer\'s public keys; a warning is logged at start-up. Env RINGWATCH_COLLECTOR_DEVICE_JWT_HS256_SECRET.' }),
  hs256_secret_file: SecretFile({ description: 'File holding the HS256 secret.' }),
}, 'Signed device tokens: a JWT from the fleet\'s identity issuer names its device in `sub`; on when a key (jwks, pem_public_keys or hs256_secret) is configured.');

export const CollectorSection = Section({
  ...Listen(8080, 'collector'),
  workers: Str('auto', {
    pattern: '^(auto|[1-9][0-9]?)$', maxLength: 4,
    description: 'Collector processes sharing the port (`ringwatch collector` only; node:cluster, connections dealt round-robin), each with its own idempotent Kafka producer; `auto` = the CPUs the process may use (its CPU affinity, capped by a container\'s cgroup CPU limit, rounded up), 1 = the HTTP server in the main process, no workers. /metrics sums every worker\'s series. Rate-limit buckets are per worker: a caller whose connections land on N workers may reach up to N times the per-caller limits.',
  }),
  auth_enabled: Bool(true, { description: 'Require bearer tokens. May be false only with bus.kind memory (embedded mode).' }),
  device_tokens: StrList([], { description: 'Shared device tokens (heartbeats, crashes): whoever holds one may post for any device and ring, so they are for trials (a warning is logged at start-up); bind tokens to devices with device_token_bindings or device_jwt. Env RINGWATCH_COLLECTOR_DEVICE_TOKENS.', secret: true }),
  device_tokens_file: SecretFile({ description: 'File with one shared device token per line.' }),
  device_token_bindings: StrList([], { description: 'Per-device static tokens, one binding a line: `<sha256 of the token, hex> <device id>[,<device id>...] [rings=<ring>[,<ring>...]]`. The token may post only for those devices (and rings). Hash a token with `printf %s "$TOKEN" | sha256sum`.', secret: true }),
  device_token_bindings_file: SecretFile({ description: 'File with one device token binding per line (lines starting with # are comments).' }),
  device_jwt: DeviceJwtSection,
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
