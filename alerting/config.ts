// Alerting settings: the verdict API, pages and halt / rollback signals.
import { Type, type Static } from '@sinclair/typebox';
import { Bool, Int, Listen, OneOf, Secret, SecretFile, Section, Str } from '../common/config/setting.ts';

export const WebhookSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: 'Name (used in metrics and logs).' }),
  url: Type.String({ minLength: 1, maxLength: 2048, description: 'URL the JSON payload is POSTed to.' }),
  hmac_secret: Secret({ description: 'HMAC-SHA256 key signing the body (header X-Ringwatch-Signature).' }),
  hmac_secret_file: SecretFile({ description: 'File holding the HMAC key.' }),
}, { additionalProperties: false });

// The key is named like the top-level setting so `ringwatch config` redacts it (redaction goes by key name).
export const ReleaseOwnerSchema = Type.Object({
  component: Type.String({ minLength: 1, maxLength: 128, description: 'Component whose releases this team owns.' }),
  pagerduty_release_routing_key: Secret({ description: 'Integration key paging this component\'s owners.' }),
  pagerduty_release_routing_key_file: SecretFile({ description: 'File holding that integration key.' }),
}, { additionalProperties: false });

const PD_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

export const AlertingSection = Section({
  ...Listen(8082, 'alerter (verdict API)'),
  group_id: Str('ringwatch-alerter', { description: 'Kafka consumer group of the active alerter\'s decisions consumer; replicas elect the active one in group `<group_id>.leadership` (run two or more replicas with the same group_id).' }),
  leader_session_timeout_ms: Int(10000, 1000, 300000, { description: 'A standby takes over this long after the active alerter stopped heartbeating (then reads the incidents topic back, a few seconds). Kafka accepts 6000-300000 by default (group.min/max.session.timeout.ms).', unit: 'ms' }),
  leader_heartbeat_interval_ms: Int(1000, 100, 60000, { description: 'How often a replica heartbeats in the election; at most a third of leader_session_timeout_ms.', unit: 'ms' }),
  public_url: Str('', { description: 'Base URL under which responders and release tooling reach this alerter; pages, change events and webhooks link to its verdict API (board links come from board_public_url). Empty: no links.', maxLength: 1024 }),
  pagerduty_url: Str('https://events.pagerduty.com', { description: 'PagerDuty Events API v2 base URL.' }),
  pagerduty_release_routing_key: Secret({ description: 'Integration key paging release owners. Env RINGWATCH_ALERTING_PAGERDUTY_RELEASE_ROUTING_KEY.' }),
  pagerduty_release_routing_key_file: SecretFile({ description: 'File holding the release owners\' integration key.' }),
  pagerduty_pipeline_routing_key: Secret({ description: 'Integration key paging the pipeline\'s own on-call (telemetry gaps).' }),
  pagerduty_pipeline_routing_key_file: SecretFile({ description: 'File holding the pipeline on-call integration key.' }),
  release_owners: Type.Array(ReleaseOwnerSchema, { default: [], maxItems: 1000, description: 'Per-component integration keys of release owners; components not listed page pagerduty_release_routing_key.' }),
  webhooks: Type.Array(WebhookSchema, { default: [], maxItems: 50, description: 'Webhooks that receive pages and halt / rollback signals.' }),
  regression_severity: OneOf(PD_SEVERITIES, 'warning', { description: 'PagerDuty severity of slow regressions (gate / baseline layers); catastrophes are always critical.' }),
  pipeline_gap_severity: OneOf(PD_SEVERITIES, 'error', { description: 'PagerDuty severity of telemetry-gap pages to the pipeline on-call.' }),
  request_timeout_ms: Int(10000, 100, 120000, { description: 'Timeout of one outbound request.', unit: 'ms' }),
  retry_initial_delay_ms: Int(1000, 10, 600000, { description: 'First backoff after a retryable delivery failure; it doubles (with jitter) up to max_retry_delay_ms.', unit: 'ms' }),
  max_retry_delay_ms: Int(60000, 100, 3600000, { description: 'Largest backoff between outbound retries (also caps a Retry-After).', unit: 'ms' }),
  max_concurrent_deliveries: Int(4, 1, 100, { description: 'Outbound requests in flight at once.' }),
  max_outbox_entries: Int(100000, 10, 10000000, { description: 'Most undelivered pages and signals kept; beyond, new ones are refused and counted.' }),
  resolve_after_windows: Int(3, 1, 1000, { description: 'Hysteresis: consecutive passing windows before a failing cell (and its incident) clears.' }),
  gap_quiet_secs: Int(600, 1, 604800, { description: 'A telemetry gap with no new gap decision for this long counts as over.', unit: 's' }),
  verdict_stale_after_secs: Int(600, 1, 604800, { description: 'A release whose newest decision window ended longer ago than this answers inconclusive instead of pass.', unit: 's' }),
  release_retention_secs: Int(604800, 60, 31536000, { description: 'Release-rings without any decision for this long are forgotten (their verdict becomes inconclusive: no data).', unit: 's' }),
  max_tracked_release_rings: Int(20000, 10, 10000000, { description: 'Most (release, ring) verdicts kept; the least recently decided are forgotten first and counted.' }),
  max_evidence_bytes: Int(16384, 256, 65536, { description: 'Largest evidence (JSON) kept per decision in incidents, pages and signals; larger is cut and marked truncated. State records hold up to 12 of them, and must stay under Kafka\'s 1 MB record limit.', unit: 'bytes' }),
  max_decision_lag_records: Int(1000, 0, 1000000000, { description: 'While the active alerter\'s decisions consumer is further behind than this, every replica answers inconclusive (reason not_caught_up) instead of a verdict.' }),
  max_state_lag_records: Int(100, 0, 1000000000, { description: 'While a standby replica is further behind the incidents topic (the active one\'s writes) than this, it answers inconclusive (not_caught_up).' }),
  lag_check_interval_ms: Int(2000, 100, 600000, { description: 'How often the decisions consumer lag is measured.', unit: 'ms' }),
  tick_interval_ms: Int(1000, 50, 60000, { description: 'How often time-based rules run (stale verdicts, quiet gaps, retention).', unit: 'ms' }),
  restore_timeout_secs: Int(120, 1, 3600, { description: 'Longest wait at start for reading back incidents and the outbox from the incidents topic.', unit: 's' }),
  max_hook_body_bytes: Int(65536, 1024, 10485760, { description: 'Largest Flagger webhook body (413 beyond).', unit: 'bytes' }),
  max_list_items: Int(1000, 1, 100000, { description: 'Most verdicts one list request returns.' }),
  board_enabled: Bool(true, { description: 'Serve the release safety board (read-only HTML pages of verdicts and their evidence) on its own port.' }),
  board_listen_port: Int(8083, 0, 65535, { description: 'Port of the board\'s HTTP server, on listen_host (0: any free port). Pages are under /board.' }),
  board_public_url: Str('', { description: 'Base URL under which responders reach the board (e.g. https://ringwatch.example.com); pages, change events and webhooks link to the release\'s board page. Empty: no board links.', maxLength: 1024 }),
  board_history_windows: Int(2000, 10, 100000, { description: 'Most windows of chart history kept per (release, ring); beyond, neighbouring windows are pooled two into one (counts summed), so the whole rollout stays in view at a coarser step.' }),
  board_history_release_rings: Int(1000, 1, 100000, { description: 'Most (release, ring) chart histories kept in memory; the least recently decided is dropped first.' }),
  board_history_incident_events: Int(50, 1, 10000, { description: 'Most timeline events (opened, updated, resolved, halts) kept per incident for the board.' }),
  board_chart_max_points: Int(300, 10, 10000, { description: 'Most points one chart (and its data table) draws; longer histories are pooled into this many.' }),
  board_page_size: Int(100, 5, 5000, { description: 'Releases (and incidents) per board page.' }),
  board_max_path_bytes: Int(1024, 64, 8192, { description: 'Longest board request path with its query; longer answers 414.', unit: 'bytes' }),
}, 'Alerter: incidents, pages, verdict API and halt / rollback signals.');

export type AlertingSettings = Static<typeof AlertingSection>;
