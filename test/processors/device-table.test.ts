// Device state: the compact table finds, updates, removes and evicts devices correctly, and stays compact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceTable, hashId } from '../../processors/core/device-table.ts';
import { ComponentSets, Interner } from '../../processors/core/intern.ts';
import { EventDedup } from '../../processors/core/event-dedup.ts';

test('every inserted device is found again, also after removals moved rows around', () => {
  const t = new DeviceTable(100_000);
  const ids = Array.from({ length: 20_000 }, (_, i) => `device-${i}`);
  for (const [i, id] of ids.entries()) {
    const [a, b] = hashId(id);
    const row = t.insert(a, b); // before reading t.lastHb: an insert may grow (replace) the columns
    t.lastHb[row] = i;
  }
  assert.equal(t.size, ids.length);
  for (let i = 0; i < ids.length; i += 3) {
    const [a, b] = hashId(ids[i]);
    t.remove(t.find(a, b));
  }
  for (const [i, id] of ids.entries()) {
    const [a, b] = hashId(id);
    const row = t.find(a, b);
    if (i % 3 === 0) assert.equal(row, -1, `${id} was removed`);
    else assert.equal(t.lastHb[row], i, `${id} keeps its state`);
  }
});

test('a full table evicts the least recently heard devices, deterministically, and counts them', () => {
  const run = () => {
    const t = new DeviceTable(1000);
    for (let i = 0; i < 1000; i++) {
      const row = t.insert(...hashId(`d${i}`));
      t.lastHb[row] = 1_000_000 + i;
    }
    assert.equal(t.full, true);
    t.evictOldest(10);
    return t;
  };
  const t = run();
  assert.ok(t.evicted >= 10 && t.evicted <= 20, `evicted ${t.evicted}`);
  for (let i = 0; i < t.evicted; i++) assert.equal(t.find(...hashId(`d${i}`)), -1, `d${i} was among the oldest`);
  assert.ok(t.find(...hashId('d999')) >= 0);
  assert.equal(run().evicted, t.evicted);
});

test('component maps intern to one id per distinct map; bounds fold and count', () => {
  const sets = new ComponentSets(new Interner(100), 2);
  const a = sets.id({ agent: '1.0', 'channel-291': '100' });
  assert.equal(sets.id({ agent: '1.0', 'channel-291': '100' }), a);
  const b = sets.id({ agent: '2.0', 'channel-291': '100' });
  assert.notEqual(a, b);
  assert.deepEqual([...sets.pairsOf(b)].map((id) => sets.names.value(id)), ['agent', '2.0', 'channel-291', '100']);
  assert.equal(sets.id({ agent: '3.0' }), 0, 'past max_component_sets a device is kept out of release cells');
  assert.equal(sets.refused, 1);
  assert.equal(sets.id(undefined), 0);
  const rings = new Interner(3);
  assert.deepEqual(['canary', 'early', 'broad'].map((r) => rings.id(r)), [1, 2, 0]);
  assert.equal(rings.folded, 1);
});

test('a tracked device costs well under 100 bytes of columns and index', () => {
  const t = new DeviceTable(2_000_000);
  for (let i = 0; i < 200_000; i++) t.insert(...hashId(`device-${i}`));
  assert.ok(t.bytes / t.size < 100, `${(t.bytes / t.size).toFixed(1)} bytes per device`);
});

test('event ids are recognised within the last `capacity` events, and forgotten after', () => {
  const d = new EventDedup(1000);
  for (let i = 0; i < 1000; i++) assert.equal(d.firstSeen(`e${i}`), true);
  for (let i = 0; i < 1000; i++) assert.equal(d.firstSeen(`e${i}`), false, `e${i} is a redelivery`);
  for (let i = 1000; i < 1500; i++) d.firstSeen(`e${i}`);
  assert.equal(d.size, 1000);
  for (let i = 0; i < 500; i++) assert.equal(d.firstSeen(`e${i}`), true, `e${i} was forgotten (oldest first)`);
  for (let i = 1000; i < 1500; i++) assert.equal(d.firstSeen(`e${i}`), false, `e${i} is still remembered`);
});

test('a frozen (shared) component map resolves to the id its content has, and matches only the set it is', () => {
  const sets = new ComponentSets(new Interner(100), 10);
  const a = sets.id({ agent: '1.0', os: 'x' });
  const b = sets.id({ agent: '2.0', os: 'x' });
  const shared = Object.freeze({ agent: '2.0', os: 'x' });
  assert.equal(sets.id(shared), b);
  assert.equal(sets.id(shared), b, 'again, from the identity cache');
  assert.equal(sets.matches(b, shared), true);
  assert.equal(sets.matches(a, shared), false);
  const other = Object.freeze({ agent: '1.0', os: 'x' });
  assert.equal(sets.matches(a, other), true);
  assert.equal(sets.matches(b, other), false);
  const reordered = Object.freeze({ os: 'x', agent: '1.0' });
  assert.notEqual(sets.id(reordered), a, 'another order is another set, as for unfrozen maps');
});
