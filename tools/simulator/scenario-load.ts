// Read and check a scenario file. Shape errors come from the schema, with dotted paths; the checks the
// schema cannot express (names that must refer to each other, shares that must add up) follow.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';
import type { TSchema } from '@sinclair/typebox';
import { registerFormats } from '../../common/contract/formats.ts';
import { describeValueError as describe, dottedPath as dotted } from '../../common/config/load.ts';
import { ScenarioSchema, type ReleaseSpec, type RolloutPlan, type Scenario } from './scenario-schema.ts';

export class ScenarioError extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`invalid scenario (${source}):\n  ${problems.join('\n  ')}`);
    this.name = 'ScenarioError';
    this.problems = problems;
  }
}

export interface ScenarioOverrides {
  devices?: number;
  durationSecs?: number;
}

function unique(names: string[], path: string, problems: string[]): void {
  names.forEach((n, i) => { if (names.indexOf(n) !== i) problems.push(`${path}.${i}.name: duplicate name ${n}`); });
}

function crossChecks(s: Scenario, problems: string[]): void {
  const rings = s.fleet.rings.map((r) => r.name);
  const regions = s.fleet.regions.map((r) => r.name);
  const components = s.fleet.components.map((c) => c.name);
  unique(rings, 'fleet.rings', problems);
  unique(regions, 'fleet.regions', problems);
  unique(components, 'fleet.components', problems);
  const ringShares = s.fleet.rings.slice(0, -1).reduce((sum, r) => sum + r.share, 0);
  if (ringShares >= 1) problems.push(`fleet.rings: shares of all rings but the last add up to ${ringShares}; they must leave room for the last`);
  const regionShares = s.fleet.regions.reduce((sum, r) => sum + r.share, 0);
  if (Math.abs(regionShares - 1) > 1e-6) problems.push(`fleet.regions: shares add up to ${regionShares}, not 1`);
  const checkOrder = (order: string[] | undefined, path: string) => order?.forEach((r, i) => {
    if (!rings.includes(r)) problems.push(`${path}.${i}: unknown ring ${r} (fleet.rings: ${rings.join(', ')})`);
  });
  checkOrder(s.rollout.ring_order, 'rollout.ring_order');
  s.releases.forEach((r, i) => {
    if (!components.includes(r.component)) problems.push(`releases.${i}.component: unknown component ${r.component}`);
    const base = s.fleet.components.find((c) => c.name === r.component)?.version;
    if (base === r.version) problems.push(`releases.${i}.version: ${r.version} is already the fleet's version`);
    checkOrder(r.rollout?.ring_order, `releases.${i}.rollout.ring_order`);
  });
  s.noise.outages.forEach((o, i) => {
    if (!regions.includes(o.region)) problems.push(`noise.outages.${i}.region: unknown region ${o.region}`);
  });
  s.noise.crash_loops.forEach((c, i) => {
    if (c.device >= s.fleet.devices) problems.push(`noise.crash_loops.${i}.device: ${c.device} is beyond fleet.devices (${s.fleet.devices})`);
  });
}

/** Check a parsed scenario; throws ScenarioError listing every problem. */
export function buildScenario(input: unknown, source = 'scenario', overrides: ScenarioOverrides = {}): Scenario {
  registerFormats();
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ScenarioError(source, ['(root): must be a mapping']);
  const raw = structuredClone(input) as Record<string, unknown>;
  const withDefaults = Value.Default(ScenarioSchema, raw) as Scenario;
  if (overrides.devices !== undefined && withDefaults.fleet && typeof withDefaults.fleet === 'object') withDefaults.fleet.devices = overrides.devices;
  if (overrides.durationSecs !== undefined) withDefaults.duration_secs = overrides.durationSecs;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(ScenarioSchema, withDefaults)) {
    if (!seen.has(e.path)) problems.push(`${dotted(e.path)}: ${describe(e.type, e.message, e.schema)}`);
    seen.add(e.path);
  }
  if (problems.length) throw new ScenarioError(source, problems);
  crossChecks(withDefaults, problems);
  if (problems.length) throw new ScenarioError(source, problems);
  return withDefaults;
}

export function parseScenario(text: string, source = 'scenario', overrides: ScenarioOverrides = {}): Scenario {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) {
    throw new ScenarioError(source, doc.errors.map((e) => `line ${e.linePos?.[0].line ?? '?'}: ${e.message.split('\n')[0]}`));
  }
  return buildScenario(doc.toJS(), source, overrides);
}

export function loadScenario(file: string, overrides: ScenarioOverrides = {}): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(file, [`cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`]);
  }
  return parseScenario(text, file, overrides);
}

/** The rollout plan of one release: the scenario plan with the release's own keys on top. */
export function rolloutPlanOf(s: Scenario, release: ReleaseSpec): RolloutPlan {
  const { ring_order, ...plan } = s.rollout;
  const own = Object.fromEntries(Object.entries(release.rollout ?? {}).filter(([, v]) => v !== undefined));
  return { ...plan, ring_order: ring_order ?? s.fleet.rings.map((r) => r.name), ...own } as RolloutPlan;
}
