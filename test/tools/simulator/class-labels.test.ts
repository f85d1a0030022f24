// Heartbeats carry the device class (labels.class), as endpoint agents report chassis or product type, so
// the processor's default strata (region + class) compare like with like; fleet.class_labels: false models
// agents that do not report it. Crash reports carry no labels in the contract, with the setting on or off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Crash, Heartbeat } from '../../../common/contract/events.ts';
import { DEVICE_CLASSES } from '../../../tools/simulator/scenario-schema.ts';
import { runScenario, smallScenario } from './helpers.ts';

const mixedFleet = (classLabels?: boolean) => smallScenario({
  fleet: { classes: { server: 0.3, workstation: 0.3, laptop: 0.4 }, ...(classLabels === undefined ? {} : { class_labels: classLabels }) },
  noise: { crash_per_device_hour: 5 },
});

test('every simulated heartbeat carries its device class; crash reports carry no labels', async () => {
  const { sim, events } = await runScenario(mixedFleet());
  const cls = sim.model.fleet.cls;
  const seen = new Set<string>();
  let heartbeats = 0;
  for (const e of events) {
    if (e.kind === 'crash') assert.equal((e.event as Crash & { labels?: unknown }).labels, undefined);
    if (e.kind !== 'heartbeat') continue;
    const hb = e.event as Heartbeat;
    assert.deepEqual(hb.labels, { class: DEVICE_CLASSES[cls[Number(hb.deviceId.slice(4))]] }, hb.deviceId);
    seen.add(hb.labels.class);
    heartbeats++;
  }
  assert.ok(heartbeats > 1000);
  assert.ok(events.some((e) => e.kind === 'crash'), 'the run has crash reports');
  assert.deepEqual([...seen].sort(), ['laptop', 'server', 'workstation']);
});

test('fleet.class_labels: false sends heartbeats without labels', async () => {
  const { events } = await runScenario(mixedFleet(false));
  const heartbeats = events.filter((e) => e.kind === 'heartbeat');
  assert.ok(heartbeats.length > 1000);
  for (const e of heartbeats) assert.equal((e.event as Heartbeat).labels, undefined);
});
