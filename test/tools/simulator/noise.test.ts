import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Crash, Heartbeat } from '../../../common/contract/events.ts';
import { runScenario, smallScenario } from './helpers.ts';

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= expected * tolerance, `${what}: ${actual} vs ${expected} expected (±${tolerance * 100}%)`);

test('background crash rate, late and duplicate deliveries and clock skew come out as configured', async () => {
  const s = smallScenario({
    duration_secs: 600,
    noise: { crash_per_device_hour: 12, crash_reboot_share: 0, late_share: 0.05, late_max_secs: 5, duplicate_share: 0.02, skewed_clock_share: 0.1, clock_skew_max_secs: 600 },
  });
  const { sim, events } = await runScenario(s);
  const crashes = events.filter((e) => e.kind === 'crash');
  near(crashes.length, 500 * (600 / 3600) * 12, 0.1, 'crashes');
  const heartbeats = events.filter((e) => e.kind === 'heartbeat');
  const ids = new Set(heartbeats.map((e) => (e.event as Heartbeat).eventId));
  near(heartbeats.length - ids.size, ids.size * 0.02, 0.25, 'duplicates');
  const skewed = new Set(heartbeats.filter((e) => Math.abs(e.eventMs - e.receivedAtMs) > 10_000).map((e) => (e.event as Heartbeat).deviceId));
  near(skewed.size, 50, 0.4, 'devices with a skewed clock');
  // First deliveries only: a duplicate's second copy arrives after the first by design.
  const seen = new Set<string>();
  const onTime = heartbeats.filter((e) => {
    const hb = e.event as Heartbeat;
    if (seen.has(hb.eventId)) return false;
    seen.add(hb.eventId);
    return !skewed.has(hb.deviceId);
  });
  const late = onTime.filter((e) => e.receivedAtMs - e.eventMs > 50);
  near(late.length, onTime.length * 0.05, 0.25, 'late heartbeats');
  assert.equal(sim.model.stats.backgroundCrashes, sim.model.emitter.stats.crashes);
});

test('a reboot wave gives the configured share of devices a new boot with a small uptime', async () => {
  const s = smallScenario({ duration_secs: 60, noise: { reboot_waves: [{ start_secs: 10, spread_secs: 20, share: 0.4, down_secs: 3 }] } });
  const { events } = await runScenario(s);
  const boots = new Map<string, Set<string>>();
  let smallUptimes = 0;
  for (const e of events) {
    const hb = e.event as Heartbeat;
    if (e.kind !== 'heartbeat') continue;
    if (!boots.has(hb.deviceId)) boots.set(hb.deviceId, new Set());
    boots.get(hb.deviceId)?.add(hb.bootId);
    if (e.receivedAtMs > Date.parse(s.start as string) + 10_000 && hb.uptimeSec < 60) smallUptimes++;
  }
  const rebooted = [...boots.values()].filter((b) => b.size > 1).length;
  near(rebooted, 200, 0.2, 'rebooted devices');
  assert.ok(smallUptimes > rebooted * 10);
});

test('devices switched off at night stop heartbeating in their local night only', async () => {
  // A compressed 240-second day: us (UTC-5) and eu (UTC+1) sleep at different times.
  const s = smallScenario({ duration_secs: 240, fleet: { day_secs: 240 }, noise: { night_offline_share: 0.5 } });
  const { events } = await runScenario(s);
  const perRegionPerSlot = new Map<string, number>();
  const start = Date.parse(s.start as string);
  for (const e of events) {
    if (e.kind !== 'heartbeat') continue;
    const key = `${(e.event as Heartbeat).region}@${Math.floor((e.receivedAtMs - start) / 10_000)}`;
    perRegionPerSlot.set(key, (perRegionPerSlot.get(key) ?? 0) + 1);
  }
  const counts = (region: string) => [...Array(24).keys()].map((k) => perRegionPerSlot.get(`${region}@${k}`) ?? 0);
  for (const region of ['us', 'eu']) {
    const c = counts(region);
    assert.ok(Math.min(...c) < Math.max(...c) * 0.7, `${region} shows a night: ${c.join(',')}`);
  }
  assert.notDeepEqual(counts('us').map((n) => n > 2000), counts('eu').map((n) => n > 2000));
});

test('a collector outage holds a region back, then backfills it late; crash loops flood from one device', async () => {
  const s = smallScenario({
    duration_secs: 40,
    noise: {
      outages: [{ region: 'eu', start_secs: 10, duration_secs: 10, backfill: true, backfill_spread_secs: 2 }],
      crash_loops: [{ device: 7, start_secs: 0, duration_secs: 30, crashes_per_min: 6000 }],
    },
  });
  const { events } = await runScenario(s);
  const start = Date.parse(s.start as string);
  const eu = events.filter((e) => e.kind === 'heartbeat' && (e.event as Heartbeat).region === 'eu');
  const during = eu.filter((e) => e.receivedAtMs >= start + 10_000 && e.receivedAtMs < start + 20_000);
  assert.equal(during.length, 0);
  const backfill = eu.filter((e) => e.receivedAtMs >= start + 20_000 && e.receivedAtMs < start + 22_000 && e.eventMs < start + 20_000);
  assert.ok(backfill.length > 200 * 9, `${backfill.length} backfilled heartbeats`);
  const loop = events.filter((e) => e.kind === 'crash' && (e.event as Crash).deviceId === 'dev-0000007');
  near(loop.length, 3000, 0.01, 'crash-loop reports');
});
