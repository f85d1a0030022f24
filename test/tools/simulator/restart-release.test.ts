// A release with `restart_secs` models an update that restarts its devices to finish (an OS patch): each
// device that takes it goes dark for 0.5-1.5 times that, then heartbeats again on the new version under a
// new boot id; with `declared_downtime_secs` the release tool's start events say so (expectedDowntimeSecs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, Heartbeat } from '../../../common/contract/events.ts';
import { runScenario, smallScenario } from './helpers.ts';

const restarting = (declared?: number) => smallScenario({
  releases: [{ component: 'agent', version: '2.0', start_secs: 5, effect: 'healthy', restart_secs: 10, ...(declared ? { declared_downtime_secs: declared } : {}) }],
});

test('a restarting update: each device is dark 5-15 s after taking it, then back on it with a new boot id', async () => {
  const { events } = await runScenario(restarting());
  const byDevice = new Map<string, { t: number; hb: Heartbeat }[]>();
  for (const e of events) {
    if (e.kind !== 'heartbeat') continue;
    const hb = e.event as Heartbeat;
    const list = byDevice.get(hb.deviceId) ?? [];
    list.push({ t: Date.parse(hb.sentAt), hb });
    byDevice.set(hb.deviceId, list);
  }
  let restarted = 0;
  for (const beats of byDevice.values()) {
    const first = beats.findIndex((b) => b.hb.components.agent === '2.0');
    if (first <= 0) continue;
    const gap = (beats[first].t - beats[first - 1].t) / 1000;
    assert.ok(gap >= 5 && gap <= 16.5, `dark ${gap} s`);
    assert.notEqual(beats[first].hb.bootId, beats[first - 1].hb.bootId, 'back under a new boot id');
    restarted++;
  }
  assert.ok(restarted >= 5, `${restarted} devices took it`);
});

test('declared_downtime_secs goes out on the release tool starts only', async () => {
  const { events } = await runScenario(restarting(45));
  const deployments = events.filter((e) => e.kind === 'deployment').map((e) => e.event as Deployment);
  assert.ok(deployments.some((d) => d.action === 'started'));
  for (const d of deployments) assert.equal(d.expectedDowntimeSecs, d.action === 'started' ? 45 : undefined, d.action);
  const { events: plain } = await runScenario(restarting());
  for (const e of plain) if (e.kind === 'deployment') assert.equal((e.event as Deployment).expectedDowntimeSecs, undefined);
});
