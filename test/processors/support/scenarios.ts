// The must-show scenarios, on 1-second heartbeats and 1-second windows, shared by the in-process and
// the Kafka tests so both prove the same thing.
import { buildScenario, rng, type Spec } from './scenario.ts';

export const HEARTBEAT_MS = 1000;
export const WINDOW_MS = 1000;

/** Processor settings of these scenarios (YAML/config shape). */
export const PROCESSOR_SETTINGS = {
  heartbeat_interval_secs: 1,
  window_secs: 1,
  silence_intervals: 2,
  silence_memory_intervals: 30,
  silence_memory_min_secs: 0,
  allowed_lateness_ms: 200,
  idle_advance_secs: 0,
  attribution_time_scale_secs: 2,
  crash_max_delay_secs: 1,
  crash_episode_secs: 3600,
  baseline_min_windows: 5,
  max_ingest_delay_secs: 0,
  deployments_wait_ms: 3000,
} as const;

const RINGS = [{ name: 'canary', devices: 40 }, { name: 'early', devices: 80 }, { name: 'broad', devices: 160 }];

function background(startMs: number, seconds: number, devices: number, seed: number) {
  const r = rng(seed);
  const crashes = Array.from({ length: Math.round(seconds / 2) }, () => ({ index: Math.floor(r() * devices), at: startMs + Math.floor(r() * seconds * 1000) }));
  const churn = Array.from({ length: 4 }, () => ({ index: Math.floor(r() * devices), at: startMs + 3000 + Math.floor(r() * (seconds - 3) * 1000) }));
  return { crashes, churn };
}

export interface CatastropheTimes {
  startMs: number;
  /** The bad release starts in canary here; victims die at their first heartbeat after it. */
  badStartMs: number;
  endMs: number;
}

/**
 * A content release (channel-291@101) kills every canary device that takes it (80% of the ring) without
 * a crash report; a healthy agent release (agent@2.0) rolls in canary and early at the same time; one
 * early device floods 3000 crash reports.
 */
export function catastropheScenario(startMs: number, seconds = 24): { spec: Spec; times: CatastropheTimes } {
  const s = (sec: number) => startMs + sec * 1000;
  const spec: Spec = {
    startMs, endMs: s(seconds), heartbeatMs: HEARTBEAT_MS, rings: RINGS, regions: ['us', 'eu'],
    components: { agent: '1.0', 'channel-291': '100' },
    deployments: [
      { component: 'agent', version: '2.0', ring: 'canary', action: 'started', at: s(4) },
      { component: 'agent', version: '2.0', ring: 'early', action: 'started', at: s(6) },
      { component: 'channel-291', version: '101', ring: 'canary', action: 'started', at: s(14) },
    ],
    takes: [
      { ring: 'canary', component: 'agent', version: '2.0', share: 0.7, at: s(4), offset: 10 },
      { ring: 'early', component: 'agent', version: '2.0', share: 0.5, at: s(6), offset: 5 },
      { ring: 'canary', component: 'channel-291', version: '101', share: 0.8, at: s(14), dies: true },
    ],
    floods: [{ deviceId: 'dev-early-1', from: s(8), count: 3000, spacingMs: 4 }],
    ...background(startMs, seconds, 280, 7),
  };
  return { spec, times: { startMs, badStartMs: s(14), endMs: s(seconds) } };
}

/** Region eu goes dark for 6 intervals, then its buffered heartbeats and crash reports arrive at once. */
export function regionGapScenario(startMs: number, seconds = 26): { spec: Spec; outage: { from: number; to: number } } {
  const s = (sec: number) => startMs + sec * 1000;
  const outage = { from: s(10), to: s(16) };
  const spec: Spec = {
    startMs, endMs: s(seconds), heartbeatMs: HEARTBEAT_MS, rings: RINGS, regions: ['us', 'eu', 'ap'],
    components: { agent: '1.0', 'channel-291': '100' },
    deployments: [
      { component: 'agent', version: '2.0', ring: 'canary', action: 'started', at: s(4) },
      { component: 'agent', version: '2.0', ring: 'early', action: 'started', at: s(8) },
    ],
    takes: [
      { ring: 'canary', component: 'agent', version: '2.0', share: 0.7, at: s(4) },
      { ring: 'early', component: 'agent', version: '2.0', share: 0.5, at: s(8) },
    ],
    outages: [{ region: 'eu', ...outage, backfillCrashes: 40 }],
    ...background(startMs, seconds, 280, 11),
  };
  return { spec, outage };
}

export const build = buildScenario;
