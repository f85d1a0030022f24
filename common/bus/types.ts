// The bus every role talks to. Two implementations: Kafka (kafkajs) and in-memory (embedded mode, unit
// tests). Both pass test/bus/contract.ts. Keep kafkajs types out of this file so the client can be replaced.
import type { Lifecycle } from '../runtime/lifecycle.ts';

export interface BusRecord {
  /** Partitioning key (device id, cell id, ...). Same key, same partition, same order. */
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
  /**
   * A deletion on a compacted topic: Kafka gets a null value (a tombstone), so compaction drops the key;
   * `value` is then empty. Consumed records carry it back.
   */
  tombstone?: boolean;
  /**
   * The writer allows this record to travel inside a batch record (record format v3,
   * common/contract/compact-batch.ts, or v2, batch.ts) with other batchable records of the same partition; a bus with
   * bus.batch_records off, and every record without this flag, is written as a record of its own.
   * Readers of such a topic must accept both (`recordEntries` in common/contract/record-entries.ts, or the batch readers on the hot path).
   */
  batchable?: boolean;
  /**
   * The value as a JSON document, when the writer has it (the collector's envelopes). A compact batch
   * record (record format v3, common/contract/compact-batch.ts) encodes it without JSON text; with `doc`
   * set, `value` may be empty, and a bus writing the record on its own writes JSON.stringify(doc)
   * (`recordValue`).
   */
  doc?: unknown;
}

/** The bytes a record is written with: its value, or its document as JSON text when the value was left empty. */
export function recordValue(r: BusRecord): Buffer {
  return r.value.length === 0 && r.doc !== undefined && !r.tombstone ? Buffer.from(JSON.stringify(r.doc)) : r.value;
}

export interface ConsumedRecord extends Omit<BusRecord, 'batchable'> {
  topic: string;
  partition: number;
  /** Offset as a decimal string (Kafka offsets are 64-bit). */
  offset: string;
  /** Broker (log-append or create) time, ms since the epoch. */
  timestamp: number;
  headers: Record<string, string>;
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
}

export interface BatchContext {
  /** Tell the group coordinator we are alive; call inside long batches (kafkajs #1720). */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition was revoked: stop early, do not commit. */
  isRunning(): boolean;
}

/**
 * Processes one batch. Offsets are committed only after it resolves, so a crash before that redelivers
 * the batch: handlers must be idempotent (dedupe by eventId). A throw is retried from the last commit.
 * Batches of different partitions may run concurrently (Kafka: bus.kafka.partitions_consumed_concurrently),
 * two of the same partition never do: state shared across partitions needs its own ordering.
 */
export type BatchHandler = (batch: ConsumedBatch, ctx: BatchContext) => Promise<void>;

export interface TopicSpec {
  name: string;
  partitions: number;
  /** 'compact' for changelog / latest-value topics. */
  cleanupPolicy?: 'delete' | 'compact';
  retentionMs?: number;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts. Default: earliest (nothing acknowledged is skipped). */
  fromBeginning?: boolean;
  handler: BatchHandler;
  /** Called on partition assignment changes (for state hand-over). */
  onAssignment?: (assigned: { topic: string; partition: number }[]) => void;
}

export interface BusProducer extends Lifecycle {
  /** Resolves only when the bus acknowledged every record (Kafka: acks=all). Rejects otherwise. */
  publish(topic: string, records: BusRecord[]): Promise<void>;
}

export interface ConsumerStats {
  batches: number;
  records: number;
  /** When a batch was last committed (or the consumer started), ms since the epoch. */
  lastProgressMs: number;
  started: boolean;
  stopped: boolean;
}

export interface BusConsumer extends Lifecycle {
  /** Records consumed and committed so far, for watchdogs and lag. */
  readonly stats: ConsumerStats;
}

export interface ScanRange {
  fromMs?: number;
  toMs?: number;
  /** Read only this partition; the others are not fetched at all. */
  partition?: number;
  /** Stop before this offset (exclusive; offsets are per partition). Default: the end as of the call. */
  untilOffset?: bigint;
  /** Abort the scan (e.g. `AbortSignal.timeout(ms)`): it stops reading and rejects with the reason. */
  signal?: AbortSignal;
}

export interface LeadershipOptions {
  /** The election's consumer group: every candidate joins it. */
  groupId: string;
  /** A single-partition topic nobody writes to: whoever is assigned partition 0 leads. */
  topic: string;
  /** A candidate that stops heartbeating is replaced after this long (the takeover bound). */
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Called on every change, in order; `true`: this candidate leads now. */
  onChange: (leader: boolean) => void;
}

/**
 * One leader among candidates. A leader that cannot heartbeat steps down (onChange(false)) before the
 * coordinator could have given the lead to another candidate; a new member joining does not move the lead.
 */
export interface Leadership extends Lifecycle {
  readonly leader: boolean;
}

export interface Bus extends Lifecycle {
  readonly kind: 'kafka' | 'memory';
  /** Create missing topics; existing ones are left as they are. */
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  producer(): BusProducer;
  consumer(options: ConsumerOptions): BusConsumer;
  /** Consumers created on this bus and not yet stopped, for lag and stall monitoring. */
  consumers(): { groupId: string; topics: string[]; consumer: BusConsumer }[];
  /**
   * Read a topic (or one partition of it) from the records appended at or after `fromMs` (broker time), else
   * from its start, up to its end as of the call (or `untilOffset`), outside any consumer group, passing
   * records with timestamp < `toMs` to `onBatch`, each partition's in offset order. Resolves with the count;
   * rejects with the error `onBatch` threw, or with `signal.reason` once aborted.
   */
  scan(topic: string, range: ScanRange, onBatch: (records: ConsumedRecord[]) => Promise<void>): Promise<number>;
  /**
   * Forget consumer groups that have no members left (their committed offsets go with them): for groups
   * that live as long as one process, so restarts do not pile them up. Unknown groups are ignored.
   */
  deleteGroups(groupIds: string[]): Promise<void>;
  /** Committed-offset lag of a group per topic-partition (end offset - committed offset). */
  lag(groupId: string, topics: string[]): Promise<{ topic: string; partition: number; lag: number }[]>;
  /** Take part in an election among the members of `options.groupId` (start() joins, stop() leaves). */
  leadership(options: LeadershipOptions): Leadership;
  /** True while the bus can take writes (for /readyz). */
  ready(): boolean;
}
