// The stall watchdog: a consumer with lag and no progress turns readiness red; lag is exported.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import { ConsumerMonitor } from '../../common/bus/consumer-monitor.ts';
import { ManualClock } from '../../common/runtime/clock.ts';
import { silentLogger } from '../../common/telemetry/logger.ts';

describe('consumer monitor', () => {
  it('reports lag and marks a consumer that stopped making progress as stalled', async () => {
    const bus = new MemoryBus();
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => { release = resolve; });
    const consumer = bus.consumer({ groupId: 'g', topics: ['t'], handler: () => stuck });
    await consumer.start();
    await bus.producer().publish('t', [{ key: 'a', value: Buffer.from('1') }, { key: 'b', value: Buffer.from('2') }]);
    const registry = new Registry();
    const clock = new ManualClock(Date.now());
    const monitor = new ConsumerMonitor(bus, registry, { pollMs: 1000, stallMs: 60_000, clock, logger: silentLogger });

    await monitor.check();
    assert.equal(monitor.readiness.ready(), true, 'lag alone is not a stall');
    assert.match(await registry.metrics(), /ringwatch_consumer_lag_records\{group="g",topic="t"\} 2/);

    clock.advance(61_000);
    await monitor.check();
    assert.equal(monitor.readiness.ready(), false);
    assert.match(await registry.metrics(), /ringwatch_consumer_stalls_total\{group="g"\} 1/);

    release();
    await new Promise((r) => setTimeout(r, 50));
    clock.set(Date.now());
    await monitor.check();
    assert.equal(monitor.readiness.ready(), true, 'recovers once it commits again');
    await consumer.stop();
  });
});
