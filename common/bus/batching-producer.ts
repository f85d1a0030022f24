// Record format v2 on the way out: batchable records (BusRecord.batchable) of one publish are grouped by
// the partition their key hashes to and packed into batch records (common/contract/batch.ts), up to
// bus.batch_max_events events and bus.batch_max_bytes bytes each. A batch record's key is its first
// entry's key, so Kafka's murmur2 partitioner puts it on that partition, the partition every entry's own
// key hashes to: per-device order and partition ownership are those of one record per event. Records
// that are not batchable (ticks, tombstones, dead letters) go out as they are, in their place within
// their partition. Combined with CoalescingProducer in front (several requests' events in one publish),
// this is batching across requests.
import { batchHeaders, encodeBatch, entryBytes, type BatchEntry } from '../contract/batch.ts';
import { partitionFor } from './partitioner.ts';
import type { BusProducer, BusRecord } from './types.ts';

export interface BatchingOptions {
  maxEvents: number;
  maxBytes: number;
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
    let run: BatchEntry[] = [];
    let bytes = 0;
    const close = () => {
      if (!run.length) return;
      out.push({ key: run[0].key, value: encodeBatch(run), headers: batchHeaders() });
      run = [];
      bytes = 0;
    };
    for (const r of list) {
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
  return out;
}
