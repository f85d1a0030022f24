import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { loadScenario, parseScenario, ScenarioError } from '../../../tools/simulator/scenario-load.ts';
import { smallScenario } from './helpers.ts';
import { runCli } from '../../support/cli.ts';

const problemsOf = (text: string): string[] => {
  try {
    parseScenario(text, 'inline');
  } catch (err) {
    assert.ok(err instanceof ScenarioError);
    return err.problems;
  }
  assert.fail('scenario was accepted');
};

const VALID = `
name: t
seed: 1
fleet:
  rings: [{ name: canary, share: 0.1 }, { name: main }]
  regions: [{ name: us, share: 1 }]
  components: [{ name: agent, version: "1.0" }]
releases:
  - { component: agent, version: "2.0", effect: catastrophic }
`;

test('every shipped scenario loads', () => {
  const files = readdirSync('deploy/scenarios').filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 7, files.join(', '));
  for (const f of files) assert.ok(loadScenario(`deploy/scenarios/${f}`).name);
});

test('unknown keys, bad values and broken references are refused, each with its path, all at once', () => {
  assert.deepEqual(problemsOf(VALID.replace('seed: 1', 'seed: 1\nsede: 2')), ['sede: unrecognized key']);
  const problems = problemsOf(VALID
    .replace('share: 0.1 }', 'share: 0.1, colour: red }')
    .replace('effect: catastrophic', 'effect: explosive')
    .replace('{ name: main }', '{ name: Main }'));
  assert.ok(problems.includes('fleet.rings.0.colour: unrecognized key'), problems.join('\n'));
  assert.ok(problems.includes('releases.0.effect: must be one of healthy, catastrophic, crash_rate'), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('fleet.rings.1.name: ')), problems.join('\n'));
  const refs = problemsOf(VALID.replace('component: agent,', 'component: kernel,').replace('share: 1 }', 'share: 0.5 }')
    .replace('releases:', 'rollout:\n  ring_order: [canary, broad]\nreleases:'));
  assert.deepEqual(refs.sort(), [
    'fleet.regions: shares add up to 0.5, not 1',
    'releases.0.component: unknown component kernel',
    'rollout.ring_order.1: unknown ring broad (fleet.rings: canary, main)',
  ]);
});

test('YAML syntax errors and duplicate keys name their line', () => {
  assert.match(problemsOf('name: a\nname: b\n')[0], /^line 2: /);
});

test('overrides replace fleet size and duration; a bad override is reported like a bad file', () => {
  assert.equal(smallScenario().fleet.devices, 500);
  const s = parseScenario(VALID, 'inline', { devices: 12345, durationSecs: 7 });
  assert.equal(s.fleet.devices, 12345);
  assert.equal(s.duration_secs, 7);
  assert.throws(() => parseScenario(VALID, 'inline', { devices: 0 }), /fleet.devices: must be >= 1/);
});

test('ringwatch simulate refuses an invalid scenario with exit code 78 and the path of the problem', async () => {
  const r = await runCli(['simulate', '--scenario', 'package.json', '--output', '/dev/null']);
  assert.equal(r.code, 78);
  assert.match(r.stderr, /invalid scenario/);
  const usage = await runCli(['simulate', '--scenario', 'deploy/scenarios/crowdstrike.yaml']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /exactly one of --target and --output/);
});

test('the fleet-model keys are checked too: sites, classes, ring draws, outages, only_with, start versions', () => {
  const text = VALID
    .replace('regions: [{ name: us, share: 1 }]', `regions: [{ name: us, share: 1 }]
  sites:
    - { name: hq, region: mars, share: 0.5, classes: { server: 1, toaster: 1 }, holidays: [2024-13-45] }
    - { name: dc, region: us, share: 0.2 }
  device_classes: { laptop: { roam_share: 2 } }`)
    .replace('{ name: canary, share: 0.1 }', '{ name: canary, devices: 5, sites: [hq, nowhere], classes: [server, robot] }')
    .replace('components: [{ name: agent, version: "1.0" }]', 'components: [{ name: agent, version: "1.0", others: [{ version: "1.0", share: 0.5 }] }]')
    .replace('effect: catastrophic }', 'effect: catastrophic, only_with: { component: agent, versions: ["1.0"] } }')
    .replace('releases:', 'noise:\n  site_outages: [{ site: hq, kind: flood }]\nreleases:');
  const problems = problemsOf(text);
  for (const p of [
    'fleet.sites.0.classes.toaster: unrecognized key',
    'fleet.device_classes.laptop.roam_share: must be <= 1',
    'noise.site_outages.0.kind: must be one of power, network',
  ]) assert.ok(problems.includes(p), `${p} in:\n${problems.join('\n')}`);
  assert.ok(problems.some((p) => p.startsWith('fleet.rings.0.classes.1')), problems.join('\n'));
  const refs = problemsOf(text.replace(', toaster: 1', '').replace('roam_share: 2', 'roam_share: 0.2').replace('kind: flood', 'kind: power').replace(', robot', ''));
  assert.deepEqual(refs.sort(), [
    'fleet.components.0.others.0.version: duplicate version 1.0',
    'fleet.rings.0.sites.1: unknown site nowhere (hq, dc)',
    'fleet.sites.0.holidays.0: not a date: 2024-13-45',
    'fleet.sites.0.region: unknown region mars (fleet.regions: us)',
    'fleet.sites: shares add up to 0.7, not 1',
    'releases.0.only_with.component: must be another component than agent',
  ]);
});
