// Processor settings: device state, windows and detection thresholds. Every interval is a setting so
// tests and demos can run a whole rollout in a minute with 1-second heartbeats.
import type { Static } from '@sinclair/typebox';
import { Int, Listen, Num, Section, Str } from '../common/config/setting.ts';

export const ProcessorSection = Section({
  ...Listen(8081, 'processor'),
  group_id: Str('ringwatch-processor', { description: 'Kafka consumer group of processor instances (the judge uses per-process groups derived from it).' }),
  source_partitions: Int(0, 0, 10000, { description: 'Partitions of the heartbeats and crashes topics (0: bus.partitions). The judge waits for a window from every one of them.' }),
  heartbeat_interval_secs: Int(300, 1, 86400, { description: 'Expected heartbeat period of endpoints.', unit: 's' }),
  silence_intervals: Int(3, 1, 1000, { description: 'Missed consecutive heartbeat intervals after which a device counts as silent (k).' }),
  silence_memory_intervals: Int(12, 1, 100000, { description: 'Intervals a silent device stays counted (in numerator and exposure) before it is forgotten until it reports again.' }),
  regular_min_heartbeats: Int(2, 1, 255, { description: 'Heartbeats a device must have sent before it is expected to keep reporting.' }),
  window_secs: Int(60, 1, 86400, { description: 'Length of one detection window.', unit: 's' }),
  allowed_lateness_ms: Int(2000, 0, 3600000, { description: 'A window closes when the newest receipt time seen passes its end by this much (collector clock skew).', unit: 'ms' }),
  idle_advance_secs: Int(900, 0, 86400, { description: 'With no input at all for this long, windows close by the wall clock (a total outage becomes a pipeline gap). 0: never.', unit: 's' }),
  max_tracked_devices: Int(10000000, 100, 1000000000, { description: 'Most devices kept in state per source partition; the least recently seen are evicted and counted.' }),
  max_tracked_crashed_devices: Int(1000000, 100, 100000000, { description: 'Most devices whose last crash is remembered per source partition (least recent evicted).' }),
  max_interned_values: Int(65535, 16, 65535, { description: 'Most distinct rings, regions, collectors, components and versions per source; more fold into "other".' }),
  max_component_sets: Int(1000000, 16, 100000000, { description: 'Most distinct installed-component sets per source; devices beyond it are kept out of release cells (counted).' }),
  dedup_capacity: Int(200000, 100, 100000000, { description: 'Event ids remembered per source partition to drop redeliveries.' }),
  boot_loop_max_uptime_secs: Int(120, 1, 86400, { description: 'A boot whose first heartbeat shows at most this uptime is a short boot.', unit: 's' }),
  boot_loop_min_boots: Int(3, 2, 255, { description: 'Consecutive short boots that make a boot loop.' }),
  crash_episode_secs: Int(86400, 1, 31536000, { description: 'A device crashing again within this time is the same episode: it counts once for the release gate.', unit: 's' }),
  crash_max_delay_secs: Int(3600, 1, 31536000, { description: 'Crashes whose device time is older than this at receipt are backfill: remembered, but not counted in windows (no spike).', unit: 's' }),
  max_ingest_delay_secs: Int(300, 0, 86400, { description: 'Records reaching Kafka later than this after receipt are delayed; most of a collector delayed is a pipeline gap. 0: off.', unit: 's' }),
  alpha_catastrophe: Num(1e-6, 1e-15, 0.1, { description: 'Significance of the catastrophe rule (one-sided exact binomial).' }),
  min_affected_devices: Int(3, 1, 1000000, { description: 'Catastrophe rule: at least this many silent or crashed updated devices.' }),
  min_excess_fraction: Num(0.2, 0, 1, { description: 'Catastrophe rule: updated fraction at least this much above control (0.2 = +20 points).', unit: 'ratio' }),
  min_control_devices: Int(10, 1, 1000000, { description: 'Fewest control devices a comparison needs.' }),
  alpha_gate: Num(0.001, 1e-12, 0.5, { description: 'Error budget of the sequential release gate (mSPRT), split over rings x signals.' }),
  baseline_prior_device_windows: Int(1000, 0, 1000000000, { description: 'Shrinkage of ring and hour-of-week rates toward the fleet rate, in device-windows.' }),
  baseline_decay: Num(0.999, 0.5, 1, { description: 'Per-window decay of baseline sums.', unit: 'ratio' }),
  baseline_min_windows: Int(60, 1, 10000000, { description: 'Windows of history a ring needs before its CUSUM runs.' }),
  cusum_shift: Num(2, 1.05, 100, { description: 'Rate multiple the baseline CUSUM is tuned to detect.', unit: 'ratio' }),
  cusum_threshold: Num(8, 0.5, 1000, { description: 'CUSUM alarm threshold (a ticket-level warning).' }),
  gap_silent_fraction: Num(0.5, 0.01, 1, { description: 'Completeness gate: a region or collector whose devices are silent at least this much in every ring is a data gap.', unit: 'ratio' }),
  gap_min_devices: Int(5, 1, 1000000, { description: 'Completeness gate: devices a ring needs in a scope to be judged.' }),
  gap_min_rings: Int(2, 1, 1000, { description: 'Completeness gate: rings a scope needs (one ring alone cannot tell a release from an outage).' }),
  judge_after_complete_secs: Int(3600, 0, 31536000, { description: 'Keep judging a release in a ring this long after it completed, halted or rolled back.', unit: 's' }),
  release_max_age_secs: Int(604800, 60, 31536000, { description: 'Stop judging a release this long after it started in a ring.', unit: 's' }),
  attribution_time_scale_secs: Int(600, 1, 86400, { description: 'Attribution: how fast a release loses credit as the onset lags its start in the ring.', unit: 's' }),
  attribution_min_share: Num(0.5, 0.01, 1, { description: 'Attribution: releases scoring at least this share of the best one are blamed too.', unit: 'ratio' }),
  attribution_lookback_windows: Int(120, 2, 100000, { description: 'Windows of ring history kept for onset estimation.' }),
  deployments_wait_ms: Int(5000, 0, 600000, { description: 'How long the judge waits for the rollout feed to catch up before judging a window.', unit: 'ms' }),
  lag_poll_ms: Int(5000, 100, 600000, { description: 'How often consumer lag is measured.', unit: 'ms' }),
}, 'Processor: per-device state, per-ring per-release windows and detection.');

export type ProcessorSettings = Static<typeof ProcessorSection>;
