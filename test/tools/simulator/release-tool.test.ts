import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulation } from '../../../tools/simulator/simulation.ts';
import { httpVerdictSource } from '../../../tools/simulator/verdict-http.ts';
import { summarize } from '../../../tools/simulator/summary.ts';
import { runLive } from '../../../tools/simulator/live-run.ts';
import type { Deployment } from '../../../common/contract/events.ts';
import { collect, fakeServer, json, smallScenario } from './helpers.ts';

const TEMPLATE = '/v1/verdicts/{component}/{version}?ring={ring}';
const withRelease = (patch: Record<string, unknown> = {}) => smallScenario({
  duration_secs: 120, releases: [{ component: 'agent', version: '2.0', start_secs: 5, effect: 'healthy' }], ...patch,
});
const steps = (sim: Simulation) => summarize(sim.model, sim.tool, sim.counts).actions.map((a) => `${a.ring}:${a.action}${a.reason ? `(${a.reason})` : ''}`);

test('pauses on "inconclusive", resumes on "pass", halts and rolls back every ring reached on "fail"', async () => {
  const reads: Record<string, number> = {};
  const server = await fakeServer((req, _body, res) => {
    const ring = new URL(req.url ?? '', 'http://x').searchParams.get('ring') ?? '';
    reads[ring] = (reads[ring] ?? 0) + 1;
    const verdict = ring === 'canary' ? (reads[ring] > 13 ? 'pass' : 'inconclusive') : 'fail';
    json(res, 200, { data: { verdict, reason: 'test' } });
  });
  try {
    const sim = new Simulation(withRelease(), { verdicts: httpVerdictSource(server.url + TEMPLATE, { timeoutMs: 2000 }) });
    await collect(sim);
    assert.deepEqual(steps(sim), [
      'canary:started', 'canary:paused', 'canary:resumed', 'canary:completed', 'early:started',
      'early:halted(verdict_fail)', 'early:rolled_back', 'canary:rolled_back',
    ]);
    assert.equal(server.requests[0].path, '/v1/verdicts/agent/2.0?ring=canary');
    const exposure = sim.model.releases[0].receivedByRing;
    assert.ok(exposure[0] > 0 && exposure[1] > 0);
    assert.equal(exposure[2], 0, 'main ring never received it');
    assert.ok(sim.model.releases[0].reverted >= exposure[0] + exposure[1] - 2, 'devices reverted after the rollback');
  } finally {
    await server.close();
  }
});

test('stays paused while "inconclusive", up to the limit, then halts without rolling back', async () => {
  const server = await fakeServer((_req, _body, res) => json(res, 200, { data: { verdict: 'inconclusive' } }));
  try {
    const sim = new Simulation(withRelease(), { verdicts: httpVerdictSource(server.url + TEMPLATE, { timeoutMs: 2000 }) });
    await collect(sim);
    assert.deepEqual(steps(sim), ['canary:started', 'canary:paused', 'canary:halted(inconclusive_limit)']);
    const paused = sim.tool.log.find((r) => r.action === 'paused')?.atMs ?? 0;
    const halted = sim.tool.log.find((r) => r.action === 'halted')?.atMs ?? 0;
    assert.ok(halted - paused >= 5000, 'kept polling for inconclusive_limit_secs');
    assert.ok(server.requests.length >= 15);
  } finally {
    await server.close();
  }
});

test('verdict API errors are not "fail": after the error limit the rollout halts, nothing is rolled back', async () => {
  const server = await fakeServer((_req, _body, res) => json(res, 503, { error: 'unavailable' }, { 'retry-after': '5' }));
  try {
    const sim = new Simulation(withRelease(), { verdicts: httpVerdictSource(server.url + TEMPLATE, { timeoutMs: 2000 }) });
    await collect(sim);
    assert.deepEqual(steps(sim), ['canary:started', 'canary:halted(verdict_errors)']);
    assert.equal(server.requests.length, 4);
  } finally {
    await server.close();
  }
});

test('live run: heartbeats with the device token, deployments with the release token, ring by ring', async () => {
  const collector = await fakeServer((_req, body, res) => json(res, 200, { accepted: (JSON.parse(body) as { events: unknown[] }).events.length, rejected: 0, errors: [] }));
  const verdicts = await fakeServer((_req, _body, res) => json(res, 200, { data: { verdict: 'pass' } }));
  try {
    const scenario = smallScenario({
      duration_secs: 5, fleet: { devices: 100, heartbeat_interval_secs: 0.5 },
      releases: [{ component: 'agent', version: '2.0', start_secs: 0.5, effect: 'healthy' }],
      rollout: { spread_secs: 0.3, bake_secs: 1, poll_interval_secs: 0.5 },
    });
    const summary = await runLive(scenario, {
      target: collector.url, tokens: { device: ['dev-secret'], release: 'rel-secret' },
      verdicts: httpVerdictSource(verdicts.url + TEMPLATE, { timeoutMs: 2000 }), speed: 1, tickMs: 50, flushTimeoutMs: 5000,
    });
    const deployments = collector.requests.filter((r) => r.path === '/v1/deployments');
    const heartbeats = collector.requests.filter((r) => r.path === '/v1/heartbeats');
    assert.ok(deployments.every((r) => r.headers.authorization === 'Bearer rel-secret'));
    assert.ok(heartbeats.length > 0 && heartbeats.every((r) => r.headers.authorization === 'Bearer dev-secret'));
    const actions = deployments.flatMap((r) => (JSON.parse(r.body) as { events: Deployment[] }).events.map((d) => `${d.ring}:${d.action}`));
    assert.deepEqual(actions, ['canary:started', 'canary:completed', 'early:started', 'early:completed', 'main:started', 'main:completed']);
    assert.ok(summary.driver && summary.driver.accepted > 700, `${summary.driver?.accepted} accepted`);
    assert.equal(summary.driver?.failed, 0);
    // Live events carry real time: the first heartbeat was sent within the test's run.
    const first = (JSON.parse(heartbeats[0].body) as { events: { sentAt: string }[] }).events[0];
    assert.ok(Math.abs(Date.parse(first.sentAt) - heartbeats[0].atMs) < 2000);
  } finally {
    await collector.close();
    await verdicts.close();
  }
});
