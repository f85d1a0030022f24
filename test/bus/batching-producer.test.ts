// Batch records are grouped by partition: the batch's key hashes to the partition of every entry in it,
// per-key order is kept, non-batchable records stay single and in place, and bounds are respected.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { batchRecords } from '../../common/bus/batching-producer.ts';
import { partitionFor } from '../../common/bus/partitioner.ts';
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import { isBatch } from '../../common/contract/batch.ts';
import { recordEntries } from '../../common/contract/record-entries.ts';
import type { BusRecord } from '../../common/bus/types.ts';

const rec = (key: string, n: number, batchable = true): BusRecord => ({ key, value: Buffer.from(`{"n":${n}}`), batchable });

for (const compact of [false, true]) describe(`batching producer (record format ${compact ? 'v3, compact' : 'v2, JSON'})`, () => {
  it('every entry of a batch hashes to the partition of the batch key; order per key kept; bounds kept', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { minLength: 1, maxLength: 300 }),
      fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 20 }),
      (spec, partitions, maxEvents) => {
        const input = spec.map(([d, batchable], n) => rec(`device-${d}`, n, batchable || n % 7 !== 0));
        const out = batchRecords(input, partitions, { maxEvents, maxBytes: 1 << 20, compact });
        const seen: { key: string; n: number; p: number }[] = [];
        for (const r of out) {
          const p = partitionFor(r.key, partitions);
          if (isBatch(r.headers)) {
            const entries = recordEntries(r);
            assert.ok(entries.length <= maxEvents);
            assert.equal(r.key, entries[0].key);
            for (const e of entries) {
              assert.equal(partitionFor(e.key, partitions), p, 'entry on another partition than its batch');
              seen.push({ key: e.key, n: JSON.parse(e.value.toString()).n, p });
            }
          } else {
            seen.push({ key: r.key, n: JSON.parse(r.value.toString()).n, p });
          }
        }
        assert.equal(seen.length, input.length);
        // Per partition, the records come out in publish order (so per key too).
        for (let p = 0; p < partitions; p++) {
          const ns = seen.filter((s) => s.p === p).map((s) => s.n);
          assert.deepEqual(ns, [...ns].sort((a, b) => a - b));
        }
        for (const r of input.filter((r) => !r.batchable)) assert.ok(out.includes(r), 'a non-batchable record stays as it is');
      },
    ), { numRuns: 300 });
  });

  it('bounds a batch record by bytes', () => {
    // Distinct 1,000-digit values (JSON numbers too large for a compact integer: stored as text).
    const big = Array.from({ length: 50 }, (_, n) => ({ key: 'same', value: Buffer.from(`"${String(n).padStart(1000, '1')}"`), batchable: true }));
    const out = batchRecords(big, 3, { maxEvents: 1000, maxBytes: 10_000, compact });
    assert.ok(out.length >= 5);
    for (const r of out) assert.ok(r.value.length <= 10_100, `${r.value.length}`);
    assert.equal(out.flatMap((r) => recordEntries(r)).length, 50);
  });

  it('on the memory bus: a batched publish reads back as the same events, per partition', async () => {
    const bus = new MemoryBus({ batching: { maxEvents: 10, maxBytes: 1 << 20, compact } });
    await bus.ensureTopics([{ name: 't', partitions: 4 }]);
    const p = bus.producer();
    await p.publish('t', Array.from({ length: 95 }, (_, n) => rec(`d${n % 9}`, n)));
    const stored = bus.records('t');
    assert.ok(stored.length < 95 && stored.every((r) => isBatch(r.headers)));
    const events = stored.flatMap((r) => recordEntries(r).map((e) => ({ e, partition: r.partition })));
    assert.equal(events.length, 95);
    for (const { e, partition } of events) assert.equal(partitionFor(e.key, 4), partition);
    assert.deepEqual(events.map(({ e }) => JSON.parse(e.value.toString()).n).sort((a, b) => a - b), Array.from({ length: 95 }, (_, n) => n));
  });

  it('records given as documents (the collector\'s) are written from the document, batched or alone', async () => {
    const bus = new MemoryBus({ batching: { maxEvents: 10, maxBytes: 1 << 20, compact } });
    await bus.ensureTopics([{ name: 't', partitions: 2 }]);
    const doc = (n: number) => ({ key: `d${n}`, value: Buffer.alloc(0), doc: { n, s: 'x' }, batchable: n % 3 !== 0 });
    await bus.producer().publish('t', Array.from({ length: 30 }, (_, n) => doc(n)));
    const values = bus.records('t').flatMap((r) => recordEntries(r)).map((e) => e.value.toString());
    assert.deepEqual(values.sort(), Array.from({ length: 30 }, (_, n) => JSON.stringify({ n, s: 'x' })).sort());
  });
});
