// Watermark ticks: crash partitions are often idle, and an idle partition never learns that time moved
// on, so the judge would wait for it forever. The instance that owns heartbeats partition p writes a
// tick into crashes partition p (same devices, same key hashing) whenever it closes windows. The tick
// sits in the crashes log itself, so whoever owns crashes/p -- now or in a replay -- sees exactly the
// same crashes before it, and closes the same windows with the same counts.
import type { BusRecord } from '../../common/bus/types.ts';
import { partitionFor } from '../../common/bus/partitioner.ts';

/** Header marking a tick; every other consumer of the crashes topic should skip such records. */
export const TICK_HEADER = 'ringwatch-processor-tick';

export interface Tick {
  v: 1;
  /** Windows ending at or before this time are closed. */
  watermarkMs: number;
  /** Receipt time of the record that closed them (data time). */
  closedAt: number;
}

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
  return { key: tickKey(partition, partitions), value: Buffer.from(JSON.stringify({ v: 1, ...tick })), headers: { [TICK_HEADER]: '1' } };
}

export function parseTick(value: Buffer): Tick | undefined {
  try {
    const t = JSON.parse(value.toString('utf8')) as Partial<Tick>;
    return t.v === 1 && Number.isFinite(t.watermarkMs) && Number.isFinite(t.closedAt) ? (t as Tick) : undefined;
  } catch {
    return undefined;
  }
}
