// The processor reads record formats v3 (compact batch records), v2 (batch records) and v1 on one topic: every valid event of
// a batch is applied, an invalid one is dead-lettered alone with its original bytes and its place in the
// batch, a damaged batch record or one of an unknown format is dead-lettered whole, and nothing stops the
// consumer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runRoles } from '../../app/run-roles.ts';
import type { MemoryBus } from '../../common/bus/memory-bus.ts';
import { batchHeaders, encodeBatch } from '../../common/contract/batch.ts';
import { COMPACT_BATCH_FORMAT, encodeCompactBatch } from '../../common/contract/compact-batch.ts';
import { DLQ_HEADERS } from '../../common/contract/dead-letter.ts';
import { encodeEnvelope, envelopeKey } from '../../common/contract/envelope.ts';
import { createRegistry } from '../../common/telemetry/metrics.ts';
import { silentLogger } from '../../common/telemetry/logger.ts';
import { sleep } from '../../common/runtime/retry.ts';
import { processorFactory } from '../../processors/role.ts';
import { buildScenario } from './support/scenario.ts';
import { testConfig } from './support/settings.ts';

const START = Date.UTC(2026, 0, 5, 12, 0, 0);

/** A processor on a one-partition memory bus, for the length of `body`. */
async function withProcessor(body: (p: { running: Awaited<ReturnType<typeof runRoles>>; bus: MemoryBus; registry: ReturnType<typeof createRegistry> }) => Promise<void>): Promise<void> {
  const config = testConfig({}, { kind: 'memory', partitions: 1 });
  const registry = createRegistry(false);
  const running = await runRoles({ config, factories: [processorFactory], logger: silentLogger, registry });
  try {
    await body({ running, bus: running.bus as MemoryBus, registry });
  } finally {
    await running.stop();
  }
}


for (const format of ['v2', 'v3'] as const) test(`${format} batch records: valid events applied, an invalid one dead-lettered alone with its bytes, a damaged batch whole`, async () => {
  await withProcessor(async ({ running, bus, registry }) => {
    const t = running.context.topics;
    const envs = buildScenario({
      startMs: START, endMs: START + 3000, heartbeatMs: 1000, regions: ['us'],
      rings: [{ name: 'canary', devices: 4 }], components: { agent: '1.0' }, deployments: [], takes: [],
    }).filter((e) => e.kind === 'heartbeat');
    const entries = envs.map((e) => ({ key: envelopeKey(e), value: encodeEnvelope(e), headers: { traceparent: 'x' } }));
    const bad = Buffer.from('{"v":1,"kind":"heartbeat","nope":true}');
    entries.splice(2, 0, { key: 'dev-bad', value: bad, headers: { traceparent: 'x' } });
    const producer = running.context.producer;
    const damaged = Buffer.from([format === 'v2' ? 1 : COMPACT_BATCH_FORMAT, 5, 0]);
    if (format === 'v2') {
      await producer.publish(t.heartbeats, [{ key: entries[0].key, value: encodeBatch(entries), headers: batchHeaders() }]);
      await producer.publish(t.heartbeats, [{ key: 'x', value: damaged, headers: batchHeaders() }]);
    } else {
      const compact = entries.map((e) => ({ key: e.key, doc: JSON.parse(e.value.toString()) as unknown, headers: e.headers }));
      await producer.publish(t.heartbeats, [{ key: entries[0].key, value: encodeCompactBatch(compact), headers: batchHeaders(COMPACT_BATCH_FORMAT) }]);
      await producer.publish(t.heartbeats, [{ key: 'x', value: damaged, headers: batchHeaders(COMPACT_BATCH_FORMAT) }]);
    }
    await producer.publish(t.heartbeats, [{ key: 'v1', value: Buffer.from('not json') }]); // a v1 record
    let dead: ReturnType<MemoryBus['records']> = [];
    for (let i = 0; i < 100 && dead.length < 3; i++) { await sleep(50); dead = bus.records(t.deadLetter); }
    assert.equal(dead.length, 3);
    assert.equal(dead[0].key, 'dev-bad');
    assert.deepEqual(dead[0].value, bad, 'the original bytes of the entry');
    assert.equal(dead[0].headers[DLQ_HEADERS.reason], 'invalid_event');
    assert.match(dead[0].headers[DLQ_HEADERS.source], /@0#2$/);
    assert.equal(dead[1].headers[DLQ_HEADERS.reason], 'invalid_record');
    assert.deepEqual(dead[1].value, damaged);
    assert.equal(dead[2].headers[DLQ_HEADERS.reason], 'invalid_event');
    const metrics = await registry.getSingleMetricAsString('ringwatch_processor_events_total');
    assert.match(metrics, new RegExp(`outcome="accepted"} ${envs.length}\\b`));
    assert.match(metrics, /topic="heartbeats",outcome="invalid"} 3\b/);
  });
});

test('a batch record of an unknown format is dead-lettered whole, saying which format, and the next record is applied', async () => {
  await withProcessor(async ({ running, bus, registry }) => {
    const t = running.context.topics;
    const [env] = buildScenario({
      startMs: START, endMs: START + 1000, heartbeatMs: 1000, regions: ['us'],
      rings: [{ name: 'canary', devices: 1 }], components: { agent: '1.0' }, deployments: [], takes: [],
    }).filter((e) => e.kind === 'heartbeat');
    const future = Buffer.from([9, 1, 2, 3]);
    await running.context.producer.publish(t.heartbeats, [
      { key: 'x', value: future, headers: batchHeaders(9) },
      { key: envelopeKey(env), value: encodeEnvelope(env) },
    ]);
    let dead: ReturnType<MemoryBus['records']> = [];
    for (let i = 0; i < 100 && dead.length < 1; i++) { await sleep(50); dead = bus.records(t.deadLetter); }
    assert.equal(dead.length, 1);
    assert.deepEqual(dead[0].value, future, 'the record whole, as received');
    assert.equal(dead[0].headers[DLQ_HEADERS.reason], 'invalid_record');
    assert.match(String(dead[0].headers[DLQ_HEADERS.errors]), /unknown batch format \\"9\\"/, 'the reason, as JSON in the errors header');
    let metrics = '';
    for (let i = 0; i < 100 && !/outcome="accepted"} 1\b/.test(metrics); i++) { await sleep(50); metrics = await registry.getSingleMetricAsString('ringwatch_processor_events_total'); }
    assert.match(metrics, /outcome="accepted"} 1\b/);
  });
});
