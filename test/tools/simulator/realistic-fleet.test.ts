// The realistic fleet model behaves as its scenario says (deploy/scenarios/realistic-features.yaml, two
// days of 600 devices at 5-minute heartbeats, in virtual time): office hours per time zone, servers
// always on, a site power outage silences exactly that site, a network outage is buffered and sent
// late, a holiday darkens one office, the first ring is the IT office, a boot-looping device never
// reports the new version (and a device outside the only_with condition does), duplicates, skewed
// clocks and roaming laptops are present, the rollout feed is late, an unannounced change sends nothing.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, Heartbeat } from '../../../common/contract/events.ts';
import { CLASS_LAPTOP, CLASS_SERVER, CLASS_WORKSTATION, sitesOf } from '../../../tools/simulator/fleet-layout.ts';
import { BOOT_LOOP, FLAG_LEFT_ON } from '../../../tools/simulator/fleet.ts';
import type { SimEvent } from '../../../tools/simulator/outbox.ts';
import { loadScenario } from '../../../tools/simulator/scenario-load.ts';
import type { Simulation } from '../../../tools/simulator/simulation.ts';
import { runScenario } from './helpers.ts';

const HOUR = 3_600_000;
const scenario = loadScenario('deploy/scenarios/realistic-features.yaml');
let sim: Simulation;
let events: SimEvent[];
let heartbeats: { i: number; trueMs: number; e: SimEvent; hb: Heartbeat }[];
const indexOf = (deviceId: string) => Number(deviceId.slice(4));
const siteIndex = (name: string) => sitesOf(scenario).findIndex((s) => s.name === name);

before(async () => {
  ({ sim, events } = await runScenario(scenario));
  heartbeats = events.filter((e) => e.kind === 'heartbeat').map((e) => {
    const hb = e.event as Heartbeat;
    const i = indexOf(hb.deviceId);
    // The device's own clock may be hours off: the true send time is its timestamp minus its skew.
    return { i, trueMs: e.eventMs - sim.model.fleet.skewMs[i], e, hb };
  });
});

/** Share of the devices matching `pred` that sent a heartbeat within [fromMs, fromMs + 30 min). */
function onlineShare(pred: (i: number) => boolean, fromMs: number): number {
  const f = sim.model.fleet;
  const all = [...Array(f.size).keys()].filter(pred);
  const seen = new Set(heartbeats.filter((h) => h.trueMs >= fromMs && h.trueMs < fromMs + HOUR / 2 && pred(h.i)).map((h) => h.i));
  return seen.size / all.length;
}

describe('realistic fleet (realistic-features.yaml)', () => {
  it('workstations follow local office hours in each time zone; servers are always on', () => {
    const f = sim.model.fleet;
    const startMs = sim.startMs; // Monday 00:00 UTC
    for (const region of ['us-west', 'us-east', 'eu-west']) {
      const r = scenario.fleet.regions.findIndex((x) => x.name === region);
      const offsetMs = scenario.fleet.regions[r].utc_offset_hours * HOUR;
      const workstation = (i: number) => f.region[i] === r && f.cls[i] === CLASS_WORKSTATION && f.ring[i] !== 0;
      const server = (i: number) => f.region[i] === r && f.cls[i] === CLASS_SERVER;
      const localMonday = (hour: number) => startMs + hour * HOUR - offsetMs;
      // Monday, before the boot-loop release reaches anyone outside the first ring.
      const night = onlineShare(workstation, localMonday(3));
      const day = onlineShare(workstation, localMonday(11));
      assert.ok(night < 0.15, `${region} workstations online at 03:00 local: ${night}`);
      assert.ok(day > 0.7, `${region} workstations online at 11:00 local: ${day}`);
      if (region !== 'us-west') assert.ok(onlineShare(server, localMonday(3)) > 0.85, `${region} servers at 03:00 local`);
    }
    const leftOn = [...Array(f.size).keys()].filter((i) => f.cls[i] === CLASS_WORKSTATION && f.flags[i] & FLAG_LEFT_ON);
    assert.ok(leftOn.length > 0, 'a few workstations are left on');
  });

  it('a site power outage silences exactly that site, and its devices come back with a new boot', () => {
    const f = sim.model.fleet;
    const site = siteIndex('us-west-office');
    const from = sim.startMs + 72_000_000 + 300_000; // one heartbeat period after the outage starts
    const to = sim.startMs + 79_200_000;
    const during = (h: { trueMs: number }) => h.trueMs >= from && h.trueMs < to;
    assert.equal(heartbeats.filter((h) => during(h) && f.site[h.i] === site).length, 0);
    for (const other of ['us-east-office', 'dc-us', 'dc-eu']) {
      assert.ok(heartbeats.filter((h) => during(h) && f.site[h.i] === siteIndex(other)).length > 20, `${other} keeps heartbeating`);
    }
    const bootsBefore = new Map(heartbeats.filter((h) => f.site[h.i] === site && h.trueMs < from - 300_000 && h.trueMs > from - 1_200_000).map((h) => [h.i, h.hb.bootId]));
    const after = heartbeats.filter((h) => f.site[h.i] === site && h.trueMs >= to && h.trueMs < to + 600_000 && bootsBefore.has(h.i));
    assert.ok(after.length > 0 && after.every((h) => h.hb.bootId !== bootsBefore.get(h.i)), 'new boots after the power is back');
  });

  it('a site network outage is buffered by the agents and delivered when the network is back', () => {
    const f = sim.model.fleet;
    const site = siteIndex('eu-office');
    const from = sim.startMs + 36_000_000;
    const to = from + 3_600_000;
    const eu = heartbeats.filter((h) => f.site[h.i] === site);
    // What arrives during it was sent before it (late deliveries, duplicates).
    assert.equal(eu.filter((h) => h.e.receivedAtMs >= from && h.e.receivedAtMs < to && h.trueMs >= from).length, 0, 'nothing sent during it arrives during it');
    const sentDuring = eu.filter((h) => h.trueMs >= from && h.trueMs < to);
    assert.ok(sentDuring.length > 100, `${sentDuring.length} heartbeats sent during the outage`);
    assert.ok(sentDuring.every((h) => h.e.receivedAtMs >= to), 'all arrive once it is back');
    assert.ok(sim.model.emitter.stats.bufferedByAgent >= new Set(sentDuring.map((h) => h.hb.eventId)).size);
  });

  it('an office is dark on its local holiday', () => {
    const f = sim.model.fleet;
    const site = siteIndex('ap-office');
    const office = (i: number) => f.site[i] === site && (f.cls[i] === CLASS_WORKSTATION || f.cls[i] === CLASS_LAPTOP) && !(f.flags[i] & FLAG_LEFT_ON);
    const monday11 = sim.startMs + 11 * HOUR - 5.5 * HOUR;
    assert.ok(onlineShare(office, monday11) > 0.6, 'on Monday at 11:00 local the office is at work');
    assert.equal(onlineShare(office, monday11 + 24 * HOUR), 0, 'on the holiday (Tuesday) nobody is');
  });

  it('the first ring is the IT office; laptops roam behind the remote collector', () => {
    const f = sim.model.fleet;
    const canary = [...Array(f.size).keys()].filter((i) => f.ring[i] === 0);
    assert.equal(canary.length, 25);
    assert.ok(canary.every((i) => f.site[i] === siteIndex('hq-it')), 'all 25 from the IT office');
    const remote = heartbeats.filter((h) => h.e.collectorId === 'collector-remote');
    assert.ok(remote.length > 100 && remote.every((h) => f.cls[h.i] === CLASS_LAPTOP), 'only laptops come in through collector-remote');
  });

  it('a boot-looping device never reports the new version; a device outside only_with runs it', () => {
    const f = sim.model.fleet;
    const rel = sim.model.releases[0];
    const NEW = scenario.releases[0].version;
    const looped = [...Array(f.size).keys()].filter((i) => f.state[i] === BOOT_LOOP);
    assert.ok(looped.length > 200, `${looped.length} boot loops`);
    const reportsNew = new Set(heartbeats.filter((h) => h.hb.components['channel-291'] === NEW).map((h) => h.i));
    assert.ok(looped.every((i) => rel.received[i] && !reportsNew.has(i)));
    assert.ok(!heartbeats.some((h) => h.hb.applying), 'applying is off in this scenario');
    // Devices outside the condition (agent 7.10.1, or 7.13.0 once it came) took it and report it.
    const condition = scenario.releases[0].only_with?.versions ?? [];
    const immune = [...reportsNew].filter((i) => f.state[i] !== BOOT_LOOP);
    assert.ok(immune.length > 5, `${immune.length} devices run the new content`);
    assert.ok(heartbeats.filter((h) => h.hb.components['channel-291'] === NEW).every((h) => !condition.includes(h.hb.components.agent)));
    assert.ok(immune.some((i) => heartbeats.some((h) => h.i === i && h.hb.components.agent === '7.10.1')));
  });

  it('duplicates and skewed clocks are present', () => {
    const ids = new Set<string>();
    let dups = 0;
    for (const h of heartbeats) if (ids.has(h.hb.eventId)) dups++; else ids.add(h.hb.eventId);
    assert.ok(dups > 100, `${dups} duplicate deliveries`);
    const skewed = new Set(heartbeats.filter((h) => Math.abs(h.e.eventMs - h.e.receivedAtMs) > 15 * 60_000).map((h) => h.i));
    assert.ok(skewed.size >= 5, `${skewed.size} devices with a clock off by more than 15 min`);
  });

  it('the rollout feed is 5 min late, a push to every ring is one step, an unannounced change sends nothing', () => {
    const deployments = events.filter((e) => e.kind === 'deployment');
    const channel = deployments.filter((e) => (e.event as Deployment).component === 'channel-291');
    assert.ok(channel.length >= 2 && channel.every((e) => e.receivedAtMs - e.eventMs === 300_000));
    assert.ok(!deployments.some((e) => (e.event as Deployment).component === 'os'), 'no rollout record of the os change');
    assert.ok(sim.model.releases[2].receivedByRing[0] > 0, 'and yet it reached the first ring');
    const agentStarts = deployments.filter((e) => (e.event as Deployment).component === 'agent' && (e.event as Deployment).action === 'started');
    assert.deepEqual(agentStarts.map((e) => (e.event as Deployment).ring), ['canary', 'early', 'broad', 'main']);
    assert.equal(new Set(agentStarts.map((e) => e.eventMs)).size, 1);
  });
});
