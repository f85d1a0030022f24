// The coalescing producer in front of kafkajs: publishes share produce requests, one request per topic is
// in flight at a time and what arrives meanwhile goes out in the next one (bounded by maxRecords), and
// each caller is settled by the request that carried its own records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoalescingProducer } from '../../common/bus/coalescing-producer.ts';
import type { BusProducer, BusRecord } from '../../common/bus/types.ts';

/** An inner producer whose requests settle only when the test says so. */
function manualInner() {
  const requests: { topic: string; keys: string[]; settle(err?: Error): void }[] = [];
  const inner: BusProducer = {
    start: async () => {},
    stop: async () => {},
    publish: (topic, records) => new Promise<void>((resolve, reject) => {
      requests.push({ topic, keys: records.map((r) => r.key), settle: (err) => (err ? reject(err) : resolve()) });
    }),
  };
  return { inner, requests };
}

const recs = (...keys: string[]): BusRecord[] => keys.map((key) => ({ key, value: Buffer.from(key) }));

test('while a request is in flight, later publishes wait and go out together in the next one', async () => {
  const { inner, requests } = manualInner();
  const p = new CoalescingProducer(inner, { lingerMs: 1, maxRecords: 100 });
  const first = p.publish('t', recs('a'));
  await sleep(5);
  assert.deepEqual(requests.map((r) => r.keys), [['a']]);
  const waiting = [p.publish('t', recs('b', 'c')), p.publish('t', recs('d'))];
  await sleep(5);
  assert.equal(requests.length, 1, 'nothing else is sent while the first request is in flight');
  requests[0].settle();
  await first;
  await sleep(0);
  assert.deepEqual(requests.map((r) => r.keys), [['a'], ['b', 'c', 'd']]);
  requests[1].settle();
  await Promise.all(waiting);
});

test('a request carries at most maxRecords (whole publishes); the rest follows, in order', async () => {
  const { inner, requests } = manualInner();
  const p = new CoalescingProducer(inner, { lingerMs: 1, maxRecords: 3 });
  const first = p.publish('t', recs('a'));
  await sleep(5);
  const rest = [p.publish('t', recs('b', 'c')), p.publish('t', recs('d', 'e')), p.publish('t', recs('f'))];
  requests[0].settle();
  await first;
  await sleep(0);
  requests[1].settle();
  await sleep(0);
  requests[2].settle();
  await Promise.all(rest);
  assert.deepEqual(requests.map((r) => r.keys), [['a'], ['b', 'c'], ['d', 'e', 'f']]);
});

test('a failed request rejects exactly its own callers; other topics are not held back', async () => {
  const { inner, requests } = manualInner();
  const p = new CoalescingProducer(inner, { lingerMs: 1, maxRecords: 100 });
  const a = p.publish('t', recs('a'));
  const other = p.publish('u', recs('x'));
  await sleep(5);
  assert.deepEqual(requests.map((r) => r.topic).sort(), ['t', 'u']);
  const b = p.publish('t', recs('b'));
  requests.find((r) => r.topic === 't')?.settle(new Error('broker down'));
  await assert.rejects(a, /broker down/);
  await sleep(0);
  requests.find((r) => r.keys[0] === 'b')?.settle();
  await b;
  requests.find((r) => r.topic === 'u')?.settle();
  await other;
});

test('stop() sends everything still waiting and resolves only after the last request settled', async () => {
  const { inner, requests } = manualInner();
  const p = new CoalescingProducer(inner, { lingerMs: 1000, maxRecords: 100 });
  const a = p.publish('t', recs('a'));
  const stopped = p.stop();
  await sleep(0);
  assert.deepEqual(requests.map((r) => r.keys), [['a']], 'stop flushes without waiting for the linger');
  await assert.rejects(p.publish('t', recs('late')), /stopping/);
  let done = false;
  void stopped.then(() => { done = true; });
  await sleep(5);
  assert.equal(done, false);
  requests[0].settle();
  await a;
  await stopped;
});
