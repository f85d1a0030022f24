// Durable alerter state on the compacted, single-partition incidents topic: key = state key
// (`rr|...`, `gap|...`, `incident|...`, `outbox|...`), value = its JSON; a deleted key gets a tombstone
// (null value), so compaction removes it and the topic keeps only live state. At start the whole topic is
// scanned (outside any consumer group), latest value per key wins, so a restart neither forgets an open
// incident nor loses an undelivered page.
import type { Bus, BusProducer, BusRecord } from '../../common/bus/types.ts';
import type { Logger } from '../../common/telemetry/logger.ts';
import { sleep } from '../../common/runtime/retry.ts';
import { decodeState, encodeState } from '../../common/contract/alerter-state.ts';
import { publishDeadLetters, type DeadLetter } from '../../common/contract/dead-letter.ts';

/** Half of Kafka's default message.max.bytes, leaving room for keys and batch overhead. */
const MAX_CHUNK_BYTES = 512 * 1024;

export class StateStore {
  private readonly bus: Bus;
  private readonly producer: BusProducer;
  private readonly topic: string;
  private readonly logger: Logger;
  private readonly deadLetterTopic: string | undefined;

  constructor(deps: { bus: Bus; producer: BusProducer; topic: string; logger: Logger; deadLetterTopic?: string }) {
    this.bus = deps.bus;
    this.producer = deps.producer;
    this.topic = deps.topic;
    this.logger = deps.logger;
    this.deadLetterTopic = deps.deadLetterTopic;
  }

  /**
   * Write values (undefined: deleted). Resolves once the bus acknowledged all of them. Sent in chunks
   * that stay under Kafka's default record-batch limit (message.max.bytes, 1 MB): the topic has one
   * partition, so one produce request is one batch.
   */
  async persist(entries: [key: string, value: unknown][]): Promise<void> {
    let chunk: BusRecord[] = [];
    let bytes = 0;
    for (const [key, value] of entries) {
      const record: BusRecord = value === undefined
        ? { key, value: Buffer.alloc(0), tombstone: true }
        : { key, value: encodeState(value as object) };
      if (chunk.length && bytes + record.value.length > MAX_CHUNK_BYTES) {
        await this.producer.publish(this.topic, chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(record);
      bytes += record.value.length + key.length;
    }
    if (chunk.length) await this.producer.publish(this.topic, chunk);
  }

  /** Read the topic from its beginning to its current end and return the latest value of every live key. */
  async readAll(timeoutMs: number, retryMs = 200): Promise<Map<string, unknown>> {
    return (await this.readBack(timeoutMs, retryMs)).state;
  }

  /** The same, with the offset after the last record read (where a follower of the topic goes on from). */
  async readBack(timeoutMs: number, retryMs = 200): Promise<{ state: Map<string, unknown>; nextOffset: bigint }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = new Map<string, unknown>();
      let nextOffset = 0n;
      const unreadable: DeadLetter[] = [];
      const scan = this.bus.scan(this.topic, {}, async (records) => {
        for (const r of records) {
          if (BigInt(r.offset) >= nextOffset) nextOffset = BigInt(r.offset) + 1n;
          // Empty values are deletions written before tombstones were.
          if (r.tombstone || !r.value.length) { state.delete(r.key); continue; }
          const decoded = decodeState(r.key, r.value);
          if (decoded.ok) state.set(r.key, decoded.value);
          else unreadable.push({ key: r.key, original: r.value, reason: 'invalid_record', errors: decoded.errors, source: `topic:${r.topic}/${r.partition}@${r.offset}` });
        }
      });
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading back ${this.topic} took longer than ${timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
      });
      try {
        await Promise.race([scan, expired]);
        if (unreadable.length) {
          this.logger.error({ topic: this.topic, unreadable: unreadable.length, first: unreadable[0].errors }, 'unreadable state records skipped');
          if (this.deadLetterTopic) await publishDeadLetters(this.producer, this.deadLetterTopic, unreadable, new Date());
        }
        return { state, nextOffset };
      } catch (err) {
        // A topic created a moment ago may have no partition leader yet: try again until the deadline.
        if (Date.now() + retryMs >= deadline) throw err;
        this.logger.warn({ err: (err as Error).message }, 'reading back alerter state failed; retrying');
        await sleep(retryMs);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
