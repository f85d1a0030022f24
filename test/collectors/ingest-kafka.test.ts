// The ingest contract against the running collector on a real Kafka broker: what is acknowledged is read
// back from the topics with an independent kafkajs consumer. With a tracing SDK installed, the send
// span's context must arrive in the Kafka record headers.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { heartbeat } from '../../tools/bench/ingest/events.ts';
import { post, startCollector } from './support/harness.ts';
import { ingestContract } from './support/ingest-contract.ts';
import { envelopes, kafkaReader } from './support/read-topic.ts';
import { installTestTracing, traceparentOf } from './support/tracing.ts';
import { testBrokers, uniquePrefix } from '../support/kafka.ts';

const tracing = installTestTracing();

ingestContract('kafka', async () => {
  const brokers = testBrokers();
  const harness = await startCollector({ brokers, topicPrefix: uniquePrefix('collector') });
  return { harness, read: kafkaReader(brokers) };
});

it('carries the trace context of each send into the Kafka record headers', async () => {
  const brokers = testBrokers();
  const h = await startCollector({ brokers, topicPrefix: uniquePrefix('collector-trace') });
  try {
    const body = { events: [heartbeat(1, { runId: 'kt' }), heartbeat(2, { runId: 'kt' })] };
    // Like a device: a 503 (a broker busy creating the new topics) is retried after Retry-After.
    for (let attempt = 0; (await post(h.url, '/v1/heartbeats', body)).status !== 200; attempt++) {
      assert.ok(attempt < 5, 'accepted within 5 attempts');
      await new Promise((r) => setTimeout(r, 1000));
    }
    const sends = new Set(tracing.exporter.getFinishedSpans().filter((s) => s.name === `send ${h.topics.heartbeats}`).map(traceparentOf));
    const stored = await envelopes(kafkaReader(brokers), h.topics.heartbeats);
    assert.ok(stored.length >= 2);
    for (const s of stored) assert.ok(sends.has(s.headers.traceparent), `${s.headers.traceparent} is a send span's context`);
  } finally {
    await h.stop();
  }
});
