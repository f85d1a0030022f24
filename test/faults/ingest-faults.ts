// Faults under ingest load: the broker SIGKILLed and restarted, the collector SIGKILLed and restarted,
// and a soak at half the measured rate with the collector's RSS sampled.
import { setTimeout as sleep } from 'node:timers/promises';
import { uniquePrefix } from '../support/kafka.ts';
import type { PrivateBroker } from '../support/private-broker.ts';
import { collectorProcess, readBack, rssMiB, startLoad, until } from './ingest-load.ts';
import { heapProbe, inspectorUrl, type MemoryAfterGc } from './heap-probe.ts';
import type { FaultRow } from './row.ts';

const CLIENTS = 8;

type Load = ReturnType<typeof startLoad>;

/**
 * Ingest under load while `fault` breaks something and brings it back, then read back by eventId every
 * event the collector answered 2xx. `fault` returns when ingest may resume.
 */
async function underLoad(name: string, fault: (load: Load, collector: Awaited<ReturnType<typeof collectorProcess>>) => Promise<void>, broker: PrivateBroker) {
  const prefix = uniquePrefix(`fault-${name}`);
  const collector = await collectorProcess(broker.brokers, prefix);
  const load = startLoad(collector.url, name, CLIENTS);
  try {
    await until('events acknowledged before the fault', () => load.stats.acknowledged.size >= 2000, 60_000);
    await fault(load, collector);
    const resumed = load.stats.acknowledged.size;
    await until('ingest back after the restart', () => load.stats.acknowledged.size >= resumed + 2000, 120_000);
  } finally {
    await load.stop();
    await collector.kill('SIGTERM');
  }
  return { s: load.stats, r: await readBack(broker.brokers, `${prefix}heartbeats`, [load]) };
}

export async function brokerKilled(broker: PrivateBroker): Promise<FaultRow> {
  const { s, r } = await underLoad('broker-kill', async (load) => {
    await broker.kill();
    const before = load.stats.unavailable;
    await until('503s while the broker is gone', () => load.stats.unavailable >= before + 20, 60_000);
    await broker.resume();
  }, broker);
  return {
    fault: 'broker SIGKILLed and restarted', load: `${CLIENTS} clients x 20 events, unpaced`,
    acknowledged: s.acknowledged.size, readBack: r.readBack, lost: r.lost, duplicates: r.duplicates, pages: '-',
    checked: [
      `${s.answers} answers; ${s.unavailable} were 503, ${s.unavailableWithRetryAfter} of them with Retry-After; other statuses: ${[...s.otherStatuses].join(',') || 'none'}; connection errors ${s.connectionErrors}`,
      `${s.acknowledged.size} events answered 2xx, ${r.readBack} of them read back from Kafka by eventId, ${r.lost} lost; ${r.stored} events stored, ${r.duplicates} extra copies (each with its eventId)`,
    ],
    ok: r.lost === 0 && s.unavailable > 0 && s.unavailable === s.unavailableWithRetryAfter && s.otherStatuses.size === 0,
  };
}

export async function collectorRestarted(broker: PrivateBroker): Promise<FaultRow> {
  const { s, r } = await underLoad('collector-restart', async (load, collector) => {
    await collector.kill('SIGKILL');
    const errors = load.stats.connectionErrors;
    await until('clients refused while it is down', () => load.stats.connectionErrors > errors, 30_000);
    await collector.start();
  }, broker);
  return {
    fault: 'collector SIGKILLed and restarted', load: `${CLIENTS} clients x 20 events, unpaced`,
    acknowledged: s.acknowledged.size, readBack: r.readBack, lost: r.lost, duplicates: r.duplicates, pages: '-',
    checked: [
      `${s.answers} answers, ${s.connectionErrors} connection errors while it was down (the clients resent those batches)`,
      `${s.acknowledged.size} acknowledged, ${r.readBack} read back by eventId, ${r.lost} lost; ${r.duplicates} extra copies, all with their eventId (${r.withoutEventId} without), which the processors count once`,
    ],
    ok: r.lost === 0 && r.withoutEventId === 0,
  };
}

export async function soak(broker: PrivateBroker, minutes: number, compression?: string): Promise<FaultRow> {
  const prefix = uniquePrefix('fault-soak');
  // The inspector lets the soak read the collector's live heap after a forced GC beside its RSS. One
  // process (collector.workers 1): the heap and RSS probed are those of the process that serves.
  const collector = await collectorProcess(broker.brokers, prefix, {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim(), RINGWATCH_COLLECTOR_WORKERS: '1',
  }, compression);
  const url = inspectorUrl(collector.output());
  if (!url) throw new Error('the collector printed no inspector URL');
  const heap = await heapProbe(url);
  const measure = startLoad(collector.url, 'soak-measure', CLIENTS);
  let load = measure;
  let measured = 0;
  const rss: number[] = [];
  const afterGc: MemoryAfterGc[] = [];
  const started = Date.now();
  try {
    await sleep(3000); // warm-up, not counted
    const from = measure.stats.acknowledged.size;
    const t0 = Date.now();
    await sleep(10_000);
    measured = ((measure.stats.acknowledged.size - from) * 1000) / (Date.now() - t0);
    await measure.stop();
    const rate = Math.max(1, Math.round(measured / 2));
    load = startLoad(collector.url, 'soak', CLIENTS, 20, rate);
    const end = Date.now() + minutes * 60_000;
    const every = Math.max(1000, Math.min(30_000, (minutes * 60_000) / 40));
    const sample = async () => {
      rss.push(rssMiB(collector.child.pid!));
      afterGc.push(await heap.afterGc());
    };
    while (Date.now() < end) {
      await sample();
      await sleep(Math.min(every, Math.max(0, end - Date.now())));
    }
    await sample();
  } finally {
    heap.close();
    await load.stop();
    await collector.kill('SIGTERM');
  }
  const s = load.stats;
  const elapsedMin = (Date.now() - started) / 60_000;
  // Printed before the read-back, so a failing read-back still leaves the memory figures.
  console.log(`   collector RSS (MiB): ${rss.map((x) => x.toFixed(0)).join(' ')}`);
  const heapAfterGc = afterGc.map((m) => m.heapUsedMiB);
  const externalAfterGc = afterGc.map((m) => m.externalMiB);
  console.log(`   collector JS heap after GC (MiB): ${heapAfterGc.map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`   collector external memory after GC (MiB): ${externalAfterGc.map((x) => x.toFixed(1)).join(' ')}`);
  // RSS after the GC less what V8 and Buffers hold: native memory (allocator arenas, code, thread stacks).
  console.log(`   collector after GC, V8 heap committed / RSS less that and external (MiB): ${afterGc.map((m) => `${m.heapTotalMiB.toFixed(0)}/${(m.rssMiB - m.heapTotalMiB - m.externalMiB).toFixed(0)}`).join(' ')}`);
  console.log(`   harness: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB RSS, collector output kept ${(collector.output().length / 1024).toFixed(0)} KiB`);
  const r = await readBack(broker.brokers, `${prefix}heartbeats`, [measure, load]);
  const quarter = Math.max(1, Math.floor(rss.length / 4));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // The first quarter is warm-up (V8 grows its heap to the load once); flat means no growth after it.
  const early = median(rss.slice(quarter, 2 * quarter));
  const late = median(rss.slice(-quarter));
  const flat = late <= early * 1.1 + 16;
  const heapEarly = median(heapAfterGc.slice(quarter, 2 * quarter));
  const heapLate = median(heapAfterGc.slice(-quarter));
  const acknowledged = measure.stats.acknowledged.size + s.acknowledged.size;
  return {
    fault: `soak, ${minutes} min${compression ? `, compression ${compression}` : ''}`, load: `half the measured rate: ${Math.round(measured / 2)} of ${Math.round(measured)} events/s`,
    acknowledged, readBack: r.readBack, lost: r.lost, duplicates: r.duplicates, pages: '-',
    checked: [
      `collector RSS (MiB) sampled ${rss.length} times over ${elapsedMin.toFixed(1)} min: ${rss.map((x) => x.toFixed(0)).join(' ')}`,
      `collector after a forced full GC (MiB), same times: JS heap ${heapAfterGc.map((x) => x.toFixed(1)).join(' ')}; external ${externalAfterGc.map((x) => x.toFixed(1)).join(' ')}`,
      `RSS: median of the second quarter (after warm-up) ${early.toFixed(0)} MiB, of the last ${late.toFixed(0)} MiB: ${flat ? 'flat' : 'GROWING'} (bound: +10% +16 MiB); after GC, medians of the same quarters: JS heap ${heapEarly.toFixed(1)} -> ${heapLate.toFixed(1)} MiB, external ${median(externalAfterGc.slice(quarter, 2 * quarter)).toFixed(1)} -> ${median(externalAfterGc.slice(-quarter)).toFixed(1)} MiB`,
      `${acknowledged} acknowledged (${measure.stats.acknowledged.size} while measuring the rate, ${s.acknowledged.size} paced), ${r.readBack} read back by eventId in ${r.seconds.toFixed(0)} s, ${r.lost} lost, ${r.duplicates} extra copies, ${r.withoutEventId} stored without an eventId, ${r.foreign} foreign; ${measure.stats.unavailable + s.unavailable} answers 503`,
    ],
    ok: flat && r.lost === 0 && r.withoutEventId === 0,
  };
}
