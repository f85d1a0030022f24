// The Kafka admin calls roles make at start-up (topic set-up, offsets for scans, group clean-up), retried
// on the errors a busy or electing broker gives, with backoff and jitter, until bus.kafka.admin_deadline_ms;
// then reported with the call, its topics or groups, the last error and how long it tried.
// kafkajs retries some of these itself, but not all: createTopics passes UNKNOWN_TOPIC_OR_PARTITION from
// its wait for leaders straight up (src/admin/index.js), and deleteGroups most coordinator errors.
import type { Admin, ITopicConfig } from 'kafkajs';
import type { Clock } from '../runtime/clock.ts';
import { describeError, withRetries } from '../runtime/retry.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { TopicSpec } from './types.ts';

export type AdminCalls = Pick<Admin, 'listTopics' | 'createTopics' | 'fetchTopicMetadata' | 'fetchTopicOffsets' | 'fetchTopicOffsetsByTimestamp' | 'deleteGroups'>;

export interface AdminRetrySettings {
  deadlineMs: number;
  initialMs: number;
  maxMs: number;
  logger?: Logger;
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** A topic created (or found) whose partitions have no leader yet: the broker is still electing. */
export class TopicsNotReadyError extends Error {
  readonly retriable = true;
  constructor(topics: string[]) {
    super(`no leader yet for a partition of ${topics.join(', ')}`);
    this.name = 'TopicsNotReadyError';
  }
}

// kafkajs errors by class name (its classes are not reachable as ESM named exports). Connection trouble,
// timeouts of its own waits (leaders, request locks), metadata not loaded yet, and a coordinator not found
// (__consumer_offsets still being created) all pass once the broker catches up.
const RETRIABLE_CLASSES = new Set([
  'KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError', 'KafkaJSNoBrokerAvailableError',
  'KafkaJSBrokerNotFound', 'KafkaJSMetadataNotLoaded', 'KafkaJSTopicMetadataNotLoaded', 'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSTimeout', 'KafkaJSLockTimeout', 'KafkaJSGroupCoordinatorNotFound',
]);
/** Wrappers of kafkajs's own retrier around the error that ended its retries. */
const WRAPPERS = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSNonRetriableError']);
const GROUP_ID_NOT_FOUND = 69;

type KafkaLikeError = Error & {
  type?: string; retriable?: boolean; cause?: unknown; errors?: unknown[];
  groups?: { groupId: string; errorCode: number; error?: unknown }[];
};

/** Whether an admin call that failed with `err` may succeed if simply tried again. */
export function isRetriableAdminError(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 5) return false;
  const e = err as KafkaLikeError;
  if (err instanceof TopicsNotReadyError) return true;
  // Instances racing to create the same topic: the next attempt lists it and goes on.
  if (e.type === 'TOPIC_ALREADY_EXISTS') return true;
  if (WRAPPERS.has(e.name) && e.cause !== undefined && e.cause !== err) return isRetriableAdminError(e.cause, depth + 1);
  if (e.name === 'KafkaJSNumberOfRetriesExceeded') return true;
  if (e.name === 'KafkaJSAggregateError') return (e.errors ?? []).length > 0 && (e.errors ?? []).every((x) => isRetriableAdminError(x, depth + 1));
  if (e.name === 'KafkaJSDeleteGroupsError') {
    const failed = (e.groups ?? []).filter((g) => g.errorCode !== 0 && g.errorCode !== GROUP_ID_NOT_FOUND);
    return failed.length > 0 && failed.every((g) => isRetriableAdminError(g.error, depth + 1));
  }
  if (RETRIABLE_CLASSES.has(e.name)) return true;
  // KafkaJSProtocolError (and KafkaJSCreateTopicError): the broker's error code says, as kafkajs maps it.
  return e.name.startsWith('KafkaJS') && typeof e.type === 'string' && e.retriable === true;
}

function allAlreadyExist(err: unknown): boolean {
  const e = err as KafkaLikeError;
  if (e?.type === 'TOPIC_ALREADY_EXISTS') return true;
  return e?.name === 'KafkaJSAggregateError' && (e.errors ?? []).length > 0 && (e.errors ?? []).every((x) => (x as KafkaLikeError)?.type === 'TOPIC_ALREADY_EXISTS');
}

const listed = (names: string[]) => (names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', '));

function topicConfig(s: TopicSpec, replicationFactor: number): ITopicConfig {
  return {
    topic: s.name,
    numPartitions: s.partitions,
    replicationFactor,
    configEntries: [
      ...(s.cleanupPolicy ? [{ name: 'cleanup.policy', value: s.cleanupPolicy }] : []),
      ...(s.retentionMs ? [{ name: 'retention.ms', value: String(s.retentionMs) }] : []),
    ],
  };
}

export class RetryingAdmin {
  private readonly admin: AdminCalls;
  private readonly s: AdminRetrySettings;

  constructor(admin: AdminCalls, settings: AdminRetrySettings) {
    this.admin = admin;
    this.s = settings;
  }

  /** Create the missing topics and wait until every partition of every one has a leader. */
  ensureTopics(specs: TopicSpec[], replicationFactor: number): Promise<void> {
    const names = specs.map((s) => s.name);
    let call = 'listTopics';
    const attempt = async () => {
      call = 'listTopics';
      const existing = new Set(await this.admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.name));
      if (missing.length) {
        call = `createTopics ${listed(missing.map((s) => s.name))}`;
        // Leaders are awaited below, where UNKNOWN_TOPIC_OR_PARTITION is retried too (kafkajs's wait is not).
        await this.admin.createTopics({ waitForLeaders: false, timeout: 30_000, topics: missing.map((s) => topicConfig(s, replicationFactor)) })
          .catch((err: unknown) => { if (!allAlreadyExist(err)) throw err; });
      }
      call = 'fetchTopicMetadata';
      const { topics } = await this.admin.fetchTopicMetadata({ topics: names });
      const found = new Map(topics.map((t) => [t.name, t]));
      const leaderless = names.filter((n) => { const t = found.get(n); return !t || !t.partitions.length || t.partitions.some((p) => p.leader < 0); });
      if (leaderless.length) throw new TopicsNotReadyError(leaderless);
    };
    return this.retry(attempt, `ensure topics ${listed(names)}`, undefined, (err) => `${call}: ${describeError(err)}`);
  }

  /** Topic metadata (partitions and their leaders), retried like every other admin call. */
  fetchTopicMetadata(topics: string[], signal?: AbortSignal) {
    return this.retry(() => this.admin.fetchTopicMetadata({ topics }), `fetchTopicMetadata ${listed(topics)}`, signal);
  }

  fetchTopicOffsets(topic: string, signal?: AbortSignal) {
    return this.retry(() => this.admin.fetchTopicOffsets(topic), `fetchTopicOffsets ${topic}`, signal);
  }

  fetchTopicOffsetsByTimestamp(topic: string, timestampMs: number, signal?: AbortSignal) {
    return this.retry(() => this.admin.fetchTopicOffsetsByTimestamp(topic, timestampMs), `fetchTopicOffsetsByTimestamp ${topic}`, signal);
  }

  /** Delete groups; those already gone (GROUP_ID_NOT_FOUND) count as deleted, the others are retried. */
  deleteGroups(groupIds: string[]): Promise<void> {
    let remaining = groupIds;
    return this.retry(async () => {
      if (!remaining.length) return;
      try {
        await this.admin.deleteGroups(remaining);
      } catch (err) {
        const groups = (err as KafkaLikeError).groups;
        if (!groups) throw err;
        const failed = groups.filter((g) => g.errorCode !== 0 && g.errorCode !== GROUP_ID_NOT_FOUND).map((g) => g.groupId);
        if (!failed.length) return;
        remaining = remaining.filter((id) => failed.includes(id));
        throw err;
      }
    }, `deleteGroups ${listed(groupIds)}`);
  }

  private retry<T>(fn: () => Promise<T>, what: string, signal?: AbortSignal, describe?: (err: unknown) => string): Promise<T> {
    const { deadlineMs, initialMs, maxMs, logger, clock, sleep, random } = this.s;
    return withRetries(fn, { what, deadlineMs, initialMs, maxMs, logger, clock, sleep, random, signal, describe, retryable: (err) => isRetriableAdminError(err) });
  }
}
