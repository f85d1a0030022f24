// Processor intervals for a scenario played live with accelerated intervals (1-second heartbeats):
// the processor must expect the scenario's heartbeat period, and short windows let a whole rollout run
// in a minute. Thresholds stay at their defaults: only time is compressed.
import type { Scenario } from '../simulator/scenario-schema.ts';

/** Detection window for accelerated runs: two heartbeat periods, at least 2 s (the lead's check used 2 s). */
export const FAST_WINDOW_HEARTBEATS = 2;
/**
 * A crash episode of 30 heartbeats, not a day: at accelerated crash rates every device has crashed once
 * within minutes, and with day-long episodes a 2x crash regression could not show (detection benchmark,
 * tuning seed 2002; deploy/examples/detection-bench.yaml uses the same time base).
 */
export const FAST_CRASH_EPISODE_HEARTBEATS = 30;

export function fastProcessorSettings(scenario: Scenario): { heartbeat_interval_secs: number; window_secs: number; crash_episode_secs: number; silence_memory_min_secs: number } {
  const heartbeat = Math.max(1, Math.round(scenario.fleet.heartbeat_interval_secs));
  return {
    heartbeat_interval_secs: heartbeat,
    window_secs: Math.max(2, heartbeat * FAST_WINDOW_HEARTBEATS),
    crash_episode_secs: heartbeat * FAST_CRASH_EPISODE_HEARTBEATS,
    // Silence memory in intervals only: the accelerated rollouts spread over seconds, not half an hour.
    silence_memory_min_secs: 0,
  };
}
