// OpenTelemetry: each write is a `send <topic>` producer span, child of the request's server span, and its
// context travels into every record's headers (W3C traceparent), so consumers can link to it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import { heartbeat } from '../../tools/bench/ingest/events.ts';
import { post, startCollector, type Harness } from './support/harness.ts';
import { installTestTracing, traceparentOf } from './support/tracing.ts';

describe('collector tracing', () => {
  const tracing = installTestTracing();
  const bus = new MemoryBus();
  let h: Harness;

  before(async () => { h = await startCollector({ bus }); });
  after(async () => {
    await h?.stop();
    tracing.uninstall();
  });

  it('puts the send span\'s context into the headers of every record it writes', async () => {
    const a = await post(h.url, '/v1/heartbeats', { events: [heartbeat(1, { runId: 'tr' }), heartbeat(2, { runId: 'tr' }), { bad: 1 }] });
    assert.equal(a.status, 200);
    const spans = tracing.exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'POST /v1/heartbeats');
    const send = spans.find((s) => s.name === `send ${h.topics.heartbeats}`);
    const dlq = spans.find((s) => s.name === `send ${h.topics.deadLetter}`);
    assert.ok(server && send && dlq, `spans: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(send.parentSpanContext?.spanId, server.spanContext().spanId);
    assert.equal(send.attributes['messaging.system'], 'kafka');
    assert.equal(send.attributes['messaging.batch.message_count'], 2);
    const records = bus.records(h.topics.heartbeats);
    assert.equal(records.length, 2);
    for (const r of records) assert.equal(r.headers.traceparent, traceparentOf(send));
    assert.equal(bus.records(h.topics.deadLetter)[0].headers.traceparent, traceparentOf(dlq));
  });
});
