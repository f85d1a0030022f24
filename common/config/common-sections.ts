// Settings every role shares: identity, logging, the bus and Kafka, self-telemetry.
import { Type, type Static } from '@sinclair/typebox';
import { Bool, Int, OneOf, Secret, SecretFile, Section, Str, StrList } from './setting.ts';

export const KafkaSection = Section({
  brokers: StrList(['127.0.0.1:9092'], { description: 'Bootstrap brokers, host:port. Env RINGWATCH_KAFKA_BROKERS (comma-separated) overrides.' }),
  client_id: Str('ringwatch', { description: 'Kafka client id prefix (the role is appended).' }),
  connection_timeout_ms: Int(5000, 100, 120000, { description: 'TCP connect timeout to a broker.', unit: 'ms' }),
  request_timeout_ms: Int(30000, 100, 300000, { description: 'Timeout of one Kafka request.', unit: 'ms' }),
  retries: Int(8, 0, 100, { description: 'Producer/admin retries (kafkajs default with idempotence is 5, set explicitly).' }),
  retry_initial_ms: Int(300, 10, 60000, { description: 'First retry backoff; it doubles with jitter.', unit: 'ms' }),
  retry_max_ms: Int(10000, 10, 600000, { description: 'Largest retry backoff.', unit: 'ms' }),
  admin_deadline_ms: Int(60000, 1000, 3600000, { description: 'How long an admin call is retried on errors a busy or electing broker gives (not the leader, no leader yet, unknown topic-partition just after creation, connection lost, request timed out, a racing instance created the topic): topic set-up at start-up, offsets of a replay scan, group deletion. Backoff from retry_initial_ms to retry_max_ms with jitter. Past it the call is reported with its topics or groups, the last error and the time it tried, and the role does not start.', unit: 'ms' }),
  session_timeout_ms: Int(30000, 6000, 300000, { description: 'Consumer group session timeout.', unit: 'ms' }),
  heartbeat_interval_ms: Int(3000, 100, 60000, { description: 'Consumer group heartbeat interval.', unit: 'ms' }),
  partitions_consumed_concurrently: Int(3, 1, 64, { description: 'Partitions one consumer processes at the same time (kafkajs partitionsConsumedConcurrently): batches of different partitions overlap, two batches of one partition never do, and each partition commits after its own batch. 1 handles one partition batch at a time; 2-3 drained a 6-partition topic fastest (one partition is processed while another waits on its publish and commit).', unit: 'partitions' }),
  fetch_partition_max_bytes: Int(2097152, 65536, 52428800, { description: 'Most bytes one fetch returns per partition (kafkajs maxBytesPerPartition, its default is 1 MiB). A partition batch, and so one offset commit, covers up to this much: 2 MiB halves the commit round trips of 1 MiB.', unit: 'bytes' }),
  fetch_max_bytes: Int(26214400, 1048576, 52428800, { description: "Most bytes one fetch returns over all partitions (kafkajs maxBytes, its default is 10 MiB): room for fetch_partition_max_bytes from a dozen partitions. Keep it at or below the broker's fetch.max.bytes (55 MiB by default).", unit: 'bytes' }),
  fetch_max_wait_ms: Int(1000, 10, 30000, { description: 'Longest a fetch waits on the broker when there is nothing to read (kafkajs maxWaitTimeInMs; its default is 5000). A stopping consumer waits for its fetch, so this bounds how long stop() takes on an idle topic.', unit: 'ms' }),
  max_restarts: Int(10, 0, 1000, { description: 'Consumer restarts after failures (a handler that throws, a lost connection) in a row before the process gives up and exits for its supervisor (kafkajs #1721). The embedded memory bus follows the same bound for a throwing handler.' }),
  compression: OneOf(['none', 'gzip', 'zstd'] as const, 'zstd', { description: "Producer compression codec. zstd is Node's own (node:zlib, run on libuv's thread pool, off the event loop); the broker stores what it gets (compression.type=producer) and consumers decompress. Kafka >= 2.1." }),
  metadata_max_age_ms: Int(60000, 1000, 3600000, { description: 'How long the partition count of a topic is cached for grouping batch records by partition (bus.batch_records); after a topic gains partitions, batches follow within this time, as Kafka clients do for keys.', unit: 'ms' }),
  ssl: Bool(false, { description: 'Use TLS to the brokers.' }),
  sasl_mechanism: OneOf(['none', 'plain', 'scram-sha-256', 'scram-sha-512'] as const, 'none', { description: 'SASL mechanism.' }),
  sasl_username: Str('', { description: 'SASL user name.' }),
  sasl_password: Secret({ description: 'SASL password. Env RINGWATCH_KAFKA_SASL_PASSWORD.' }),
  sasl_password_file: SecretFile({ description: 'File holding the SASL password.' }),
}, 'Kafka connection (used when bus.kind is kafka).');

export const BusSection = Section({
  kind: OneOf(['kafka', 'memory'] as const, 'kafka', { description: 'kafka, or memory for the embedded single-process mode (all roles in one process, no durability).' }),
  topic_prefix: Str('ringwatch.', { description: 'Prefix of every topic name.', pattern: '^[A-Za-z0-9._-]{0,100}$' }),
  partitions: Int(6, 1, 10000, { description: 'Partitions of topics created at start-up.' }),
  replication_factor: Int(1, 1, 10, { description: 'Replication factor of topics created at start-up (3 in production).' }),
  create_topics: Bool(true, { description: 'Create missing topics at start-up.' }),
  publish_batch_max_records: Int(10000, 1, 100000, { description: "Most records (events, before batch records are formed) coalesced into one produce request. With one request in flight per topic this caps a topic at this many events per broker round trip (2,000 over a 40 ms acks=all round trip: 50,000 events/s). A partition's share of one request must stay under the broker's message.max.bytes (1 MiB) after compression: with compression none, lower it." }),
  publish_linger_ms: Int(2, 0, 1000, { description: 'How long a publish waits for others to share its produce request (kafkajs has no linger).', unit: 'ms' }),
  batch_records: Bool(true, { description: 'Write telemetry as batch records (record format v3 or v2, as bus.batch_format says): a publish\'s events grouped by partition, several per Kafka record, each keeping its own key and headers. Every reader of this version reads v1, v2 and v3; false writes one event per record (v1), for a rolling upgrade from a version that reads only v1.' }),
  batch_format: OneOf(['compact', 'json'] as const, 'compact', { description: 'Format of batch records (with batch_records): compact (record format v3, common/contract/compact-batch.ts: one string table and one table of component maps per record, events as references into them; the processor decodes an event without JSON.parse) or json (record format v2: each event as its JSON envelope). Readers of this version read v1, v2 and v3; json is for a rolling upgrade from a version that reads only v1 and v2.' }),
  batch_max_events: Int(1000, 1, 100000, { description: 'Most events in one batch record.', unit: 'events' }),
  batch_max_bytes: Int(524288, 1024, 8388608, { description: "Most bytes (before compression) in one batch record; keep it under the broker's message.max.bytes (1 MiB by default) after compression.", unit: 'bytes' }),
  lag_poll_secs: Int(10, 1, 3600, { description: 'How often consumer lag is measured for /metrics and the stall watchdog.', unit: 's' }),
  consumer_stall_secs: Int(120, 5, 86400, { description: 'A consumer with lag that commits nothing for this long is stalled (kafkajs #659): /readyz fails so the supervisor restarts it.', unit: 's' }),
  kafka: KafkaSection,
}, 'Event bus.');

export const TelemetrySection = Section({
  log_level: OneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info', { description: 'Log level (JSON logs to stdout).' }),
  label_cardinality_limit: Int(200, 1, 100000, { description: 'Most values of one metric label (ring, component, version) kept at once: a new value evicts the least recently used one and its series (counted); values beyond it in use at the same moment are folded into "other" (counted).' }),
  trace_max_links: Int(128, 0, 10000, { description: 'Most span links on one span: a consumed batch links its records\' producer spans, a judged window the partials it merged; beyond it, links are dropped (the span still counts every record).' }),
}, 'Self-telemetry. Tracing follows the standard OTEL_* variables and is off unless one is set.');

export const CommonProperties = {
  instance_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$', description: 'Id of this process (collector id stamped on events; default: host name).' })),
  bus: BusSection,
  telemetry: TelemetrySection,
};

export type KafkaSettings = Static<typeof KafkaSection>;
export type BusSettings = Static<typeof BusSection>;
export type TelemetrySettings = Static<typeof TelemetrySection>;
