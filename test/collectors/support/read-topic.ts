// Read back everything a topic holds: on Kafka with a bare kafkajs consumer up to the partitions' high
// watermarks at the time of the call (an independent client, not ringwatch's own bus code); on the memory
// bus from its log.
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { Bus } from '../../../common/bus/types.ts';
import { MemoryBus } from '../../../common/bus/memory-bus.ts';
import { withRetries } from '../../../common/runtime/retry.ts';
import { recordEntries } from '../../../common/contract/record-entries.ts';

export interface StoredRecord {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  partition: number;
}

export type TopicReader = (topic: string) => Promise<StoredRecord[]>;

export function memoryReader(bus: Bus): TopicReader {
  return async (topic) => (bus as MemoryBus).records(topic).map((r) => ({ key: r.key, value: r.value, headers: r.headers, partition: r.partition }));
}

/** The high watermark of every partition that holds records, at the time of the call. */
export async function unreadEnds(kafka: Kafka, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    // Right after a topic is created (or a broker restarted), it may still answer "not the leader" for a moment.
    const ends = await withRetries(() => admin.fetchTopicOffsets(topic), { attempts: 10, initialMs: 200, maxMs: 1000 });
    return new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** `timeoutMs` bounds reading to the end (a long soak writes millions of records). */
export function kafkaReader(brokers: string[], timeoutMs = 30_000): TopicReader {
  return async (topic) => {
    const kafka = new Kafka({ clientId: 'collector-test-reader', brokers, logLevel: logLevel.NOTHING });
    const remaining = await unreadEnds(kafka, topic);
    const out: StoredRecord[] = [];
    if (!remaining.size) return out;
    const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, allowAutoTopicCreation: false });
    // Disconnected whatever happens: a consumer left running would keep the test process alive.
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await readToEnd(consumer, topic, remaining, out, timeoutMs);
    } finally {
      await consumer.disconnect();
    }
    return out;
  };
}

function readToEnd(consumer: Consumer, topic: string, remaining: Map<number, number>, out: StoredRecord[], timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic}: not at the end after ${timeoutMs / 1000} s`)), timeoutMs);
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(v);
        out.push({ key: message.key?.toString('utf8') ?? '', value: message.value ?? Buffer.alloc(0), headers, partition });
        if (Number(message.offset) + 1 >= (remaining.get(partition) ?? Infinity)) remaining.delete(partition);
        if (!remaining.size) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
  });
}

/** Envelopes of a telemetry topic, parsed: every event of a batch record (format v2) with its own key and headers. */
export async function envelopes(read: TopicReader, topic: string): Promise<{ key: string; envelope: any; headers: Record<string, string>; partition: number }[]> {
  return (await read(topic)).flatMap((r) => recordEntries(r).map((e) => ({
    key: e.key, envelope: JSON.parse(e.value.toString('utf8')), headers: e.headers ?? {}, partition: r.partition,
  })));
}
