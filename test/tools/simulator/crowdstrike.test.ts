import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../../tools/simulator/scenario-load.ts';
import { summarize } from '../../../tools/simulator/summary.ts';
import { BOOT_LOOP } from '../../../tools/simulator/fleet.ts';
import { deviceIdOf } from '../../../tools/simulator/emitter.ts';
import type { Crash, Heartbeat } from '../../../common/contract/events.ts';
import { Simulation } from '../../../tools/simulator/simulation.ts';
import { collect, runScenario } from './helpers.ts';

const OLD = '2024-07-18.0409';
const NEW = '2024-07-19.0409';

test('devices that load the bad channel file go silent, and their last heartbeat names the OLD version', async () => {
  const s = loadScenario('deploy/scenarios/crowdstrike.yaml', { devices: 1000, durationSecs: 150 });
  const { sim, events } = await runScenario(s);
  const rel = sim.model.releases[0];
  const lastHeartbeat = new Map<string, { at: number; hb: Heartbeat }>();
  for (const e of events) if (e.kind === 'heartbeat') lastHeartbeat.set((e.event as Heartbeat).deviceId, { at: e.receivedAtMs, hb: e.event as Heartbeat });
  const looped = [...Array(sim.model.fleet.size).keys()].filter((i) => rel.received[i]);
  assert.ok(looped.length > 500, `${looped.length} devices took it`);
  for (const i of looped) {
    assert.equal(sim.model.fleet.state[i], BOOT_LOOP);
    const last = lastHeartbeat.get(deviceIdOf(i));
    if (!last) continue; // asleep (night) when the scenario began: never heard from at all
    assert.equal(last.hb.components['channel-291'], OLD, `${deviceIdOf(i)} last heartbeat`);
  }
  // Nobody heartbeats with the new version, and crash reports naming it are rare.
  assert.ok(!events.some((e) => e.kind === 'heartbeat' && (e.event as Heartbeat).components['channel-291'] === NEW));
  const reports = events.filter((e) => e.kind === 'crash' && (e.event as Crash).components['channel-291'] === NEW).length;
  assert.ok(reports > 0 && reports < looped.length * 0.15, `${reports} crash reports from ${looped.length} crashed devices`);
  // Once the main ring has picked it up (spread 10 s), heartbeats drop by the looped share.
  const endMs = sim.endMs;
  const lastSecond = events.filter((e) => e.kind === 'heartbeat' && e.receivedAtMs >= endMs - 1000).length;
  assert.ok(lastSecond < (sim.model.fleet.size - looped.length) * 1.1, `${lastSecond} heartbeats in the last second`);
});

test('a "fail" verdict in the canary ring halts and rolls back there: the blast radius stays in canary', async () => {
  const s = loadScenario('deploy/scenarios/crowdstrike.yaml', { devices: 1000, durationSecs: 150 });
  const sim: Simulation = new Simulation(s, {
    // A stand-in detector: fail as soon as a canary device has taken the release (and so gone silent).
    verdicts: (q) => (q.ring === 'canary' && sim.model.releases[0].receivedByRing[0] >= 1 ? 'fail' : 'inconclusive'),
  });
  const events = await collect(sim);
  const summary = summarize(sim.model, sim.tool, sim.counts);
  const [release] = summary.releases;
  assert.equal(release.outcome, 'rolled_back');
  assert.equal(release.haltReason, 'verdict_fail');
  assert.deepEqual(Object.keys(release.exposure.byRing).filter((r) => release.exposure.byRing[r] > 0), ['canary']);
  assert.ok(release.exposure.total <= 5);
  assert.deepEqual(summary.actions.map((a) => `${a.ring}:${a.action}`), ['canary:started', 'canary:halted', 'canary:rolled_back']);
  const deployments = events.filter((e) => e.kind === 'deployment').map((e) => (e.event as { action: string }).action);
  assert.deepEqual(deployments, ['started', 'halted', 'rolled_back']);
});

test('with report_applying, the last heartbeat of a crashed device names the version it was about to apply', async () => {
  const s = loadScenario('deploy/scenarios/two-releases.yaml', { devices: 600, durationSecs: 100 });
  const { sim, events } = await runScenario(s);
  const rel = sim.model.releases[1];
  const last = new Map<string, Heartbeat>();
  // Last sent (a late delivery of an earlier heartbeat may arrive after it).
  for (const e of events) {
    const hb = e.event as Heartbeat;
    if (e.kind === 'heartbeat' && hb.sentAt >= (last.get(hb.deviceId)?.sentAt ?? '')) last.set(hb.deviceId, hb);
  }
  const crashed = [...Array(sim.model.fleet.size).keys()].filter((i) => rel.received[i]).map(deviceIdOf);
  assert.ok(crashed.length > 5);
  for (const id of crashed) {
    const hb = last.get(id);
    assert.ok(hb, id);
    assert.equal(hb.applying?.['channel-291'], NEW);
    assert.equal(hb.components['channel-291'], OLD);
  }
});
