// The collector's CPU per event, in-process, by record format: parse request bodies (100 heartbeats each),
// accept them, and form the batch records of 100 requests at a time (one coalesced publish) as v2 (JSON
// envelope + JSON batch record) or v3 (compact batch record from the envelope objects); "accept" stops
// before any encoding. Prints events per CPU-second, three passes each (the first warms the JIT), then the
// cost of forming the records alone (the same publishes accepted once up front), in ns an event.
//
//   node tools/bench/ingest/encode-bench.ts
import { acceptEvents } from '../../../collectors/accept.ts';
import { parseBatch } from '../../../collectors/batch.ts';
import { batchRecords } from '../../../common/bus/batching-producer.ts';
import type { BusRecord } from '../../../common/bus/types.ts';
import { encodeEnvelope, envelopeKey } from '../../../common/contract/envelope.ts';
import { heartbeat } from './events.ts';

const now = Date.now();
const at = new Date(now).toISOString();
const bodies = Array.from({ length: 500 }, (_, r) => Buffer.from(JSON.stringify({
  events: Array.from({ length: 100 }, (_, i) => heartbeat(r * 100 + i, { runId: 'encode-bench', at })),
})));
const policy = { maxFutureSkewMs: 86_400_000, maxPastAgeMs: 30 * 86_400_000 };
const NO_VALUE = Buffer.alloc(0);

/** One request body accepted as the collector does, as the records it would publish (v2: JSON values). */
function acceptedRecords(body: Buffer, receivedAtMs: number, format: 'accept' | 'v2' | 'v3'): BusRecord[] {
  return acceptEvents({ kind: 'heartbeat', events: parseBatch(body, 1000).events, receivedAtMs, collectorId: 'c1', policy }).accepted
    .map(({ envelope }) => (format === 'v2'
      ? { key: envelopeKey(envelope), value: encodeEnvelope(envelope), batchable: true }
      : { key: envelopeKey(envelope), value: NO_VALUE, doc: envelope, batchable: true }));
}

function eventsPerCpuSecond(format: 'accept' | 'v2' | 'v3'): number {
  const cpu = process.cpuUsage();
  let events = 0;
  for (let rep = 0; rep < 4; rep++) {
    for (let g = 0; g < bodies.length; g += 100) {
      const records: BusRecord[] = [];
      for (const body of bodies.slice(g, g + 100)) {
        const accepted = acceptedRecords(body, now, format);
        records.push(...accepted);
        events += accepted.length;
      }
      if (format !== 'accept') batchRecords(records, 6, { maxEvents: 1000, maxBytes: 524_288, compact: format === 'v3' });
    }
  }
  const u = process.cpuUsage(cpu);
  return Math.round(events / ((u.user + u.system) / 1e6));
}

for (let pass = 1; pass <= 3; pass++) {
  const figures = (['accept', 'v2', 'v3'] as const).map((f) => `${f} ${eventsPerCpuSecond(f).toLocaleString('en-US')}`);
  console.log(`pass ${pass}: events per CPU-second: ${figures.join(', ')}`);
}

// Encoding alone: 100 publishes of 300 accepted heartbeats each, formed into records 10 times per pass.
const publishes: BusRecord[][] = [];
for (let g = 0; g < 100; g++) {
  publishes.push(bodies.slice((g * 3) % 498, (g * 3) % 498 + 3).flatMap((body) => acceptedRecords(body, now + g, 'v3')));
}
for (let pass = 1; pass <= 3; pass++) {
  const cpu = process.cpuUsage();
  let events = 0;
  for (let rep = 0; rep < 10; rep++) {
    for (const records of publishes) {
      batchRecords(records, 6, { maxEvents: 1000, maxBytes: 524_288, compact: true });
      events += records.length;
    }
  }
  const u = process.cpuUsage(cpu);
  console.log(`pass ${pass}: v3 records formed from accepted envelopes: ${Math.round((u.user + u.system) * 1000 / events)} ns an event`);
}
