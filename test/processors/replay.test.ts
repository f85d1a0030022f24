// State recovery by replay (processors/shell/replay.ts): a restarted processor rebuilds each partition it
// is handed from that partition's own records, below the group's committed offset, and judges as before;
// the replay reads outside any consumer group, leaves none behind, and gives up after its timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Kafka } from 'kafkajs';
import { KafkaBus } from '../../common/bus/kafka-bus.ts';
import { MemoryBus } from '../../common/bus/memory-bus.ts';
import type { Bus, ConsumedRecord, ScanRange } from '../../common/bus/types.ts';
import { runRoles } from '../../app/run-roles.ts';
import { sleep } from '../../common/runtime/retry.ts';
import { createRegistry } from '../../common/telemetry/metrics.ts';
import { createLogger, silentLogger } from '../../common/telemetry/logger.ts';
import { processorFactory } from '../../processors/role.ts';
import { replayPartition } from '../../processors/shell/replay.ts';
import { testBrokers, uniquePrefix } from '../support/kafka.ts';
import { build, catastropheScenario } from './support/scenarios.ts';
import { expectCatastrophe } from './support/expectations.ts';
import { judgedThrough, publishScenario, readDecisions } from './support/kafka-run.ts';
import { kafkaBus, testConfig } from './support/settings.ts';

const START = Date.UTC(2026, 0, 5, 12, 0, 0);

interface ScanSeen { topic: string; range: ScanRange; partitions: Set<number>; records: number }

/** The bus, with every scan's range and what it delivered recorded. */
function recordingScans(bus: Bus, scans: ScanSeen[]): Bus {
  return {
    kind: bus.kind,
    start: () => bus.start(), stop: () => bus.stop(), ready: () => bus.ready(),
    ensureTopics: (specs) => bus.ensureTopics(specs), producer: () => bus.producer(),
    consumer: (o) => bus.consumer(o), consumers: () => bus.consumers(), lag: (g, t) => bus.lag(g, t),
    deleteGroups: (ids) => bus.deleteGroups(ids), leadership: (o) => bus.leadership(o),
    scan: (topic, range, onBatch) => {
      const seen: ScanSeen = { topic, range, partitions: new Set(), records: 0 };
      scans.push(seen);
      return bus.scan(topic, range, async (records) => {
        for (const r of records) seen.partitions.add(r.partition);
        seen.records += records.length;
        await onBatch(records);
      });
    },
  };
}

function logLines(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(chunk.toString())); done(); } });
  return { logger: createLogger('info', 'test', sink), lines };
}

test('a restarted processor rebuilds each partition from that partition\'s records only, and judges as before', async () => {
  const prefix = uniquePrefix('proc-replay');
  const config = testConfig({ group_id: `${prefix}processor` }, kafkaBus(testBrokers(), prefix, 6));
  const newBus = () => new KafkaBus({ settings: config.bus.kafka, clientId: 'test', replicationFactor: 1, logger: silentLogger });
  const { spec, times } = catastropheScenario(START);
  const envs = build(spec);
  const middle = START + 12_000;

  // First instance: the first half of the stream, then an orderly stop (its offsets are committed).
  const first = newBus();
  const one = await runRoles({ config, factories: [processorFactory], logger: silentLogger, registry: createRegistry(false), bus: first });
  try {
    const reader = await readDecisions(one.bus, one.context.topics.decisions);
    await publishScenario(one.context.producer, one.context.topics, envs, 1000, 0, middle);
    await reader.until(judgedThrough(START + 9_000), 120_000);
    await reader.stop();
  } finally {
    await one.stop();
    await first.stop();
  }

  // Second instance, same group: handed every partition, it rebuilds their state by replay.
  const scans: ScanSeen[] = [];
  const { logger, lines } = logLines();
  const second = newBus();
  const two = await runRoles({ config, factories: [processorFactory], logger, registry: createRegistry(false), bus: recordingScans(second, scans) });
  try {
    const reader = await readDecisions(two.bus, two.context.topics.decisions);
    await publishScenario(two.context.producer, two.context.topics, envs, 1000, middle);
    const decisions = await reader.until(judgedThrough(times.endMs - 2000), 90_000);
    await reader.stop();
    expectCatastrophe(decisions, envs, times);
  } finally {
    await two.stop();
  }
  try {
    const rebuilt = lines.filter((l) => l.msg === 'source state rebuilt by replay');
    assert.ok(rebuilt.some((l) => String(l.source).startsWith('heartbeats/')), 'heartbeat partitions were rebuilt');
    for (const l of rebuilt) {
      // Offsets start at 0 and have no gaps here: every record below the committed offset, applied once.
      assert.equal(l.records, Number(l.offset), `${l.source}: records applied vs records below the committed offset`);
    }
    assert.equal(scans.length, rebuilt.length, 'one scan per rebuilt partition');
    for (const s of scans) {
      assert.equal(typeof s.range.partition, 'number', 'a replay reads one partition');
      assert.deepEqual([...s.partitions], [s.range.partition], `${s.topic}: only records of partition ${s.range.partition}`);
      assert.equal(BigInt(s.records), s.range.untilOffset, `${s.topic}/${s.range.partition}: nothing at or past the committed offset`);
    }
    assert.deepEqual(await leftoverScanGroups(), [], 'no consumer group is left behind');
    // Each processor start had its own pair of judge groups; an orderly stop deletes them.
    assert.deepEqual(await groupsStartingWith(`${prefix}processor-judge-`), [], 'no judge group is left behind');
  } finally {
    await second.stop();
  }
});

/** Consumer groups on the test broker whose id starts with `prefix`. */
async function groupsStartingWith(prefix: string): Promise<string[]> {
  const admin = new Kafka({ brokers: testBrokers(), logLevel: 0 }).admin();
  await admin.connect();
  try {
    return (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
  } finally {
    await admin.disconnect();
  }
}

/** Scan groups that are empty and still there a second later (a finished scan deletes its group at once). */
async function leftoverScanGroups(): Promise<string[]> {
  const admin = new Kafka({ brokers: testBrokers(), logLevel: 0 }).admin();
  await admin.connect();
  try {
    const empty = async () => {
      const ids = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith('ringwatch-scan-'));
      if (!ids.length) return [];
      return (await admin.describeGroups(ids)).groups.filter((g) => g.state === 'Empty').map((g) => g.groupId);
    };
    const before = await empty();
    await sleep(1000);
    const after = new Set(await empty());
    return before.filter((id) => after.has(id));
  } finally {
    await admin.disconnect();
  }
}

test('replay feeds exactly the partition\'s records below the offset, in order (in-memory bus)', async () => {
  const bus = new MemoryBus({ maxBatch: 7 });
  await bus.ensureTopics([{ name: 'hb', partitions: 6 }]);
  await bus.producer().publish('hb', Array.from({ length: 600 }, (_, i) => ({ key: `device-${i}`, value: Buffer.from(String(i)) })));
  const log = bus.records('hb').filter((r) => r.partition === 4);
  const applied: ConsumedRecord[] = [];
  const n = await replayPartition(bus, 'hb', 4, 40n, (r) => applied.push(r), { timeoutMs: 5000, heartbeat: async () => {} });
  assert.equal(n, 40);
  assert.deepEqual(applied.map((r) => `${r.partition}@${r.offset}`), log.slice(0, 40).map((r) => `4@${r.offset}`));
  assert.equal(await replayPartition(bus, 'hb', 4, 0n, () => assert.fail('nothing to apply'), { timeoutMs: 5000, heartbeat: async () => {} }), 0);
});

test('a replay that outlasts its timeout fails with an error, stops its scan, and heartbeats the caller meanwhile', async () => {
  let range: ScanRange | undefined;
  const stuck = recordingScans(new MemoryBus(), []);
  stuck.scan = (_topic, r) => {
    range = r;
    return new Promise((_resolve, reject) => r.signal?.addEventListener('abort', () => reject(r.signal?.reason)));
  };
  let heartbeats = 0;
  await assert.rejects(
    replayPartition(stuck, 'hb', 3, 100n, () => {}, { timeoutMs: 2500, heartbeat: async () => { heartbeats++; } }),
    /replay of hb\/3 timed out/,
  );
  assert.equal(range?.partition, 3);
  assert.equal(range?.untilOffset, 100n);
  assert.equal(range?.signal?.aborted, true, 'the scan was told to stop');
  assert.ok(heartbeats >= 2, `the caller's group membership was kept alive (${heartbeats} heartbeats)`);
});
