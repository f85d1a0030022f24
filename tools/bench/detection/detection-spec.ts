// The detection benchmark's spec file (deploy/examples/detection-bench.yaml): fixed thresholds (a ringwatch
// config), time-base profiles, and scenario families with separate tuning and evaluation seeds. Strict
// like every other file ringwatch reads: unknown keys refused, every problem reported with its path.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { buildConfig } from '../../../app/config.ts';
import type { Config } from '../../../app/config.ts';
import { buildScenario, loadScenario } from '../../simulator/scenario-load.ts';
import type { Scenario } from '../../simulator/scenario-schema.ts';

const Seeds = Type.Array(Type.Integer({ minimum: 0, maximum: 4294967295 }), { minItems: 1, maxItems: 1000 });

const FamilySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  description: Type.String({ maxLength: 500 }),
  scenario: Type.String({ minLength: 1, maxLength: 500, description: 'Scenario file, relative to the repository root.' }),
  profile: Type.String({ minLength: 1, maxLength: 64 }),
  duration_secs: Type.Integer({ minimum: 10, maximum: 31_536_000 }),
  devices: Type.Array(Type.Integer({ minimum: 10, maximum: 1_000_000 }), { minItems: 1, maxItems: 100, description: 'Fleet sizes, cycled over the seeds.' }),
  first_ring_shares: Type.Optional(Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 0.5 }), { minItems: 1, maxItems: 100, description: 'First-ring shares, cycled over the seeds.' })),
  first_ring_devices: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 100_000 }), { minItems: 1, maxItems: 100, description: 'First-ring sizes in devices, cycled over the seeds (instead of shares).' })),
  patch: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Merged into the scenario (objects key by key, arrays replaced), then validated like a scenario file.' })),
  tuning_seeds: Seeds,
  evaluation_seeds: Seeds,
}, { additionalProperties: false });

const ProfileSchema = Type.Object({
  processor: Type.Object({
    heartbeat_interval_secs: Type.Integer({ minimum: 1 }),
    window_secs: Type.Integer({ minimum: 1 }),
    attribution_time_scale_secs: Type.Optional(Type.Integer({ minimum: 1 })),
    crash_episode_secs: Type.Optional(Type.Integer({ minimum: 1 })),
    silence_memory_min_secs: Type.Optional(Type.Integer({ minimum: 0 })),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

export const BenchSpecSchema = Type.Object({
  ringwatch: Type.Record(Type.String(), Type.Unknown()),
  profiles: Type.Record(Type.String({ minLength: 1 }), ProfileSchema),
  default_profiles: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'Profiles run when no --profile or --family is given.' })),
  families: Type.Array(FamilySchema, { minItems: 1, maxItems: 200 }),
}, { additionalProperties: false });

export type BenchSpec = Static<typeof BenchSpecSchema>;
export type Family = BenchSpec['families'][number];
export type SeedSet = 'tuning' | 'evaluation';

/** One scenario instance to replay: a family's scenario with this seed, size and first-ring share. */
export interface BenchRun {
  family: Family;
  seed: number;
  scenario: Scenario;
  config: Config;
}

export function loadBenchSpec(file: string): BenchSpec {
  const raw: unknown = parse(readFileSync(file, 'utf8'));
  const problems = [...Value.Errors(BenchSpecSchema, raw)].map((e) => `${e.path || '(root)'}: ${e.message}`);
  const spec = raw as BenchSpec;
  if (!problems.length) {
    spec.families.forEach((f, i) => {
      if (!spec.profiles[f.profile]) problems.push(`/families/${i}/profile: unknown profile ${f.profile}`);
      if (!f.first_ring_shares === !f.first_ring_devices) problems.push(`/families/${i}: give exactly one of first_ring_shares and first_ring_devices`);
      if (spec.families.findIndex((g) => g.name === f.name) !== i) problems.push(`/families/${i}/name: duplicate family ${f.name}`);
      for (const p of spec.default_profiles ?? []) if (!spec.profiles[p] && i === 0) problems.push(`/default_profiles: unknown profile ${p}`);
      const overlap = f.tuning_seeds.filter((s) => f.evaluation_seeds.includes(s));
      if (overlap.length) problems.push(`/families/${i}: seeds ${overlap.join(', ')} are both tuning and evaluation seeds`);
    });
  }
  if (problems.length) throw new Error(`invalid benchmark spec ${file}:\n  ${problems.join('\n  ')}`);
  return spec;
}

/** The runs of one family for one seed set; the config is validated like any ringwatch config. */
export function runsOf(spec: BenchSpec, family: Family, seeds: SeedSet, root: string): BenchRun[] {
  const ringwatch = spec.ringwatch as { processor?: Record<string, unknown> } & Record<string, unknown>;
  const config = buildConfig({
    ...ringwatch,
    processor: { ...ringwatch.processor, ...spec.profiles[family.profile].processor },
  }, {});
  const list = seeds === 'tuning' ? family.tuning_seeds : family.evaluation_seeds;
  const file = `${root}/${family.scenario}`;
  const loaded = loadScenario(file);
  const patched = family.patch ? deepMerge(loaded, family.patch) : loaded;
  return list.map((seed, k) => {
    const base = buildScenario(patched, `${family.scenario} + patch of family ${family.name}`, {
      devices: family.devices[k % family.devices.length], durationSecs: family.duration_secs,
    });
    const first = (r: Scenario['fleet']['rings'][number]): Scenario['fleet']['rings'][number] => {
      if (family.first_ring_devices) return { ...r, devices: family.first_ring_devices[k % family.first_ring_devices.length] };
      const shares = family.first_ring_shares ?? [r.share];
      const { devices: _ignored, ...rest } = r;
      return { ...rest, share: shares[k % shares.length] };
    };
    const scenario: Scenario = { ...base, seed, fleet: { ...base.fleet, rings: base.fleet.rings.map((r, i) => (i === 0 ? first(r) : r)) } };
    return { family, seed, scenario, config };
  });
}

/** Objects merged key by key, anything else (arrays included) replaced. */
export function deepMerge<T>(base: T, patch: unknown): T {
  if (!isPlain(base) || !isPlain(patch)) return structuredClone(patch) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) out[key] = key in out ? deepMerge(out[key], value) : structuredClone(value);
  return out as T;
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
