// Read-back by eventId that scales to a long soak (millions of events): the load generator numbers its
// events (`<runId>-hb-<seq>`), so what was acknowledged and what Kafka holds are both counted in byte
// arrays indexed by that number instead of sets of strings, and the topic is streamed, never kept.
// The reader is a bare kafkajs consumer of its own (not ringwatch's bus code) that parses every stored
// record and every event in it, one partition per concurrent batch.
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { recordEntries } from '../../common/contract/record-entries.ts';
import { unreadEnds } from '../collectors/support/read-topic.ts';

/** How many times each sequence number was seen (saturating at 255), in a growing byte array. */
export class SeqCounts {
  private counts = new Uint8Array(1 << 16);
  private high = 0;
  /** Sequence numbers seen at least once. */
  size = 0;

  add(seq: number): void {
    if (seq >= this.counts.length) {
      const grown = new Uint8Array(Math.max(this.counts.length * 2, seq + 1));
      grown.set(this.counts);
      this.counts = grown;
    }
    if (this.counts[seq] === 0) this.size++;
    if (this.counts[seq] < 255) this.counts[seq]++;
    if (seq >= this.high) this.high = seq + 1;
  }

  get(seq: number): number {
    return seq < this.counts.length ? this.counts[seq] : 0;
  }

  /** Calls `f` for every sequence number seen, with its count. */
  forEach(f: (seq: number, count: number) => void): void {
    for (let i = 0; i < this.high; i++) if (this.counts[i]) f(i, this.counts[i]);
  }
}

/** One load's events: its runId and the sequence numbers the collector acknowledged. */
export interface AckedRun { runId: string; acknowledged: SeqCounts }

export interface ReadBack {
  /** Event entries stored in the topic (all runs, copies included). */
  stored: number;
  /** Acknowledged events found at least once. */
  readBack: number;
  /** Acknowledged events not found. */
  lost: number;
  /** Extra copies of events of these runs (stored more than once). */
  duplicates: number;
  /** Stored events without an eventId. */
  withoutEventId: number;
  /** Stored events with an eventId that none of these runs made. */
  foreign: number;
  /** Time the read-back took. */
  seconds: number;
}

/**
 * Reads `topic` to the high watermarks it has when called and checks every acknowledged event of `runs`
 * by eventId. Fails only when reading makes no progress for `stallMs` (a long topic takes long, but moves).
 */
export async function readBackByEventId(brokers: string[], topic: string, runs: AckedRun[], stallMs = 120_000): Promise<ReadBack> {
  const started = Date.now();
  const kafka = new Kafka({ clientId: 'fault-suite-reader', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 5000, requestTimeout: 60_000 });
  const remaining = await unreadEnds(kafka, topic);
  const seen = runs.map(() => new SeqCounts());
  const prefixes = runs.map((r) => `${r.runId}-hb-`);
  const nextOffset = new Map<number, number>();
  let stored = 0;
  let withoutEventId = 0;
  let foreign = 0;
  const count = (eventId: unknown) => {
    stored++;
    if (typeof eventId !== 'string' || !eventId) { withoutEventId++; return; }
    for (let i = 0; i < prefixes.length; i++) {
      if (!eventId.startsWith(prefixes[i])) continue;
      const seq = Number(eventId.slice(prefixes[i].length));
      if (Number.isInteger(seq) && seq >= 0) { seen[i].add(seq); return; }
    }
    foreign++;
  };
  if (remaining.size) {
    // Fetches stay small: every message of a fetch is alive until its batch is counted, and zstd-compressed
    // JSON decodes to about ten times its size (the whole topic of a 30-minute soak read in 61 s, 456 MB RSS).
    const consumer = kafka.consumer({ groupId: `fault-reader-${randomUUID()}`, allowAutoTopicCreation: false, maxBytesPerPartition: 1 << 20, maxBytes: 4 << 20 });
    // Disconnected whatever happens: a consumer left running would keep the suite alive.
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        let progressAt = Date.now();
        let reportedAt = Date.now();
        const watchdog = setInterval(() => {
          if (Date.now() - progressAt > stallMs) { clearInterval(watchdog); reject(new Error(`reading ${topic}: no progress for ${stallMs / 1000} s, ${stored} events read`)); }
          // A long read-back says how far it is, so a slow one is not taken for a hung one.
          if (Date.now() - reportedAt >= 30_000) {
            reportedAt = Date.now();
            console.log(`   read-back: ${stored} events read in ${((Date.now() - started) / 1000).toFixed(0)} s (reader RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB)`);
          }
        }, 1000);
        consumer.run({
          partitionsConsumedConcurrently: remaining.size,
          autoCommit: false,
          eachBatch: async ({ batch, heartbeat }) => {
            const end = remaining.get(batch.partition);
            for (const m of batch.messages) {
              if (end === undefined || Number(m.offset) >= end) break;
              // Each offset counts once: after a rejoin kafkajs delivers again from the last commit (none
              // here), and a 30-minute soak's first read-back counted its events four times over that way.
              if (Number(m.offset) < (nextOffset.get(batch.partition) ?? 0)) continue;
              nextOffset.set(batch.partition, Number(m.offset) + 1);
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[k] = String(v);
              for (const e of recordEntries({ key: m.key?.toString('utf8') ?? '', value: m.value ?? Buffer.alloc(0), headers })) {
                count(JSON.parse(e.value.toString('utf8')).event?.eventId);
              }
              if (Number(m.offset) + 1 >= end) remaining.delete(batch.partition);
            }
            progressAt = Date.now();
            await heartbeat();
            if (!remaining.size) { clearInterval(watchdog); resolve(); }
          },
        }).catch((err) => { clearInterval(watchdog); reject(err); });
      });
    } finally {
      await consumer.disconnect();
    }
  }
  let readBack = 0;
  let lost = 0;
  let duplicates = 0;
  runs.forEach((run, i) => {
    run.acknowledged.forEach((seq) => { if (seen[i].get(seq)) readBack++; else lost++; });
    seen[i].forEach((_seq, n) => { duplicates += n - 1; });
  });
  return { stored, readBack, lost, duplicates, withoutEventId, foreign, seconds: (Date.now() - started) / 1000 };
}
