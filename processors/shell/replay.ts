// State recovery by replay: a source's state is a function of its partition's log, so an instance that is
// handed a partition (after a rebalance, a restart or another instance's death) rebuilds it by reading the
// partition from the start up to the group's committed offset, then carries on from there. Nothing is
// lost and nothing counts twice, because the core applies each offset exactly once.
// Only that partition is read (Bus.scan with `partition` and `untilOffset`), outside any consumer group;
// it is still read from its start (see docs/detection.md, Limits).
import type { Bus, ConsumedRecord } from '../../common/bus/types.ts';

export interface ReplayOptions {
  timeoutMs: number;
  /** Keeps the caller's own group membership alive while the replay runs (kafkajs #1720). */
  heartbeat: () => Promise<void>;
}

/** Feed every record of topic/partition with offset < `untilOffset` to `apply`, in order. */
export async function replayPartition(
  bus: Bus, topic: string, partition: number, untilOffset: bigint, apply: (r: ConsumedRecord) => void, o: ReplayOptions,
): Promise<number> {
  if (untilOffset <= 0n) return 0;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`replay of ${topic}/${partition} timed out`)), o.timeoutMs);
  const beat = setInterval(() => void o.heartbeat().catch(() => {}), 1000);
  let applied = 0;
  try {
    await bus.scan(topic, { partition, untilOffset, signal: abort.signal }, async (records) => {
      for (const r of records) {
        if (BigInt(r.offset) >= untilOffset) break;
        apply(r);
        applied++;
      }
    });
    return applied;
  } finally {
    clearInterval(beat);
    clearTimeout(timer);
  }
}
