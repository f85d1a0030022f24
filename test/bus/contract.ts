// The bus contract: every Bus implementation (in-memory, Kafka) must pass these same tests.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Bus, ConsumedRecord, ConsumerOptions } from '../../common/bus/types.ts';
import { EventDedup } from '../../processors/core/event-dedup.ts';
import { publishDeadLetters, DLQ_HEADERS } from '../../common/contract/dead-letter.ts';
import { uniquePrefix } from '../support/kafka.ts';

export interface BusHarness {
  name: string;
  create(): Promise<Bus>;
  /**
   * Start a consumer in `groupId` that processes records (returns their keys/ids) and is then killed
   * between processing and commit: SIGKILL of a child process for Kafka, simulateCrash() in memory.
   */
  processThenKill(bus: Bus, options: { groupId: string; topic: string; atLeast: number }): Promise<string[]>;
  /** How long to wait for a group to take over partitions of a killed member. */
  takeoverMs: number;
  /** Partitions one consumer hands to its handler at the same time (default 1). */
  concurrentPartitions?: number;
}

const record = (id: string, key = id) => ({ key, value: Buffer.from(JSON.stringify({ eventId: id })), headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` } });
const idOf = (r: ConsumedRecord) => (JSON.parse(r.value.toString()) as { eventId: string }).eventId;

async function consumeUntil(bus: Bus, options: Omit<ConsumerOptions, 'handler'>, want: (seen: ConsumedRecord[]) => boolean, timeoutMs: number) {
  const seen: ConsumedRecord[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => { done = resolve; });
  const consumer = bus.consumer({ ...options, handler: async (batch) => { seen.push(...batch.records); if (want(seen)) done(); } });
  await consumer.start();
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
  const outcome = await Promise.race([finished.then(() => 'ok' as const), timer]);
  await consumer.stop();
  assert.equal(outcome, 'ok', `timed out with ${seen.length} records consumed`);
  return seen;
}

export function busContract(harness: BusHarness): void {
  describe(`bus contract: ${harness.name}`, () => {
    let bus: Bus;
    const prefix = uniquePrefix(harness.name);
    const topic = (name: string) => `${prefix}${name}`;

    before(async () => {
      bus = await harness.create();
      await bus.start();
    });
    after(async () => {
      await bus.stop();
    });

    it('delivers every acknowledged record to the group, in order per key, with headers', async () => {
      await bus.ensureTopics([{ name: topic('order'), partitions: 3 }]);
      await bus.ensureTopics([{ name: topic('order'), partitions: 3 }]); // idempotent
      const producer = bus.producer();
      await producer.start();
      const ids = Array.from({ length: 200 }, (_, i) => `e${i}`);
      await producer.publish(topic('order'), ids.map((id, i) => record(id, `device-${i % 7}`)));
      await producer.stop();
      const seen = await consumeUntil(bus, { groupId: `${prefix}g1`, topics: [topic('order')] }, (s) => s.length >= 200, 30_000);
      assert.deepEqual(new Set(seen.map(idOf)), new Set(ids));
      for (let k = 0; k < 7; k++) {
        const mine = seen.filter((r) => r.key === `device-${k}`).map((r) => Number(idOf(r).slice(1)));
        assert.deepEqual(mine, [...mine].sort((a, b) => a - b), `records of device-${k} out of order`);
      }
      assert.match(seen[0].headers.traceparent, /^00-a{32}-b{16}-01$/);
      const lag = await bus.lag(`${prefix}g1`, [topic('order')]);
      assert.equal(lag.reduce((s, l) => s + l.lag, 0), 0, 'committed after processing');
    });

    it('redelivers what a killed consumer processed but did not commit; eventIds recognise the redelivery', async () => {
      await bus.ensureTopics([{ name: topic('kill'), partitions: 1 }]);
      const producer = bus.producer();
      await producer.start();
      const ids = Array.from({ length: 50 }, (_, i) => `k${i}`);
      await producer.publish(topic('kill'), ids.map((id) => record(id)));
      await producer.stop();
      const groupId = `${prefix}gkill`;
      const processedBeforeKill = await harness.processThenKill(bus, { groupId, topic: topic('kill'), atLeast: 1 });
      assert.ok(processedBeforeKill.length >= 1, 'the killed consumer processed something');
      const afterKill = await consumeUntil(bus, { groupId, topics: [topic('kill')] },
        (s) => new Set(s.map(idOf)).size >= ids.length, harness.takeoverMs);
      const recent = new EventDedup(1000);
      for (const id of processedBeforeKill) recent.firstSeen(id);
      const redelivered = afterKill.map(idOf).filter((id) => !recent.firstSeen(id) && processedBeforeKill.includes(id));
      assert.deepEqual(new Set(afterKill.map(idOf)), new Set(ids), 'nothing acknowledged is lost');
      assert.deepEqual(new Set(redelivered), new Set(processedBeforeKill), 'uncommitted work comes back and is recognised');
    });

    it('shares partitions between members of a group without losing records', async () => {
      await bus.ensureTopics([{ name: topic('share'), partitions: 4 }]);
      const producer = bus.producer();
      await producer.start();
      const ids = Array.from({ length: 400 }, (_, i) => `s${i}`);
      await producer.publish(topic('share'), ids.map((id) => record(id)));
      const seenBy: Record<string, Set<string>> = { a: new Set(), b: new Set() };
      const members = (['a', 'b'] as const).map((name) => bus.consumer({
        groupId: `${prefix}gshare`, topics: [topic('share')],
        handler: async (batch) => { for (const r of batch.records) seenBy[name].add(idOf(r)); },
      }));
      await Promise.all(members.map((m) => m.start()));
      await producer.publish(topic('share'), [record('late')]);
      await producer.stop();
      const deadline = Date.now() + harness.takeoverMs;
      while (new Set([...seenBy.a, ...seenBy.b]).size < 401 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await Promise.all(members.map((m) => m.stop()));
      assert.equal(new Set([...seenBy.a, ...seenBy.b]).size, 401);
    });

    it('hands each partition over once, in offset order, one batch at a time, and commits only after the handler', async () => {
      const name = topic('concurrent');
      const groupId = `${prefix}gconcurrent`;
      await bus.ensureTopics([{ name, partitions: 6 }]);
      const producer = bus.producer();
      await producer.start();
      // ~1 KB records in 20 sends (Kafka hands over whole produced record batches): several batches a
      // partition. Incompressible padding, so that compression (zstd by default) keeps the records' size.
      const values = Array.from({ length: 1200 }, (_, i) => ({ key: `device-${i % 60}`, value: Buffer.from(JSON.stringify({ eventId: `c${i}`, padding: randomBytes(500).toString('hex') })) }));
      for (let i = 0; i < values.length; i += 60) await producer.publish(name, values.slice(i, i + 60));
      await producer.stop();
      // A group that never committed lags by the whole log: that is each partition's end offset.
      const ends = new Map((await bus.lag(`${prefix}gnever`, [name])).map((l) => [l.partition, l.lag]));
      const total = [...ends.values()].reduce((a, b) => a + b, 0);
      const offsets = new Map<number, number[]>();
      const inHand = new Set<number>();
      const problems: string[] = [];
      let batches = 0;
      let concurrent = 0;
      let mostConcurrent = 0;
      const consumer = bus.consumer({
        groupId, topics: [name],
        handler: async (batch) => {
          const p = batch.partition;
          if (inHand.has(p)) problems.push(`two batches of partition ${p} at once`);
          inHand.add(p);
          mostConcurrent = Math.max(mostConcurrent, ++concurrent);
          try {
            const lag = (await bus.lag(groupId, [name])).find((l) => l.partition === p)?.lag ?? 0;
            const committed = (ends.get(p) ?? 0) - lag;
            const first = Number(batch.records[0].offset);
            if (committed > first) problems.push(`partition ${p}: offset ${committed} committed before the batch from ${first} was handled`);
            offsets.set(p, [...(offsets.get(p) ?? []), ...batch.records.map((r) => Number(r.offset))]);
            batches++;
            await new Promise((r) => setTimeout(r, 20)); // long enough for other partitions' batches to overlap
          } finally {
            inHand.delete(p);
            concurrent--;
          }
        },
      });
      await consumer.start();
      const deadline = Date.now() + harness.takeoverMs;
      const lagLeft = async () => (await bus.lag(groupId, [name])).reduce((n, l) => n + l.lag, 0);
      while (([...offsets.values()].reduce((n, o) => n + o.length, 0) < total || (await lagLeft()) > 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await consumer.stop();
      assert.deepEqual(problems, []);
      for (const [p, end] of ends) assert.deepEqual(offsets.get(p) ?? [], Array.from({ length: end }, (_, i) => i), `partition ${p}: every offset once, in order`);
      assert.equal(await lagLeft(), 0, 'every handled batch committed');
      assert.ok(batches > ends.size, `several batches per partition (${batches})`);
      const most = harness.concurrentPartitions ?? 1;
      assert.ok(mostConcurrent <= most, `at most ${most} partitions at once (saw ${mostConcurrent})`);
      if (most > 1) assert.ok(mostConcurrent > 1, 'batches of different partitions overlapped');
    });

    it('carries a tombstone (a deletion on a compacted topic) to consumers and scans', async () => {
      await bus.ensureTopics([{ name: topic('compact'), partitions: 1, cleanupPolicy: 'compact' }]);
      const producer = bus.producer();
      await producer.start();
      await producer.publish(topic('compact'), [record('c1', 'state-a'), { key: 'state-a', value: Buffer.alloc(0), tombstone: true }]);
      await producer.stop();
      const seen = await consumeUntil(bus, { groupId: `${prefix}gcompact`, topics: [topic('compact')] }, (s) => s.length >= 2, 30_000);
      assert.deepEqual(seen.map((r) => [r.key, r.tombstone === true, r.value.length > 0]), [['state-a', false, true], ['state-a', true, false]]);
      const scanned: ConsumedRecord[] = [];
      await bus.scan(topic('compact'), {}, async (records) => { scanned.push(...records); });
      assert.deepEqual(scanned.map((r) => r.tombstone === true), [false, true]);
    });

    it('forgets a deleted group: its committed offsets go, unknown groups are ignored', async () => {
      await bus.ensureTopics([{ name: topic('forget'), partitions: 1 }]);
      const producer = bus.producer();
      await producer.start();
      await producer.publish(topic('forget'), [record('f1'), record('f2')]);
      await producer.stop();
      const groupId = `${prefix}gforget`;
      await consumeUntil(bus, { groupId, topics: [topic('forget')] }, (s) => s.length >= 2, 30_000);
      const lagOf = async () => (await bus.lag(groupId, [topic('forget')])).reduce((n, l) => n + l.lag, 0);
      assert.equal(await lagOf(), 0, 'committed after processing');
      await bus.deleteGroups([groupId, `${prefix}never-existed`]);
      assert.equal(await lagOf(), 2, 'a deleted group starts over');
    });

    it('keeps dead letters with their original bytes and the reason', async () => {
      await bus.ensureTopics([{ name: topic('dlq'), partitions: 1 }]);
      const producer = bus.producer();
      await producer.start();
      const original = Buffer.from('{"eventId":"x","uptimeSec":"ten"}');
      await publishDeadLetters(producer, topic('dlq'), [{
        key: 'dev-1', original, reason: 'invalid_event', errors: [{ path: '/uptimeSec', reason: 'expected integer' }], source: 'test#0',
      }], new Date('2026-01-01T00:00:00Z'));
      await producer.stop();
      const [letter] = await consumeUntil(bus, { groupId: `${prefix}gdlq`, topics: [topic('dlq')] }, (s) => s.length >= 1, 30_000);
      assert.deepEqual(letter.value, original);
      assert.equal(letter.headers[DLQ_HEADERS.reason], 'invalid_event');
      assert.deepEqual(JSON.parse(letter.headers[DLQ_HEADERS.errors]), [{ path: '/uptimeSec', reason: 'expected integer' }]);
    });

    it('scans a topic by time range outside any group, up to its end at the time of the call', async () => {
      await bus.ensureTopics([{ name: topic('scan'), partitions: 2 }]);
      const producer = bus.producer();
      await producer.start();
      await producer.publish(topic('scan'), ['a1', 'a2', 'a3'].map((id) => record(id)));
      await new Promise((r) => setTimeout(r, 30));
      const between = Date.now();
      await new Promise((r) => setTimeout(r, 30));
      await producer.publish(topic('scan'), ['b1', 'b2'].map((id) => record(id)));
      await producer.stop();
      const all: string[] = [];
      assert.equal(await bus.scan(topic('scan'), {}, async (rs) => { all.push(...rs.map(idOf)); }), 5);
      assert.deepEqual(all.sort(), ['a1', 'a2', 'a3', 'b1', 'b2']);
      const later: string[] = [];
      await bus.scan(topic('scan'), { fromMs: between }, async (rs) => { later.push(...rs.map(idOf)); });
      assert.deepEqual(later.sort(), ['b1', 'b2']);
      const earlier: string[] = [];
      await bus.scan(topic('scan'), { toMs: between }, async (rs) => { earlier.push(...rs.map(idOf)); });
      assert.deepEqual(earlier.sort(), ['a1', 'a2', 'a3']);
      assert.equal(await bus.scan(topic('scan'), { fromMs: Date.now() + 60_000 }, async () => {}), 0);
    });

    it('scans one partition up to an offset: exactly its records below it, in offset order, nothing from others', async () => {
      await bus.ensureTopics([{ name: topic('scan-part'), partitions: 3 }]);
      const producer = bus.producer();
      await producer.start();
      await producer.publish(topic('scan-part'), Array.from({ length: 90 }, (_, i) => record(`p${i}`, `device-${i}`)));
      const everything: ConsumedRecord[] = [];
      await bus.scan(topic('scan-part'), {}, async (rs) => { everything.push(...rs); });
      const byPartition = (p: number) => everything.filter((r) => r.partition === p).sort((a, b) => Number(a.offset) - Number(b.offset));
      const partition = [0, 1, 2].reduce((best, p) => (byPartition(p).length > byPartition(best).length ? p : best), 0);
      const mine = byPartition(partition);
      assert.ok(mine.length >= 10, `partition ${partition} holds ${mine.length} records`);
      const until = BigInt(mine[7].offset);
      const scanned: ConsumedRecord[] = [];
      const count = await bus.scan(topic('scan-part'), { partition, untilOffset: until }, async (rs) => { scanned.push(...rs); });
      assert.equal(count, 7);
      assert.deepEqual(scanned.map((r) => [r.partition, r.offset, idOf(r)]), mine.slice(0, 7).map((r) => [partition, r.offset, idOf(r)]));
      // Without untilOffset: the partition up to its end as of the call, not what is appended meanwhile.
      const whole: string[] = [];
      await bus.scan(topic('scan-part'), { partition }, async (rs) => {
        whole.push(...rs.map(idOf));
        await producer.publish(topic('scan-part'), Array.from({ length: 30 }, (_, i) => record(`late${whole.length}-${i}`, `device-${i}`)));
      });
      assert.deepEqual(whole, mine.map(idOf));
      await producer.stop();
      assert.equal(await bus.scan(topic('scan-part'), { partition, untilOffset: 0n }, async () => {}), 0);
      assert.equal(await bus.scan(topic('scan-part'), { partition: 7 }, async () => {}), 0, 'a partition the topic does not have');
    });

    it('stops a scan when its signal aborts, rejecting with the reason', async () => {
      await bus.ensureTopics([{ name: topic('scan-abort'), partitions: 2 }]);
      const producer = bus.producer();
      await producer.start();
      await producer.publish(topic('scan-abort'), Array.from({ length: 40 }, (_, i) => record(`x${i}`)));
      await producer.stop();
      const reason = new Error('scan took too long');
      await assert.rejects(bus.scan(topic('scan-abort'), { signal: AbortSignal.abort(reason) }, async () => {}), reason);
      const abort = new AbortController();
      let batches = 0;
      await assert.rejects(bus.scan(topic('scan-abort'), { signal: abort.signal }, async () => { batches++; abort.abort(reason); }), reason);
      assert.equal(batches, 1, 'no batch is passed on after the abort');
    });

    it('lets stop() run before start() and twice', async () => {
      const consumer = bus.consumer({ groupId: `${prefix}gidle`, topics: [topic('order')], handler: async () => {} });
      await consumer.stop();
      const producer = bus.producer();
      await producer.stop();
      await producer.stop();
    });
  });
}
