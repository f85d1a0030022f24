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
  siteChecks(s, regions, problems);
  s.fleet.components.forEach((c, i) => {
    const shares = c.others.reduce((sum, o) => sum + o.share, 0);
    if (shares >= 1) problems.push(`fleet.components.${i}.others: shares add up to ${shares}; they must leave room for ${c.version}`);
    c.others.forEach((o, k) => {
      if (o.version === c.version || c.others.findIndex((x) => x.version === o.version) !== k) problems.push(`fleet.components.${i}.others.${k}.version: duplicate version ${o.version}`);
    });
  });
  s.releases.forEach((r, i) => {
    const base = s.fleet.components.find((c) => c.name === r.component);
    if (base?.others.some((o) => o.version === r.version)) problems.push(`releases.${i}.version: ${r.version} is already run by part of the fleet`);
    if (!r.only_with) return;
    if (r.only_with.component === r.component) problems.push(`releases.${i}.only_with.component: must be another component than ${r.component}`);
    else if (!components.includes(r.only_with.component)) problems.push(`releases.${i}.only_with.component: unknown component ${r.only_with.component}`);
  });
  s.noise.crash_loops.forEach((c, i) => {
    if (c.device >= s.fleet.devices) problems.push(`noise.crash_loops.${i}.device: ${c.device} is beyond fleet.devices (${s.fleet.devices})`);
  });
}

function siteChecks(s: Scenario, regions: string[], problems: string[]): void {
  const sites = s.fleet.sites.map((x) => x.name);
  unique(sites, 'fleet.sites', problems);
  s.fleet.sites.forEach((site, i) => {
    if (!regions.includes(site.region)) problems.push(`fleet.sites.${i}.region: unknown region ${site.region} (fleet.regions: ${regions.join(', ')})`);
    site.holidays.forEach((d, k) => {
      if (Number.isNaN(Date.parse(`${d}T00:00:00Z`))) problems.push(`fleet.sites.${i}.holidays.${k}: not a date: ${d}`);
    });
  });
  if (sites.length) {
    const total = s.fleet.sites.reduce((sum, x) => sum + x.share, 0);
    if (Math.abs(total - 1) > 1e-6) problems.push(`fleet.sites: shares add up to ${total}, not 1`);
  }
  // Without sites every region is one site, named after it.
  const known = sites.length ? sites : regions;
  s.fleet.rings.forEach((r, i) => r.sites?.forEach((name, k) => {
    if (!known.includes(name)) problems.push(`fleet.rings.${i}.sites.${k}: unknown site ${name} (${known.join(', ')})`);
  }));
  s.noise.site_outages.forEach((o, i) => {
    if (!known.includes(o.site)) problems.push(`noise.site_outages.${i}.site: unknown site ${o.site} (${known.join(', ')})`);
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
