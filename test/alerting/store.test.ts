// The alerter's state store on the incidents topic: latest value per key wins, deletions stick (as
// tombstones), and big writes are split so no produce request exceeds Kafka's default record-batch limit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import type { BusRecord } from '../../common/bus/types.ts';
import { silentLogger } from '../../common/telemetry/logger.ts';
import { StateStore } from '../../alerting/shell/store.ts';

describe('alerting state store', () => {
  it('reads back the latest value of every live key', async () => {
    const bus = new MemoryBus();
    await bus.ensureTopics([{ name: 'incidents', partitions: 1, cleanupPolicy: 'compact' }]);
    const store = new StateStore({ bus, producer: bus.producer(), topic: 'incidents', logger: silentLogger });
    await store.persist([['incident|a', { v: 1 }], ['outbox|x', { d: 1 }]]);
    await store.persist([['incident|a', { v: 2 }], ['outbox|x', undefined]]);
    assert.deepEqual([...(await store.readAll(5000))], [['incident|a', { v: 2 }]]);
    // The deletion is a tombstone, so compaction can drop the key (not an empty value it would keep).
    const last = bus.records('incidents').at(-1);
    assert.deepEqual([last?.key, last?.tombstone], ['outbox|x', true]);
  });

  it('splits a large write into requests of at most 512 KiB of values', async () => {
    const requests: BusRecord[][] = [];
    const producer = { start: async () => {}, stop: async () => {}, publish: async (_t: string, records: BusRecord[]) => { requests.push(records); } };
    const store = new StateStore({ bus: new MemoryBus(), producer, topic: 'incidents', logger: silentLogger });
    const big = { blob: 'x'.repeat(300 * 1024) };
    await store.persist([['rr|a', big], ['rr|b', big], ['rr|c', big], ['incident|d', { small: true }]]);
    assert.deepEqual(requests.map((r) => r.map((rec) => rec.key)), [['rr|a'], ['rr|b'], ['rr|c', 'incident|d']]);
  });
});
