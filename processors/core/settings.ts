// The processor section in the units the core computes with (ms, counts), built once from the config.
import type { ProcessorSettings } from '../config.ts';

export function detectionSettings(p: ProcessorSettings) {
  return {
    windowMs: p.window_secs * 1000,
    heartbeatMs: p.heartbeat_interval_secs * 1000,
    silenceIntervals: p.silence_intervals,
    silenceMemoryIntervals: p.silence_memory_intervals,
    regularMinHeartbeats: p.regular_min_heartbeats,
    latenessMs: p.allowed_lateness_ms,
    maxDevices: p.max_tracked_devices,
    maxCrashedDevices: p.max_tracked_crashed_devices,
    maxInterned: p.max_interned_values,
    maxComponentSets: p.max_component_sets,
    dedupCapacity: p.dedup_capacity,
    bootLoopMaxUptimeSecs: p.boot_loop_max_uptime_secs,
    bootLoopMinBoots: p.boot_loop_min_boots,
    crashEpisodeMs: p.crash_episode_secs * 1000,
    crashMaxDelayMs: p.crash_max_delay_secs * 1000,
    maxIngestDelayMs: p.max_ingest_delay_secs * 1000,
    alphaCatastrophe: p.alpha_catastrophe,
    minAffected: p.min_affected_devices,
    minExcess: p.min_excess_fraction,
    minControl: p.min_control_devices,
    alphaGate: p.alpha_gate,
    baselinePrior: p.baseline_prior_device_windows,
    baselineDecay: p.baseline_decay,
    baselineMinWindows: p.baseline_min_windows,
    cusumShift: p.cusum_shift,
    cusumThreshold: p.cusum_threshold,
    gapSilentFraction: p.gap_silent_fraction,
    gapMinDevices: p.gap_min_devices,
    gapMinRings: p.gap_min_rings,
    judgeAfterCompleteMs: p.judge_after_complete_secs * 1000,
    releaseMaxAgeMs: p.release_max_age_secs * 1000,
    attributionTimeScaleMs: p.attribution_time_scale_secs * 1000,
    attributionMinShare: p.attribution_min_share,
    historyWindows: p.attribution_lookback_windows,
  };
}

export type DetectionSettings = ReturnType<typeof detectionSettings>;
