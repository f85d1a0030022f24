// The scenario file: a seeded description of a fleet, its noise, its releases and the rollout plan.
// Strict like the configuration: unknown keys are refused, every problem is reported with its path.
// Times are seconds from the scenario start, so a scenario reads the same in virtual and in real time.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ID_PATTERN, RING_PATTERN } from '../../common/contract/limits.ts';

const Obj = <P extends Record<string, TSchema>>(properties: P, description: string) =>
  Type.Object(properties, { additionalProperties: false, description, default: {} });
const Secs = (def: number, description: string, max = 31_536_000) =>
  Type.Number({ default: def, minimum: 0, maximum: max, description, unit: 's' });
const Share = (def: number, description: string) => Type.Number({ default: def, minimum: 0, maximum: 1, description });
const Rate = (def: number, description: string) => Type.Number({ default: def, minimum: 0, maximum: 1e6, description });
const Name = (description: string) => Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN, description });

export const RELEASE_EFFECTS = ['healthy', 'catastrophic', 'crash_rate'] as const;
export type ReleaseEffect = (typeof RELEASE_EFFECTS)[number];

const RingSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, pattern: RING_PATTERN, description: 'Ring name (lower case).' }),
  share: Share(0, 'Share of the fleet in this ring; the last ring takes whatever the others leave.'),
}, { additionalProperties: false });

const RegionSchema = Type.Object({
  name: Name('Region name; also names its collector (collector-<region>) in envelopes.'),
  share: Type.Number({ minimum: 0, maximum: 1, description: 'Share of the fleet in this region.' }),
  utc_offset_hours: Type.Number({ default: 0, minimum: -12, maximum: 14, description: 'Local time offset (for night-time).' }),
}, { additionalProperties: false });

const ComponentSchema = Type.Object({
  name: Name('Component name (agent, channel-291, os, ...).'),
  version: Name('Version every device runs at the start.'),
}, { additionalProperties: false });

const RolloutSchema = Type.Object({
  ring_order: Type.Optional(Type.Array(Type.String({ pattern: RING_PATTERN, maxLength: 64 }), { minItems: 1, maxItems: 32, description: 'Rings in rollout order (default: the fleet rings in order).' })),
  spread_secs: Type.Optional(Secs(10, 'Devices of a ring pick a release up uniformly over this time after it starts there.')),
  bake_secs: Type.Optional(Secs(30, 'Wait after a ring started before the first verdict is read.')),
  poll_interval_secs: Type.Optional(Secs(5, 'How often the verdict is read again while a ring is paused (inconclusive or errors).')),
  inconclusive_limit_secs: Type.Optional(Secs(120, 'Longest pause on "inconclusive" before the rollout is halted (not rolled back).')),
  verdict_error_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Consecutive verdict read errors before the rollout is halted (Argo consecutiveErrorLimit).' })),
  rollback_spread_secs: Type.Optional(Secs(10, 'Devices revert over this time after a rollback.')),
}, { additionalProperties: false, description: 'Rollout plan (per release, any key overrides the scenario plan).' });

const ReleaseSchema = Type.Object({
  component: Name('Component released (must be one of fleet.components).'),
  version: Name('New version.'),
  start_secs: Secs(0, 'When the release tool starts rolling it.'),
  effect: Type.Union(RELEASE_EFFECTS.map((e) => Type.Literal(e)), { default: 'healthy', description: 'What the release does to a device that takes it.' }),
  crash_multiplier: Type.Number({ default: 2, minimum: 0, maximum: 10000, description: 'crash_rate: factor on the device crash rate while it runs this version.' }),
  crash_report_share: Share(0.05, 'catastrophic: share of devices whose crash report gets out before the boot loop.'),
  rollout: Type.Optional(RolloutSchema),
}, { additionalProperties: false });

const OutageSchema = Type.Object({
  region: Name('Region whose collector stops receiving.'),
  start_secs: Secs(0, 'When its heartbeats and crashes stop arriving.'),
  duration_secs: Secs(60, 'How long.'),
  backfill: Type.Boolean({ default: true, description: 'Deliver what was held back when the outage ends (late, in a burst).' }),
  backfill_spread_secs: Secs(5, 'The backfill arrives over this time.'),
}, { additionalProperties: false });

const CrashLoopSchema = Type.Object({
  device: Type.Integer({ minimum: 0, description: 'Index of the device (0-based) that crash-loops.' }),
  start_secs: Secs(0, 'When it starts.'),
  duration_secs: Secs(60, 'How long.'),
  crashes_per_min: Type.Number({ default: 600, minimum: 1, maximum: 600000, description: 'Crash reports it sends per minute.' }),
}, { additionalProperties: false });

const RebootWaveSchema = Type.Object({
  start_secs: Secs(0, 'When the wave starts.'),
  spread_secs: Secs(60, 'Devices reboot uniformly over this time.'),
  share: Share(0.5, 'Share of online devices that reboot.'),
  every_secs: Secs(0, 'Repeat period (0: once). Patch Tuesday: 604800 (weekly waves on the wave day).'),
  down_secs: Secs(5, 'How long a reboot keeps the device silent.'),
}, { additionalProperties: false });

export const ScenarioSchema = Type.Object({
  name: Name('Scenario name.'),
  description: Type.String({ default: '', maxLength: 2000, description: 'What the scenario shows.' }),
  seed: Type.Integer({ minimum: 0, maximum: 4294967295, description: 'Seed of every random choice.' }),
  start: Type.Optional(Type.String({ format: 'date-time', description: 'Virtual start time of --output runs (default 2024-07-16T00:00:00Z); live runs start now.' })),
  duration_secs: Secs(300, 'How long the scenario runs.', 31_536_000),
  fleet: Obj({
    devices: Type.Integer({ default: 1000, minimum: 1, maximum: 5_000_000, description: 'Number of devices.' }),
    rings: Type.Array(RingSchema, { minItems: 1, maxItems: 32, description: 'Rings, smallest first.' }),
    regions: Type.Array(RegionSchema, { minItems: 1, maxItems: 64, description: 'Regions.' }),
    components: Type.Array(ComponentSchema, { minItems: 1, maxItems: 20, description: 'Components every device runs.' }),
    heartbeat_interval_secs: Type.Number({ default: 1, minimum: 0.05, maximum: 86400, description: 'Heartbeat period.', unit: 's' }),
    heartbeat_jitter: Share(0.1, 'Each period varies by up to this share.'),
    day_secs: Secs(86400, 'Length of a simulated day (compress it to see diurnal cycles in short runs).', 604800),
    os: Type.String({ default: 'Windows 10 22H2', maxLength: 200, description: 'os reported by heartbeats.' }),
  }, 'The fleet.'),
  noise: Obj({
    night_offline_share: Share(0.2, 'Share of devices switched off at night in their region (22:00-06:00 local).'),
    offline_per_device_hour: Rate(0.05, 'Rate at which a device goes offline (network loss, sleep).'),
    offline_mean_secs: Secs(600, 'Mean time a device stays offline.'),
    offline_new_boot_share: Share(0.3, 'Share of offline spells that end with a new boot.'),
    crash_per_device_hour: Rate(0.002, 'Background crash rate of an ordinary device.'),
    crash_prone_share: Share(0.002, 'Share of devices that crash far more often.'),
    crash_prone_multiplier: Rate(100, 'Crash rate factor of crash-prone devices.'),
    crash_reboot_share: Share(0.3, 'Share of background crashes that reboot the device (kernel crashes).'),
    crash_report_delay_secs: Secs(2, 'Delay between a crash and its report arriving.'),
    crash_reboot_down_secs: Secs(5, 'How long a rebooting crash keeps the device silent (its report is sent after the reboot).'),
    late_share: Share(0.005, 'Share of events delivered late.'),
    late_max_secs: Secs(30, 'Late events arrive up to this long after they were sent.'),
    duplicate_share: Share(0.002, 'Share of events delivered twice (same eventId).'),
    duplicate_max_secs: Secs(5, 'The duplicate arrives up to this long after the first delivery.'),
    skewed_clock_share: Share(0.01, 'Share of devices whose clock is off.'),
    clock_skew_max_secs: Secs(3600, 'Largest clock error (either direction).', 2_000_000),
    reboot_waves: Type.Array(RebootWaveSchema, { default: [], maxItems: 16, description: 'Fleet-wide reboot waves (Patch Tuesday).' }),
    outages: Type.Array(OutageSchema, { default: [], maxItems: 16, description: 'Collector / region outages.' }),
    crash_loops: Type.Array(CrashLoopSchema, { default: [], maxItems: 16, description: 'Single devices sending floods of crashes.' }),
  }, 'Background noise a healthy fleet shows anyway.'),
  agent: Obj({
    report_applying: Type.Boolean({ default: false, description: 'Agents send a heartbeat naming what they are about to apply (the optional applying field).' }),
  }, 'Agent behaviour.'),
  releases: Type.Array(ReleaseSchema, { default: [], maxItems: 32, description: 'Releases the release tool rolls.' }),
  rollout: Obj({
    ring_order: Type.Optional(RolloutSchema.properties.ring_order),
    spread_secs: Secs(10, 'Devices of a ring pick a release up uniformly over this time after it starts there.'),
    bake_secs: Secs(30, 'Wait after a ring started before the first verdict is read.'),
    poll_interval_secs: Type.Number({ default: 5, minimum: 0.05, maximum: 86400, description: 'How often the verdict is read again while paused.', unit: 's' }),
    inconclusive_limit_secs: Secs(120, 'Longest pause on "inconclusive" before the rollout is halted (not rolled back).'),
    verdict_error_limit: Type.Integer({ default: 4, minimum: 1, maximum: 1000, description: 'Consecutive verdict read errors before the rollout is halted (Argo consecutiveErrorLimit).' }),
    rollback_spread_secs: Secs(10, 'Devices revert over this time after a rollback.'),
  }, 'Rollout plan of the release tool.'),
}, { additionalProperties: false });

export type Scenario = Static<typeof ScenarioSchema>;
export type ReleaseSpec = Scenario['releases'][number];
export type RolloutPlan = Required<Omit<Scenario['rollout'], 'ring_order'>> & { ring_order: string[] };
