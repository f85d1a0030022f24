// `ringwatch export` against a real broker: what is in the topics comes out as a replayable file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus } from '../../../common/bus/kafka-bus.ts';
import { topicSpecs } from '../../../common/bus/create-bus.ts';
import { topicNames } from '../../../common/bus/topics.ts';
import { buildConfig } from '../../../app/config.ts';
import { silentLogger } from '../../../common/telemetry/logger.ts';
import { readNdjson } from '../../../tools/replay/ndjson-reader.ts';
import { testBrokers, uniquePrefix } from '../../support/kafka.ts';
import { runCli } from '../../support/cli.ts';

const heartbeat = (i: number) => ({
  v: 1, kind: 'heartbeat', receivedAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(), collectorId: 'c1',
  event: { eventId: `hb-${i}`, deviceId: `d${i % 5}`, sentAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(), ring: 'canary', bootId: 'b', uptimeSec: 60, components: { agent: '1' } },
});

describe('ringwatch export', () => {
  it('writes every valid telemetry record of the topics to a gzip NDJSON file and skips invalid ones', async () => {
    const prefix = uniquePrefix('export');
    const config = buildConfig({ bus: { topic_prefix: prefix, partitions: 2, kafka: { brokers: testBrokers() } } }, {});
    const bus = new KafkaBus({ settings: config.bus.kafka, clientId: 'export-test', replicationFactor: 1, logger: silentLogger });
    await bus.start();
    await bus.ensureTopics(topicSpecs(config.bus));
    const topics = topicNames(prefix);
    const producer = bus.producer();
    await producer.start();
    await producer.publish(topics.heartbeats, Array.from({ length: 20 }, (_, i) => ({ key: `d${i % 5}`, value: Buffer.from(JSON.stringify(heartbeat(i))) })));
    await producer.publish(topics.heartbeats, [{ key: 'x', value: Buffer.from('not json') }]);
    await producer.publish(topics.deployments, [{ key: 'agent', value: Buffer.from(JSON.stringify({
      v: 1, kind: 'deployment', receivedAt: '2026-11-01T00:00:00Z', collectorId: 'c1',
      event: { eventId: 'dep-1', component: 'agent', version: '2', ring: 'canary', action: 'started', at: '2026-11-01T00:00:00Z' },
    })) }]);
    await producer.stop();
    await bus.stop();

    const file = join(mkdtempSync(join(tmpdir(), 'rw-export-')), 'history.ndjson.gz');
    const { code, stderr } = await runCli(['export', '--from', '1h', '--output', file],
      { RINGWATCH_KAFKA_BROKERS: testBrokers().join(','), RINGWATCH_TOPIC_PREFIX: prefix, RINGWATCH_BUS_CREATE_TOPICS: 'false' });
    assert.equal(code, 0, stderr);
    assert.match(stderr, /exported 21 events \(1 invalid records skipped\)/);
    const ids: string[] = [];
    for await (const item of readNdjson(createReadStream(file))) {
      assert.ok(item.ok, JSON.stringify(item));
      ids.push(item.envelope.event.eventId);
    }
    assert.equal(ids[0], 'dep-1', 'the rollout feed comes first');
    assert.deepEqual(new Set(ids), new Set(['dep-1', ...Array.from({ length: 20 }, (_, i) => `hb-${i}`)]));
  });
});
