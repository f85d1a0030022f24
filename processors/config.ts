// Processor settings: device state, windows and detection thresholds. Every interval is a setting so
// tests and demos can run a whole rollout in a minute with 1-second heartbeats.
import { Int, Listen, Num, Section, Str } from '../common/config/setting.ts';

export const ProcessorSection = Section({
  ...Listen(8081, 'processor'),
  group_id: Str('ringwatch-processor', { description: 'Kafka consumer group of processor instances.' }),
  heartbeat_interval_secs: Int(300, 1, 86400, { description: 'Expected heartbeat period of endpoints.', unit: 's' }),
  silence_intervals: Int(3, 1, 1000, { description: 'Missed consecutive heartbeat intervals after which a device counts as silent (k).' }),
  window_secs: Int(60, 1, 86400, { description: 'Length of one detection window.', unit: 's' }),
  max_tracked_devices: Int(10000000, 100, 1000000000, { description: 'Most devices kept in state; least recently seen are evicted and counted.' }),
  alpha_catastrophe: Num(1e-6, 1e-15, 0.1, { description: 'Significance of the catastrophe rule (one-sided exact binomial).' }),
  min_affected_devices: Int(3, 1, 1000000, { description: 'Catastrophe rule: at least this many silent or crashed updated devices.' }),
  min_excess_fraction: Num(0.2, 0, 1, { description: 'Catastrophe rule: updated fraction at least this much above control (0.2 = +20 points).', unit: 'ratio' }),
  alpha_gate: Num(0.001, 1e-12, 0.5, { description: 'Error budget of the sequential release gate (mSPRT), split over rings x signals.' }),
}, 'Processor: per-device state, per-ring per-release windows and detection.');
