// The demo's per-ring view: devices heard from, reporting vs silent (no heartbeat for the threshold), and
// recent crash reports, from the records the bus carries (batch records of several envelopes each).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyEnvelope } from '../../../common/contract/envelope.ts';
import { RingTally } from '../../../tools/demo/ring-tally.ts';
import { MemoryBus } from '../../../common/bus/memory-bus.ts';
import { isBatch } from '../../../common/contract/batch.ts';
import { tickRecord } from '../../../processors/shell/ticks.ts';

const T0 = Date.UTC(2024, 6, 19, 4, 0, 0);
const envelope = (kind: 'heartbeat' | 'crash', deviceId: string, ring: string, atMs: number) =>
  ({ v: 1, kind, receivedAt: new Date(atMs).toISOString(), eventAt: new Date(atMs).toISOString(), collectorId: 'c', event: { deviceId, ring } }) as unknown as AnyEnvelope;

test('a device that stops heartbeating turns silent after the threshold; a crash report counts for a while', () => {
  const tally = new RingTally({ silentAfterMs: 3000, crashRecentMs: 30_000, maxDevices: 100 });
  for (let s = 0; s < 10; s++) {
    tally.feed(envelope('heartbeat', 'd1', 'canary', T0 + s * 1000));
    if (s < 5) tally.feed(envelope('heartbeat', 'd2', 'canary', T0 + s * 1000));
    tally.feed(envelope('heartbeat', 'd3', 'main', T0 + s * 1000));
  }
  tally.feed(envelope('crash', 'd2', 'canary', T0 + 4500));
  assert.deepEqual(tally.snapshot(T0 + 10_000, ['canary', 'early', 'main']), [
    { ring: 'canary', devices: 2, reporting: 1, silent: 1, crashed: 1 },
    { ring: 'early', devices: 0, reporting: 0, silent: 0, crashed: 0 },
    { ring: 'main', devices: 1, reporting: 1, silent: 0, crashed: 0 },
  ]);
  assert.equal(tally.snapshot(T0 + 40_000, ['canary'])[0].crashed, 0, 'an old crash report no longer counts');
});

test('devices beyond the bound are counted, not kept', () => {
  const tally = new RingTally({ silentAfterMs: 3000, crashRecentMs: 30_000, maxDevices: 2 });
  for (const id of ['a', 'b', 'c', 'd']) tally.feed(envelope('heartbeat', id, 'main', T0));
  assert.equal(tally.snapshot(T0, ['main'])[0].devices, 2);
  assert.equal(tally.untracked, 2);
});

test('telemetry records as collectors write them (batch records, v3 and v2) are counted event by event', async () => {
  for (const compact of [true, false]) {
    const bus = new MemoryBus({ batching: { maxEvents: 100, maxBytes: 1 << 20, compact } });
    await bus.ensureTopics([{ name: 'heartbeats', partitions: 2 }]);
    const devices = [['d1', 'canary'], ['d2', 'canary'], ['d3', 'main']];
    await bus.producer().publish('heartbeats', devices.map(([id, ring]) => ({ key: id, value: Buffer.alloc(0), doc: envelope('heartbeat', id, ring, T0), batchable: true })));
    const stored = bus.records('heartbeats');
    assert.ok(stored.some((r) => isBatch(r.headers)), 'the bus wrote batch records');
    const tally = new RingTally({ silentAfterMs: 3000, crashRecentMs: 30_000, maxDevices: 100 });
    for (const r of stored) tally.feedRecord(r);
    assert.deepEqual(tally.snapshot(T0 + 1000, ['canary', 'main']), [
      { ring: 'canary', devices: 2, reporting: 2, silent: 0, crashed: 0 },
      { ring: 'main', devices: 1, reporting: 1, silent: 0, crashed: 0 },
    ], compact ? 'v3 compact batch records' : 'v2 JSON batch records');
  }
});

test('the processors\' watermark ticks on the crashes topic are skipped, not read as crash reports', () => {
  const tally = new RingTally({ silentAfterMs: 3000, crashRecentMs: 30_000, maxDevices: 100 });
  tally.feedRecord(tickRecord(0, 6, { watermarkMs: T0, closedAt: T0 }));
  tally.feedRecord({ key: 'd1', value: Buffer.from(JSON.stringify(envelope('crash', 'd1', 'canary', T0))) });
  assert.deepEqual(tally.snapshot(T0 + 1000, ['canary']), [{ ring: 'canary', devices: 1, reporting: 0, silent: 1, crashed: 1 }]);
});
