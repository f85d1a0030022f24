// Admin calls at start-up survive a busy broker: which kafkajs errors are retried (made by kafkajs itself),
// the deadline in virtual time with a fake admin, and what the operator reads when it gives up.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import { isRetriableAdminError, RetryingAdmin, type AdminCalls } from '../../common/bus/kafka-admin.ts';
import { ManualClock } from '../../common/runtime/clock.ts';
import { backoffMs, RetryGaveUpError, withRetries } from '../../common/runtime/retry.ts';

// The protocol errors exactly as kafkajs builds them from a broker's error code.
const { createErrorFromCode } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as { createErrorFromCode(code: number): Error };
const {
  KafkaJSAggregateError, KafkaJSConnectionError, KafkaJSCreateTopicError, KafkaJSDeleteGroupsError, KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded, KafkaJSRequestTimeoutError, KafkaJSSASLAuthenticationError, KafkaJSTimeout, KafkaJSGroupCoordinatorNotFound,
} = kafkajs as unknown as Record<string, new (...args: any[]) => Error>;
const CODE = {
  UNKNOWN_TOPIC_OR_PARTITION: 3, LEADER_NOT_AVAILABLE: 5, REQUEST_TIMED_OUT: 7, COORDINATOR_NOT_AVAILABLE: 15, TOPIC_AUTHORIZATION_FAILED: 29,
  TOPIC_ALREADY_EXISTS: 36, INVALID_PARTITIONS: 37, INVALID_REPLICATION_FACTOR: 38, NOT_CONTROLLER: 41, NON_EMPTY_GROUP: 68, GROUP_ID_NOT_FOUND: 69,
};
const protocol = (code: number) => createErrorFromCode(code);
const createError = (code: number, topic: string) => new KafkaJSCreateTopicError(protocol(code), topic);
const aggregate = (...errors: Error[]) => new KafkaJSAggregateError('Topic creation errors', errors);
const groupsError = (...groups: [string, number][]) => new KafkaJSDeleteGroupsError('Error in DeleteGroups', groups.map(([groupId, code]) => ({ groupId, errorCode: code, error: protocol(code) })));

describe('which admin errors are retried', () => {
  it('retries what a busy or electing broker answers, kafkajs wrappers included', () => {
    const retriable = {
      'unknown topic-partition just after creation': protocol(CODE.UNKNOWN_TOPIC_OR_PARTITION),
      'leader not available': protocol(CODE.LEADER_NOT_AVAILABLE),
      'not the controller': protocol(CODE.NOT_CONTROLLER),
      'request timed out on the broker': protocol(CODE.REQUEST_TIMED_OUT),
      'kafkajs gave up retrying a leader election': new KafkaJSNumberOfRetriesExceeded(protocol(CODE.LEADER_NOT_AVAILABLE), { retryCount: 8, retryTime: 1000 }),
      'connection refused': new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092', code: 'ECONNREFUSED' }),
      'request timeout': new KafkaJSRequestTimeoutError('Request createTopics(key: 19, version: 3) timed out'),
      'waiting for leaders timed out': new KafkaJSTimeout('Timed out while waiting for topic leaders'),
      'a racing instance created the topic': aggregate(createError(CODE.TOPIC_ALREADY_EXISTS, 'a')),
      'already exists and no controller': aggregate(createError(CODE.TOPIC_ALREADY_EXISTS, 'a'), createError(CODE.NOT_CONTROLLER, 'b')),
      'group coordinator not found yet': new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator'),
      'group coordinator not available': groupsError(['g1', CODE.COORDINATOR_NOT_AVAILABLE], ['g2', CODE.GROUP_ID_NOT_FOUND]),
    };
    const permanent = {
      'invalid replication factor': aggregate(createError(CODE.INVALID_REPLICATION_FACTOR, 'a')),
      'one topic invalid among retriable ones': aggregate(createError(CODE.NOT_CONTROLLER, 'a'), createError(CODE.INVALID_PARTITIONS, 'b')),
      'not authorized': protocol(CODE.TOPIC_AUTHORIZATION_FAILED),
      'kafkajs refused the request itself': new KafkaJSNonRetriableError('Invalid topics array undefined'),
      'a non-retriable error kafkajs wrapped': new KafkaJSNonRetriableError(protocol(CODE.INVALID_REPLICATION_FACTOR), { cause: protocol(CODE.INVALID_REPLICATION_FACTOR) }),
      'wrong SASL password': new KafkaJSSASLAuthenticationError('SASL PLAIN authentication failed'),
      'group not empty': groupsError(['g1', CODE.NON_EMPTY_GROUP]),
      'a bug': new TypeError('cannot read properties of undefined'),
      'not even an error': 'string',
    };
    for (const [name, err] of Object.entries(retriable)) assert.equal(isRetriableAdminError(err), true, name);
    for (const [name, err] of Object.entries(permanent)) assert.equal(isRetriableAdminError(err), false, name);
  });
});

interface FakeAdmin extends AdminCalls {
  calls: string[];
}

/** An admin whose calls answer from scripts: each entry is thrown (an Error) or returned, the last one repeats. */
function fakeAdmin(script: Partial<Record<keyof AdminCalls, unknown[]>>, topics = new Set<string>()): FakeAdmin {
  const calls: string[] = [];
  const next = (name: keyof AdminCalls, fallback: () => unknown) => async () => {
    calls.push(name);
    const steps = script[name] ?? [];
    const step = steps.length > 1 ? steps.shift() : steps[0];
    if (step instanceof Error) throw step;
    return step ?? fallback();
  };
  const metadata = () => ({ topics: [...topics].map((name) => ({ name, partitions: [{ partitionId: 0, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }] })) });
  const admin = {
    calls,
    listTopics: next('listTopics', () => [...topics]),
    fetchTopicMetadata: next('fetchTopicMetadata', metadata),
    fetchTopicOffsets: next('fetchTopicOffsets', () => [{ partition: 0, offset: '5', high: '5', low: '0' }]),
    fetchTopicOffsetsByTimestamp: next('fetchTopicOffsetsByTimestamp', () => []),
    deleteGroups: next('deleteGroups', () => []),
    createTopics: async (o: { topics: { topic: string }[] }) => {
      await next('createTopics', () => true)();
      for (const t of o.topics) topics.add(t.topic);
      return true;
    },
  };
  return admin as unknown as FakeAdmin;
}

/** Virtual time: every backoff advances the clock instead of waiting. */
function virtualTime(deadlineMs: number) {
  const clock = new ManualClock(1_000_000);
  const sleeps: number[] = [];
  return {
    clock, sleeps,
    settings: { deadlineMs, initialMs: 300, maxMs: 10_000, clock, sleep: async (ms: number) => { sleeps.push(ms); clock.advance(ms); } },
  };
}

const specs = [{ name: 'rw.heartbeats', partitions: 6 }, { name: 'rw.crashes', partitions: 6 }];

describe('admin calls with a deadline', () => {
  it('sets up topics on a broker that answers UNKNOWN_TOPIC_OR_PARTITION for a while after creating them', async () => {
    const t = virtualTime(60_000);
    const busy = protocol(CODE.UNKNOWN_TOPIC_OR_PARTITION);
    const admin = fakeAdmin({ fetchTopicMetadata: [busy, busy, busy, undefined] });
    await new RetryingAdmin(admin, t.settings).ensureTopics(specs, 1);
    assert.deepEqual(admin.calls.filter((c) => c === 'createTopics').length, 1, 'created once; later attempts find the topics');
    assert.equal(admin.calls.filter((c) => c === 'fetchTopicMetadata').length, 4);
    assert.equal(t.sleeps.length, 3);
    t.sleeps.forEach((ms, i) => {
      const cap = Math.min(10_000, 300 * 2 ** i);
      assert.ok(ms >= cap / 2 && ms <= cap, `backoff ${i + 1} is ${ms} ms, within the jitter range [${cap / 2}, ${cap}]`);
    });
  });

  it('waits until every partition has a leader', async () => {
    const t = virtualTime(60_000);
    const leaderless = { topics: specs.map((s) => ({ name: s.name, partitions: [{ partitionId: 0, leader: -1, replicas: [1], isr: [], partitionErrorCode: 5 }] })) };
    const admin = fakeAdmin({ fetchTopicMetadata: [leaderless, undefined] });
    await new RetryingAdmin(admin, t.settings).ensureTopics(specs, 1);
    assert.equal(t.sleeps.length, 1);
  });

  it('takes a topic another instance created first as created, without retrying', async () => {
    const t = virtualTime(60_000);
    const admin = fakeAdmin({ createTopics: [aggregate(createError(CODE.TOPIC_ALREADY_EXISTS, 'rw.heartbeats'), createError(CODE.TOPIC_ALREADY_EXISTS, 'rw.crashes'))] },
      new Set()); // listTopics saw nothing, the create lost the race
    admin.fetchTopicMetadata = async () => ({ topics: specs.map((s) => ({ name: s.name, partitions: [{ partitionId: 0, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }] })) });
    await new RetryingAdmin(admin, t.settings).ensureTopics(specs, 1);
    assert.equal(t.sleeps.length, 0);
  });

  it('gives up at the deadline and says which call, which topics, the last error and how long it tried', async () => {
    const t = virtualTime(20_000);
    const admin = fakeAdmin({ fetchTopicMetadata: [protocol(CODE.UNKNOWN_TOPIC_OR_PARTITION)] });
    const err = await new RetryingAdmin(admin, t.settings).ensureTopics(specs, 1).catch((e: unknown) => e);
    assert.ok(err instanceof RetryGaveUpError, String(err));
    assert.equal(err.gaveUp, 'deadline');
    assert.equal(err.elapsedMs, 20_000, 'tried until the deadline, not past it');
    assert.equal(t.sleeps.reduce((a, b) => a + b, 0), 20_000);
    assert.ok(err.attempts > 3);
    assert.match(err.message, /^ensure topics rw\.heartbeats, rw\.crashes: gave up after \d+ attempts in 20000 ms \(deadline 20000 ms\); last error: fetchTopicMetadata: KafkaJSProtocolError UNKNOWN_TOPIC_OR_PARTITION: This server does not host this topic-partition$/);
  });

  it('fails at once on a permanent error, saying it was not retried', async () => {
    const t = virtualTime(60_000);
    const admin = fakeAdmin({ createTopics: [aggregate(createError(CODE.INVALID_REPLICATION_FACTOR, 'rw.heartbeats'))] });
    const err = await new RetryingAdmin(admin, t.settings).ensureTopics(specs, 3).catch((e: unknown) => e);
    assert.ok(err instanceof RetryGaveUpError);
    assert.equal(err.gaveUp, 'permanent');
    assert.equal(t.sleeps.length, 0);
    assert.match(err.message, /failed after 1 attempt in 0 ms, not retried \(permanent error\); last error: createTopics rw\.heartbeats, rw\.crashes: KafkaJSAggregateError: Topic creation errors/);
  });

  it('does not wait past the deadline for an attempt that hangs', async () => {
    const admin = fakeAdmin({});
    admin.listTopics = () => new Promise(() => {});
    const started = Date.now();
    const err = await new RetryingAdmin(admin, { deadlineMs: 150, initialMs: 10, maxMs: 20 }).ensureTopics(specs, 1).catch((e: unknown) => e);
    assert.ok(err instanceof RetryGaveUpError);
    assert.ok(Date.now() - started < 1000, `gave up after ${Date.now() - started} ms`);
    assert.match(err.message, /attempt 1 still running at the deadline/);
  });

  it('retries fetching offsets, and deletes groups, counting groups already gone as deleted and retrying only the others', async () => {
    const t = virtualTime(60_000);
    const admin = fakeAdmin({
      fetchTopicOffsets: [new KafkaJSConnectionError('Connection error: read ECONNRESET'), undefined],
      deleteGroups: [groupsError(['g1', CODE.COORDINATOR_NOT_AVAILABLE], ['g2', CODE.GROUP_ID_NOT_FOUND]), undefined],
    });
    const deleted: string[][] = [];
    const inner = admin.deleteGroups;
    admin.deleteGroups = (ids: string[]) => { deleted.push([...ids]); return inner(ids); };
    const retrying = new RetryingAdmin(admin, t.settings);
    assert.deepEqual(await retrying.fetchTopicOffsets('rw.heartbeats'), [{ partition: 0, offset: '5', high: '5', low: '0' }]);
    await retrying.deleteGroups(['g1', 'g2']);
    assert.deepEqual(deleted, [['g1', 'g2'], ['g1']]);
    await new RetryingAdmin(fakeAdmin({ deleteGroups: [groupsError(['g3', CODE.GROUP_ID_NOT_FOUND])] }), t.settings).deleteGroups(['g3']);
  });
});

describe('retry helper', () => {
  it('keeps backoff within [cap/2, cap] of an exponentially growing cap', () => {
    assert.deepEqual([1, 2, 3, 10].map((a) => backoffMs(a, 300, 10_000, () => 0)), [150, 300, 600, 5000]);
    assert.deepEqual([1, 2, 3, 10].map((a) => backoffMs(a, 300, 10_000, () => 1)), [300, 600, 1200, 10_000]);
  });

  it('never retries what an inner retry already gave up on (retries do not multiply)', async () => {
    const t = virtualTime(5_000);
    let calls = 0;
    const inner = () => withRetries(async () => { calls++; throw new Error('busy'); }, { ...t.settings, what: 'inner' });
    const outer = await withRetries(inner, { attempts: 5, initialMs: 1, maxMs: 1, sleep: async () => {} }).catch((e: unknown) => e);
    assert.ok(outer instanceof RetryGaveUpError);
    const once = calls;
    assert.ok(once > 1);
    assert.equal(calls, once, 'the outer retry ran the inner one once');
  });

  it('without a deadline, throws the last error itself after the attempts', async () => {
    let calls = 0;
    const err = await withRetries(async () => { calls++; throw new Error(`try ${calls}`); }, { attempts: 3, initialMs: 1, maxMs: 1, sleep: async () => {} }).catch((e: unknown) => e);
    assert.deepEqual([calls, (err as Error).message], [3, 'try 3']);
  });
});
