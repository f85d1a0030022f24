// Broker stopped under load, on a broker of this test's own (the shared one must not be disturbed):
// clients get 503 + Retry-After within the deadline, never a 2xx for an event Kafka did not take, and
// ingestion comes back by itself when the broker does.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { heartbeat } from '../../tools/bench/ingest/events.ts';
import { startPrivateBroker, type PrivateBroker } from '../support/private-broker.ts';
import { uniquePrefix } from '../support/kafka.ts';
import { get, post, startCollector, type Harness } from './support/harness.ts';
import { envelopes, kafkaReader } from './support/read-topic.ts';

const DEADLINE_MS = 2000;
const CLIENTS = 4;
const BATCH = 20;

interface Outcome { at: number; status: number; ms: number; retryAfter?: string; ids: string[] }

describe('collector with the broker stopped under load', () => {
  let broker: PrivateBroker;
  let h: Harness;

  before(async () => {
    broker = await startPrivateBroker('collector-outage');
    h = await startCollector({
      brokers: broker.brokers, topicPrefix: uniquePrefix('outage'),
      collector: { produce_timeout_ms: DEADLINE_MS, retry_after_secs: 1 },
      kafka: { connection_timeout_ms: 1000, request_timeout_ms: 5000, retry_max_ms: 1000 },
    });
  });
  after(async () => {
    await h?.stop();
    await broker?.stop();
  });

  it('answers 503 + Retry-After within the deadline, acknowledges only what Kafka took, and recovers by itself', async () => {
    const outcomes: Outcome[] = [];
    let running = true;
    let next = 0;
    // Each client sends a batch and, like a device, retries the same events until they are acknowledged.
    const client = async (c: number) => {
      while (running) {
        const events = Array.from({ length: BATCH }, () => heartbeat(next++, { runId: `outage-${c}` }));
        for (;;) {
          const a = await post(h.url, '/v1/heartbeats', { events });
          outcomes.push({ at: Date.now(), status: a.status, ms: a.ms, retryAfter: a.headers['retry-after'] as string | undefined, ids: events.map((e) => e.eventId) });
          if (a.status === 200 || !running) break;
          await sleep(200);
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
    await sleep(2000);
    const killedAt = Date.now();
    await broker.kill();
    await sleep(5000);
    const readyDuringOutage = (await get(h.url, '/readyz')).status;
    const resumedAt = Date.now();
    await broker.resume();
    let recoveredAt = 0;
    while (!recoveredAt && Date.now() - resumedAt < 60_000) {
      await sleep(250);
      recoveredAt = outcomes.find((o) => o.at > resumedAt && o.status === 200)?.at ?? 0;
    }
    await sleep(1000);
    running = false;
    await Promise.all(clients);

    const during = outcomes.filter((o) => o.at > killedAt + DEADLINE_MS + 500 && o.at < resumedAt);
    const statuses = new Set(outcomes.map((o) => o.status));
    assert.ok(outcomes.some((o) => o.at < killedAt && o.status === 200), 'accepted before the outage');
    assert.ok(during.length > 0 && during.every((o) => o.status === 503), `only 503 during the outage: ${[...new Set(during.map((o) => o.status))]}`);
    assert.ok(during.every((o) => o.retryAfter === '1'), 'every 503 carries Retry-After');
    assert.deepEqual([...statuses].filter((s) => s !== 200 && s !== 503), [], 'nothing but 200 and 503');
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    assert.ok(slowest < DEADLINE_MS + 1000, `no client waited past the deadline (slowest ${slowest.toFixed(0)} ms)`);
    assert.equal(readyDuringOutage, 503, 'not ready while Kafka is gone');
    assert.ok(recoveredAt > 0, 'ingestion recovered by itself after the broker came back');
    // Writes that were past their deadline when the broker left settle during kafkajs's own retries, so
    // readiness may come back a little after the first 200; it must come back by itself.
    let ready = await get(h.url, '/readyz');
    for (const until = Date.now() + 30_000; ready.status !== 200 && Date.now() < until; ready = await get(h.url, '/readyz')) await sleep(250);
    assert.equal(ready.status, 200, `ready again after the broker came back: ${ready.text}`);

    const acknowledged = new Set(outcomes.filter((o) => o.status === 200).flatMap((o) => o.ids));
    const stored = new Set((await envelopes(kafkaReader(broker.brokers), h.topics.heartbeats)).map((s) => s.envelope.event.eventId));
    const missing = [...acknowledged].filter((id) => !stored.has(id));
    assert.deepEqual(missing, [], `every acknowledged event is in Kafka (${acknowledged.size} acknowledged, ${stored.size} stored)`);
    console.log(`outage: ${outcomes.length} answers, ${acknowledged.size} events acknowledged, ${during.length} answers during the outage, recovered ${((recoveredAt - resumedAt) / 1000).toFixed(1)} s after resume began, slowest answer ${slowest.toFixed(0)} ms`);
  });
});
