// Where watermark ticks go (their format: common/contract/ticks.ts). Crash partitions are often idle, and an idle partition never learns that time moved
// on, so the judge would wait for it forever. The instance that owns heartbeats partition p writes a
// tick into crashes partition p (same devices, same key hashing) whenever it closes windows. The tick
// sits in the crashes log itself, so whoever owns crashes/p -- now or in a replay -- sees exactly the
// same crashes before it, and closes the same windows with the same counts.
import type { BusRecord } from '../../common/bus/types.ts';
import { partitionFor } from '../../common/bus/partitioner.ts';
import { encodeTick, TICK_HEADER, type Tick } from '../../common/contract/ticks.ts';

const keys = new Map<string, string>();

/** A key that the default partitioner sends to `partition` (found once by counting up). */
export function tickKey(partition: number, partitions: number): string {
  const cacheKey = `${partition}/${partitions}`;
  const known = keys.get(cacheKey);
  if (known) return known;
  for (let n = 0; ; n++) {
    const key = `ringwatch-tick-${partition}-${n}`;
    if (partitionFor(key, partitions) === partition) {
      keys.set(cacheKey, key);
      return key;
    }
  }
}

export function tickRecord(partition: number, partitions: number, tick: Omit<Tick, 'v'>): BusRecord {
  return { key: tickKey(partition, partitions), value: encodeTick(tick), headers: { [TICK_HEADER]: '1' } };
}
