// Record format v2 on the way out: batchable records (BusRecord.batchable) of one publish are grouped by
// the partition their key hashes to and packed into batch records (common/contract/batch.ts), up to
// bus.batch_max_events events and bus.batch_max_bytes bytes each. A batch record's key is its first
// entry's key, so Kafka's murmur2 partitioner puts it on that partition, the partition every entry's own
// key hashes to: per-device order and partition ownership are those of one record per event. Records
// that are not batchable (ticks, tombstones, dead letters) go out as they are, in their place within
// their partition. Combined with CoalescingProducer in front (several requests' events in one publish),
// this is batching across requests.
// With `compact` (bus.batch_format: compact), the batch records are compact ones (record format v3,
// common/contract/compact-batch.ts), encoded from each record's `doc` (or its parsed JSON value).
import { batchHeaders, encodeBatch, entryBytes, type BatchEntry } from '../contract/batch.ts';
import { COMPACT_BATCH_FORMAT, CompactEncoder, type CompactEntry } from '../contract/compact-batch.ts';
import { partitionFor } from './partitioner.ts';
import { recordValue, type BusProducer, type BusRecord } from './types.ts';

export interface BatchingOptions {
  maxEvents: number;
  maxBytes: number;
  /** Write compact batch records (v3) instead of JSON ones (v2). */
  compact?: boolean;
}

export class BatchingProducer implements BusProducer {
  private readonly inner: BusProducer;
  private readonly partitionsOf: (topic: string) => Promise<number>;
  private readonly o: BatchingOptions;

  constructor(inner: BusProducer, partitionsOf: (topic: string) => Promise<number>, options: BatchingOptions) {
    this.inner = inner;
    this.partitionsOf = partitionsOf;
    this.o = options;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  stop(): Promise<void> {
    return this.inner.stop();
  }

  async publish(topic: string, records: BusRecord[]): Promise<void> {
    if (!records.some((r) => r.batchable && !r.tombstone)) return this.inner.publish(topic, records);
    return this.inner.publish(topic, batchRecords(records, await this.partitionsOf(topic), this.o));
  }
}

/** The records of one publish as Kafka will get them: batchable runs per partition packed into batches. */
export function batchRecords(records: readonly BusRecord[], partitions: number, o: BatchingOptions): BusRecord[] {
  const byPartition = new Map<number, BusRecord[]>();
  for (const r of records) {
    const p = partitionFor(r.key, partitions);
    let list = byPartition.get(p);
    if (!list) byPartition.set(p, (list = []));
    list.push(r);
  }
  const out: BusRecord[] = [];
  for (const list of byPartition.values()) {
    if (o.compact) compactRuns(list, o, out);
    else jsonRuns(list, o, out);
  }
  return out;
}

function jsonRuns(list: BusRecord[], o: BatchingOptions, out: BusRecord[]): void {
  let run: BatchEntry[] = [];
  let bytes = 0;
  const close = () => {
    if (!run.length) return;
    out.push({ key: run[0].key, value: encodeBatch(run), headers: batchHeaders() });
    run = [];
    bytes = 0;
  };
  for (const given of list) {
    const r = given.value.length === 0 && given.doc !== undefined ? { ...given, value: recordValue(given) } : given;
    if (!r.batchable || r.tombstone) {
      close();
      out.push(r);
      continue;
    }
    const size = entryBytes(r);
    if (run.length && (run.length >= o.maxEvents || bytes + size > o.maxBytes)) close();
    run.push(r);
    bytes += size;
  }
  close();
}

/** A record's document for a compact batch: `doc`, else its value parsed (undefined if that is not JSON). */
function docOf(r: BusRecord): unknown {
  if (r.doc !== undefined) return r.doc;
  try {
    return JSON.parse(r.value.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function compactRuns(list: BusRecord[], o: BatchingOptions, out: BusRecord[]): void {
  let enc = new CompactEncoder();
  let run: CompactEntry[] = [];
  const close = () => {
    if (!enc.count) return;
    out.push({ key: run[0].key, value: enc.finish(), headers: batchHeaders(COMPACT_BATCH_FORMAT) });
    enc = new CompactEncoder();
    run = [];
  };
  for (const r of list) {
    const doc = r.batchable && !r.tombstone ? docOf(r) : undefined;
    if (doc === undefined) {
      // Not batchable, or not JSON: on its own, in its place.
      close();
      out.push(r.doc !== undefined ? { ...r, value: recordValue(r) } : r);
      continue;
    }
    if (enc.count >= o.maxEvents) close();
    const entry: CompactEntry = { key: r.key, doc, ...(r.headers ? { headers: r.headers } : {}) };
    enc.add(entry);
    run.push(entry);
    if (enc.bytes > o.maxBytes && enc.count > 1) {
      // Over the bound: the run without its last entry is a record, the last entry starts the next one
      // (encoded again: rare, once per max_bytes of events).
      const last = run.pop()!;
      enc = new CompactEncoder();
      for (const e of run) enc.add(e);
      close();
      enc.add(last);
      run.push(last);
    }
  }
  close();
}
