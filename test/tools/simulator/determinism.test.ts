import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { loadScenario } from '../../../tools/simulator/scenario-load.ts';
import { Simulation, toEnvelope } from '../../../tools/simulator/simulation.ts';
import { validateEnvelope } from '../../../common/contract/envelope.ts';
import { formatFieldError } from '../../../common/contract/validate.ts';

async function digest(seed?: number): Promise<{ hash: string; count: number }> {
  const s = loadScenario('deploy/scenarios/crowdstrike.yaml', { devices: 300, durationSecs: 60 });
  if (seed !== undefined) s.seed = seed;
  const h = createHash('sha256');
  let count = 0;
  for await (const e of new Simulation(s).envelopes()) {
    h.update(JSON.stringify(e));
    count++;
  }
  return { hash: h.digest('hex'), count };
}

test('the same seed gives the same events, byte for byte; another seed gives others', async () => {
  const a = await digest();
  const b = await digest();
  const c = await digest(12345);
  assert.ok(a.count > 10_000);
  assert.equal(a.hash, b.hash);
  assert.equal(a.count, b.count);
  assert.notEqual(a.hash, c.hash);
});

test('every envelope is valid contract v1 and they come in receive-time order', async () => {
  const s = loadScenario('deploy/scenarios/two-releases.yaml', { devices: 300, durationSecs: 90 });
  let last = '';
  const kinds = new Set<string>();
  for await (const e of new Simulation(s).envelopes()) {
    const v = validateEnvelope(JSON.parse(JSON.stringify(e)));
    assert.ok(v.ok, v.ok ? '' : v.errors.map(formatFieldError).join('; '));
    assert.ok(e.receivedAt >= last, `${e.receivedAt} after ${last}`);
    last = e.receivedAt;
    kinds.add(e.kind);
  }
  assert.deepEqual([...kinds].sort(), ['crash', 'deployment', 'heartbeat']);
});

test('a realistic fleet (sites, classes, office hours, outages, every release effect) is deterministic too', async () => {
  const run = async (seed?: number) => {
    const s = loadScenario('deploy/scenarios/realistic-features.yaml', { devices: 150, durationSecs: 86_400 });
    if (seed !== undefined) s.seed = seed;
    const h = createHash('sha256');
    for await (const e of new Simulation(s).envelopes()) h.update(JSON.stringify(e));
    return h.digest('hex');
  };
  const a = await run();
  assert.equal(a, await run());
  assert.notEqual(a, await run(777));
});
