// The processor section in the units the core computes with (ms, counts), built once from the config.
import type { ProcessorSettings } from '../config.ts';

/** Window length in seconds: `window_secs`, or one heartbeat interval when it is 0 (the default). */
export const windowSecsOf = (p: Pick<ProcessorSettings, 'window_secs' | 'heartbeat_interval_secs'>): number => p.window_secs || p.heartbeat_interval_secs;

/**
 * Intervals a silent device stays counted after the k that make it silent: silence_memory_intervals, but
 * never shorter than silence_memory_min_secs, so that at short heartbeats a slow rollout's first victims
 * are not forgotten before its later ones die (every use of the memory -- counts, the replay horizon,
 * the gap horizon, a blamed release's suspicion -- takes this one value).
 */
export const silenceMemoryIntervalsOf = (p: Pick<ProcessorSettings, 'silence_memory_intervals' | 'silence_memory_min_secs' | 'heartbeat_interval_secs'>): number =>
  Math.max(p.silence_memory_intervals, Math.ceil(p.silence_memory_min_secs / p.heartbeat_interval_secs));

export function detectionSettings(p: ProcessorSettings) {
  return {
    windowMs: windowSecsOf(p) * 1000,
    heartbeatMs: p.heartbeat_interval_secs * 1000,
    silenceIntervals: p.silence_intervals,
    silenceMemoryIntervals: silenceMemoryIntervalsOf(p),
    regularMinHeartbeats: p.regular_min_heartbeats,
    latenessMs: p.allowed_lateness_ms,
    maxDevices: p.max_tracked_devices,
    maxCrashedDevices: p.max_tracked_crashed_devices,
    maxInterned: p.max_interned_values,
    maxComponentSets: p.max_component_sets,
    dedupCapacity: p.dedup_capacity,
    bootLoopMaxUptimeSecs: p.boot_loop_max_uptime_secs,
    bootLoopMinBoots: p.boot_loop_min_boots,
    reportedIntervalMaxMs: p.reported_interval_max_secs * 1000,
    restartMinDevices: p.restart_min_devices,
    restartAlpha: p.restart_alpha,
    restartMaxDowntimeMs: p.restart_max_downtime_secs * 1000,
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
    gapMaxArrivalShare: p.gap_max_arrival_share,
    gapMinRings: p.gap_min_rings,
    judgeAfterCompleteMs: p.judge_after_complete_secs * 1000,
    releaseMaxAgeMs: p.release_max_age_secs * 1000,
    attributionTimeScaleMs: p.attribution_time_scale_secs * 1000,
    attributionMinShare: p.attribution_min_share,
    attributionSpreadMs: p.attribution_rollout_spread_secs * 1000,
    historyWindows: p.attribution_lookback_windows,
    indifferenceRatio: p.gate_indifference_ratio,
    crashIndifferenceRatio: p.gate_crash_indifference_ratio,
    maxConcurrentReleases: p.max_concurrent_releases,
    passMinExposed: p.pass_min_exposed_devices,
    /** Watch every counted device needs after exposure: k intervals + one window + lateness (+ extra). */
    soakMs: p.silence_intervals * p.heartbeat_interval_secs * 1000 + windowSecsOf(p) * 1000 + p.allowed_lateness_ms + p.pass_soak_extra_secs * 1000,
    passWindows: p.pass_consecutive_windows,
    passMaxRatio: p.pass_max_rate_ratio,
    passAlpha: p.pass_alpha,
    passPowerHorizonMs: p.pass_power_horizon_secs * 1000,
    passSmallRingMaxFraction: p.pass_small_ring_max_fraction,
    smallRingPolicy: p.small_ring_policy,
    strataLabels: p.strata_labels,
    alwaysOnHours: p.strata_always_on_hours,
  };
}

export type DetectionSettings = ReturnType<typeof detectionSettings>;
