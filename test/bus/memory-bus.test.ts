import { MemoryBus, type MemoryConsumer } from '../../common/bus/memory-bus.ts';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../common/telemetry/logger.ts';
import { busContract } from './contract.ts';

busContract({
  name: 'memory',
  takeoverMs: 5_000,
  create: async () => new MemoryBus({ maxBatch: 20 }),
  async processThenKill(bus, { groupId, topic, atLeast }) {
    const processed: string[] = [];
    let consumer!: MemoryConsumer;
    let crashed!: () => void;
    const done = new Promise<void>((resolve) => { crashed = resolve; });
    consumer = bus.consumer({
      groupId, topics: [topic],
      handler: async (batch) => {
        for (const r of batch.records) processed.push((JSON.parse(r.value.toString()) as { eventId: string }).eventId);
        if (processed.length >= atLeast) {
          consumer.simulateCrash(); // dies after processing, before the commit
          crashed();
          await new Promise(() => {}); // never returns, like a killed process
        }
      },
    }) as MemoryConsumer;
    await consumer.start();
    await done;
    return processed;
  },
});

describe('memory bus: a failing consumer handler', () => {
  const lines = () => {
    const out: Record<string, unknown>[] = [];
    const stream = new Writable({ write(chunk, _enc, cb) { out.push(JSON.parse(String(chunk))); cb(); } });
    return { out, logger: createLogger('info', 'test', stream) };
  };

  it('is logged on every failure and gets the batch again from the last commit; success resets the count', async () => {
    const { out, logger } = lines();
    const bus = new MemoryBus({ logger, maxRestarts: 2, onFatal: () => assert.fail('not fatal: the failures are not in a row') });
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    const seen: string[] = [];
    let calls = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => { done = r; });
    // Fails twice, succeeds, fails twice again on the next batch, succeeds: never more than 2 in a row.
    const consumer = bus.consumer({ groupId: 'g', topics: ['t'], handler: async (b) => {
      calls++;
      if (calls % 3 !== 0) throw new Error(`boom ${calls}`);
      seen.push(...b.records.map((r) => r.key ?? ''));
      if (seen.length === 2) done();
    } });
    const producer = bus.producer();
    await producer.publish('t', [{ key: 'a', value: Buffer.from('1') }]);
    await consumer.start();
    while (seen.length < 1) await new Promise((r) => setTimeout(r, 10));
    await producer.publish('t', [{ key: 'b', value: Buffer.from('2') }]);
    await finished;
    await consumer.stop();
    assert.deepEqual(seen, ['a', 'b']);
    const failures = out.filter((l) => l.msg === 'consumer handler failed; the batch is redelivered from the last commit');
    assert.equal(failures.length, 4);
    assert.deepEqual(failures.map((l) => [l.err, l.group, l.topic, l.partition, l.restarts]),
      [['boom 1', 'g', 't', 0, 1], ['boom 2', 'g', 't', 0, 2], ['boom 4', 'g', 't', 0, 1], ['boom 5', 'g', 't', 0, 2]]);
  });

  it('stops the consumer after max restarts in a row and calls onFatal with the error, as a Kafka consumer does', async () => {
    const { out, logger } = lines();
    let fatal: Error | undefined;
    const bus = new MemoryBus({ logger, maxRestarts: 1, onFatal: (e) => { fatal = e; } });
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    let calls = 0;
    const consumer = bus.consumer({ groupId: 'g', topics: ['t'], handler: async () => { calls++; throw new Error('cannot decode'); } });
    await bus.producer().publish('t', [{ key: 'a', value: Buffer.from('1') }]);
    await consumer.start();
    while (!fatal) await new Promise((r) => setTimeout(r, 10));
    assert.equal(fatal.message, 'cannot decode');
    assert.equal(calls, 2, 'one try and one restart');
    assert.equal(consumer.stats.stopped, true);
    assert.equal(out.at(-1)?.msg, 'consumer handler failed too often; the consumer stops');
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(calls, 2, 'no retries after it stopped');
    assert.equal((await bus.lag('g', ['t']))[0].lag, 1, 'nothing committed');
    await consumer.stop();
  });
});

describe('memory bus: a consumer backing off after a failure', () => {
  it('stops at once, without waiting out its retry delay', async () => {
    const bus = new MemoryBus({ retryInitialMs: 60_000, retryMaxMs: 60_000 });
    await bus.ensureTopics([{ name: 't', partitions: 1 }]);
    let failed!: () => void;
    const first = new Promise<void>((r) => { failed = r; });
    const consumer = bus.consumer({ groupId: 'g', topics: ['t'], handler: async () => { failed(); throw new Error('x'); } });
    await bus.producer().publish('t', [{ key: 'a', value: Buffer.from('1') }]);
    await consumer.start();
    await first;
    const t0 = Date.now();
    await consumer.stop();
    assert.ok(Date.now() - t0 < 1_000, `stop took ${Date.now() - t0} ms`);
  });
});
