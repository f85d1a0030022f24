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

export const DEVICE_CLASSES = ['server', 'workstation', 'laptop'] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];
const ClassName = Type.Union(DEVICE_CLASSES.map((c) => Type.Literal(c)));

const RingSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, pattern: RING_PATTERN, description: 'Ring name (lower case).' }),
  share: Share(0, 'Share of the fleet in this ring; the last ring takes whatever the others leave.'),
  devices: Type.Optional(Type.Integer({ minimum: 1, maximum: 5_000_000, description: 'Exact ring size (instead of share).' })),
  sites: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 64, description: 'Draw the ring from these sites first (a canary ring is often the IT office).' })),
  classes: Type.Optional(Type.Array(ClassName, { minItems: 1, maxItems: 3, description: 'Draw the ring from these device classes first.' })),
}, { additionalProperties: false });

/** Shares of device classes; they need not add up to 1 (they are weights). */
const ClassMixSchema = Type.Object({
  server: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  workstation: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  laptop: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
}, { additionalProperties: false, description: 'Weights of device classes (server: always on; workstation: office hours; laptop: office hours, sleeps, roams).' });

const HOUR = (def: number, description: string) => Type.Number({ default: def, minimum: 0, maximum: 24, description, unit: 'h' });
const officeProps = (start: number, end: number) => ({
  work_hours: Type.Tuple([HOUR(start, 'On from (local hour).'), HOUR(end, 'Off at (local hour).')], { default: [start, end], description: 'Local working hours on weekdays (Monday to Friday).' }),
  start_spread_hours: HOUR(1, 'Each device switches on up to this long before or after the start.'),
  end_spread_hours: HOUR(1.5, 'Each device switches off up to this long before or after the end.'),
  left_on_share: Share(0.05, 'Share of these devices that are never switched off.'),
});

const SiteSchema = Type.Object({
  name: Name('Site name (office, data centre); its devices share power, network and holidays.'),
  region: Name('Region of the site (its time zone and collector).'),
  share: Type.Number({ minimum: 0, maximum: 1, description: 'Share of the fleet at this site.' }),
  classes: Type.Optional(ClassMixSchema),
  holidays: Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10 }), { default: [], maxItems: 64, description: 'Local dates (YYYY-MM-DD) the office is dark: workstations and laptops stay off.' }),
  observes_summer_time: Type.Boolean({ default: true, description: "Whether the site follows its region's summer_time (false: a site that never changes its clocks, e.g. Arizona in a US region)." }),
}, { additionalProperties: false });

const RegionSchema = Type.Object({
  name: Name('Region name; also names its collector (collector-<region>) in envelopes.'),
  share: Type.Number({ minimum: 0, maximum: 1, description: 'Share of the fleet in this region.' }),
  utc_offset_hours: Type.Number({ default: 0, minimum: -12, maximum: 14, description: 'Local time offset (for night-time and office hours), outside summer time.' }),
  summer_time: Type.Array(Type.Object({
    from: Type.String({ format: 'date-time', maxLength: 40, description: 'When the clocks go forward (UTC instant).' }),
    to: Type.String({ format: 'date-time', maxLength: 40, description: 'When they go back (UTC instant).' }),
  }, { additionalProperties: false }), { default: [], maxItems: 16, description: 'Spans of summer time (daylight saving): local time is utc_offset_hours + 1 within each. Absolute instants: meaningful at day_secs 86400 only.' }),
}, { additionalProperties: false });

const ComponentSchema = Type.Object({
  name: Name('Component name (agent, channel-291, os, ...).'),
  version: Name('Version every device runs at the start (except those of `others`).'),
  others: Type.Array(Type.Object({
    version: Name('Another version some devices run at the start.'),
    share: Share(0, 'Share of the fleet running it.'),
  }, { additionalProperties: false }), { default: [], maxItems: 16, description: 'Older or newer versions part of the fleet runs (N-1, N-2 pinning).' }),
}, { additionalProperties: false });

// A release's own rollout keys have no defaults: a default would be filled in whenever the release names
// any rollout key, and silently override the scenario's plan (a release with only all_rings_at_once got
// a 30-second bake).
const PlanSecs = (description: string) => Type.Number({ minimum: 0, maximum: 31_536_000, description, unit: 's' });

const RolloutSchema = Type.Object({
  ring_order: Type.Optional(Type.Array(Type.String({ pattern: RING_PATTERN, maxLength: 64 }), { minItems: 1, maxItems: 32, description: 'Rings in rollout order (default: the fleet rings in order).' })),
  spread_secs: Type.Optional(PlanSecs('Devices of a ring pick a release up uniformly over this time after it starts there.')),
  bake_secs: Type.Optional(PlanSecs('Wait after a ring started before the first verdict is read.')),
  poll_interval_secs: Type.Optional(PlanSecs('How often the verdict is read again while a ring is paused (inconclusive or errors).')),
  inconclusive_limit_secs: Type.Optional(PlanSecs('Longest pause on "inconclusive" before the rollout is halted (not rolled back).')),
  verdict_error_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Consecutive verdict read errors before the rollout is halted (Argo consecutiveErrorLimit).' })),
  rollback_spread_secs: Type.Optional(PlanSecs('Devices revert over this time after a rollback.')),
  all_rings_at_once: Type.Optional(Type.Boolean({ description: 'Push to every ring in one step (19 July 2024): started everywhere, a verdict read per ring.' })),
}, { additionalProperties: false, description: 'Rollout plan (per release, any key overrides the scenario plan).' });

const ReleaseSchema = Type.Object({
  component: Name('Component released (must be one of fleet.components).'),
  version: Name('New version.'),
  start_secs: Secs(0, 'When the release tool starts rolling it.'),
  effect: Type.Union(RELEASE_EFFECTS.map((e) => Type.Literal(e)), { default: 'healthy', description: 'What the release does to a device that takes it.' }),
  crash_multiplier: Type.Number({ default: 2, minimum: 0, maximum: 10000, description: 'crash_rate: factor on the device crash rate while it runs this version.' }),
  crash_report_share: Share(0.05, 'catastrophic: share of devices whose crash report gets out before the boot loop.'),
  only_with: Type.Optional(Type.Object({
    component: Name('Another component.'),
    versions: Type.Array(Name('Version.'), { minItems: 1, maxItems: 16 }),
  }, { additionalProperties: false, description: 'The effect hits only devices running one of these versions of another component; the others take the release healthily (19 July: the content crashed only some sensor versions).' })),
  restart_secs: Secs(0, 'healthy / crash_rate: the device restarts to finish the update and is dark for this long on average (uniform over 0.5-1.5 times it; an OS update that reboots), back with a new boot id. 0: no restart.', 86400),
  heartbeat_interval_secs: Secs(0, 'healthy / crash_rate: devices that take the release heartbeat at this interval from then on (an update that changes how often the agent checks in); back to the fleet interval if rolled back. 0: unchanged.', 86400),
  declared_downtime_secs: Secs(0, 'The release tool declares this downtime on its starts (`expectedDowntimeSecs`): how long a device may be dark taking it. 0: none declared.', 86400),
  announced: Type.Boolean({ default: true, description: 'false: a change with no rollout record at all (no deployment events; the tool does not ask for verdicts).' }),
  feed_delay_secs: Secs(0, 'The rollout feed (deployment events) reaches the collector this late.', 86400),
  rollout: Type.Optional(RolloutSchema),
}, { additionalProperties: false });

const OutageSchema = Type.Object({
  region: Name('Region whose collector stops receiving.'),
  start_secs: Secs(0, 'When its heartbeats and crashes stop arriving.'),
  duration_secs: Secs(60, 'How long.'),
  backfill: Type.Boolean({ default: true, description: 'Deliver what was held back when the outage ends (late, in a burst).' }),
  backfill_spread_secs: Secs(5, 'The backfill arrives over this time.'),
}, { additionalProperties: false });

const SiteOutageSchema = Type.Object({
  site: Name('Site that goes dark.'),
  start_secs: Secs(0, 'When.'),
  duration_secs: Secs(3600, 'How long.'),
  kind: Type.Union([Type.Literal('power'), Type.Literal('network')], { default: 'power', description: 'power: every device is off (new boot on return); network: devices run on and their agents buffer events until it is back.' }),
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
    sites: Type.Array(SiteSchema, { default: [], maxItems: 256, description: 'Sites (offices, data centres); none: one site per region.' }),
    classes: Type.Optional(ClassMixSchema),
    device_classes: Obj({
      workstation: Type.Object(officeProps(8, 18), { additionalProperties: false, default: {} }),
      laptop: Type.Object({
        ...officeProps(8.5, 17.5),
        sleep_per_hour: Rate(0.3, 'Rate of lid-closed sleeps during the working day.'),
        sleep_mean_secs: Secs(1200, 'Mean length of such a sleep.'),
        roam_share: Share(0.3, 'Share of wake-ups on another network, behind the remote collector (collector-remote).'),
      }, { additionalProperties: false, default: {} }),
    }, 'Behaviour of each device class (fleet.classes / sites[].classes say how many).'),
    os: Type.String({ default: 'Windows 10 22H2', maxLength: 200, description: 'os reported by heartbeats.' }),
    class_labels: Type.Boolean({ default: true, description: 'Heartbeats carry the device class as labels.class (server, workstation, laptop), as endpoint agents report chassis or product type; false: agents that do not report it (crash reports never carry labels).' }),
  }, 'The fleet.'),
  noise: Obj({
    night_offline_share: Share(0.2, 'Share of devices switched off at night in their region (22:00-06:00 local).'),
    offline_per_device_hour: Rate(0.05, 'Rate at which a device goes offline (network loss, sleep).'),
    offline_mean_secs: Secs(600, 'Mean time a device stays offline.'),
    offline_new_boot_share: Share(0.3, 'Share of offline spells that end with a new boot.'),
    crash_per_device_hour: Rate(0.002, 'Background crash rate of an ordinary device.'),
    crash_prone_share: Share(0.002, 'Share of devices that crash far more often.'),
    crash_prone_multiplier: Rate(100, 'Crash rate factor of crash-prone devices.'),
    crash_class_multipliers: Type.Object({
      server: Type.Number({ default: 1, minimum: 0, maximum: 100 }),
      workstation: Type.Number({ default: 1, minimum: 0, maximum: 100 }),
      laptop: Type.Number({ default: 1, minimum: 0, maximum: 100 }),
    }, { additionalProperties: false, default: {}, description: 'Crash rate factor by device class: workstations and laptops run more software, and crash more, than servers.' }),
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
    site_outages: Type.Array(SiteOutageSchema, { default: [], maxItems: 16, description: 'Site power or network outages (a site shares both).' }),
    delivery_delay_max_secs: Secs(0, 'Every event reaches its collector up to this long after it was sent (network, batching).', 3600),
    frail_share: Share(0, 'Share of frail devices: they drop out far more often, and come back with a new boot.'),
    frail_offline_multiplier: Rate(20, 'Offline-spell rate factor of frail devices.'),
    crash_loops: Type.Array(CrashLoopSchema, { default: [], maxItems: 16, description: 'Single devices sending floods of crashes.' }),
  }, 'Background noise a healthy fleet shows anyway.'),
  agent: Obj({
    report_applying: Type.Boolean({ default: false, description: 'Agents send a heartbeat naming what they are about to apply (the optional applying field).' }),
    report_interval: Type.Boolean({ default: false, description: "Agents state their heartbeat interval in every heartbeat (the optional intervalSecs field): a release's heartbeat_interval_secs then shows at once." }),
    buffer_max_events: Type.Integer({ default: 1000, minimum: 0, maximum: 1_000_000, description: 'Events an agent holds while its network is down (site network outage); later ones are dropped.' }),
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
    all_rings_at_once: Type.Boolean({ default: false, description: 'Push to every ring in one step (19 July 2024).' }),
  }, 'Rollout plan of the release tool.'),
}, { additionalProperties: false });

export type Scenario = Static<typeof ScenarioSchema>;
export type ReleaseSpec = Scenario['releases'][number];
export type RolloutPlan = Required<Omit<Scenario['rollout'], 'ring_order'>> & { ring_order: string[] };
