// State recovery by replay: a source's state is a function of its partition's log, so an instance that is
// handed a partition (after a rebalance, a restart or another instance's death) rebuilds it by reading the
// partition from the start up to the group's committed offset, then carries on from there. Nothing is
// lost and nothing counts twice, because the core applies each offset exactly once.
// The Bus interface has no seek, so a temporary consumer group reads the topic from its beginning and keeps
// only the partition wanted (a seek in common/bus would make this cheaper; see docs/detection.md).
import { randomUUID } from 'node:crypto';
import type { Bus, ConsumedRecord } from '../../common/bus/types.ts';

export interface ReplayOptions {
  groupPrefix: string;
  timeoutMs: number;
  /** Keeps the caller's own group membership alive while the replay runs (kafkajs #1720). */
  heartbeat: () => Promise<void>;
}

/** Feed every record of topic/partition with offset < `untilOffset` to `apply`, in order. */
export async function replayPartition(
  bus: Bus, topic: string, partition: number, untilOffset: bigint, apply: (r: ConsumedRecord) => void, o: ReplayOptions,
): Promise<number> {
  if (untilOffset <= 0n) return 0;
  let applied = 0;
  let finish: (err?: Error) => void = () => {};
  const done = new Promise<void>((resolve, reject) => { finish = (err) => (err ? reject(err) : resolve()); });
  let finished = false;
  const consumer = bus.consumer({
    groupId: `${o.groupPrefix}-replay-${randomUUID()}`,
    topics: [topic],
    fromBeginning: true,
    handler: async (batch) => {
      if (finished || batch.partition !== partition) return;
      for (const r of batch.records) {
        if (BigInt(r.offset) >= untilOffset) break;
        apply(r);
        applied++;
      }
      if (BigInt(batch.records[batch.records.length - 1].offset) >= untilOffset - 1n) {
        finished = true;
        finish();
      }
    },
  });
  const beat = setInterval(() => void o.heartbeat().catch(() => {}), 1000);
  const timer = setTimeout(() => finish(new Error(`replay of ${topic}/${partition} timed out`)), o.timeoutMs);
  try {
    await consumer.start();
    await done;
    return applied;
  } finally {
    clearInterval(beat);
    clearTimeout(timer);
    await consumer.stop().catch(() => {});
  }
}
