// The suite's table: one row per figure, its ratio to the machine limit (Kafka's Java producer, same run;
// column `limit`), the baseline measured in the same run, the ratio to it, the target and whether it is met. Also written into the JSON as `table`.
import type { SuiteResults } from './suite.ts';

export interface Row { figure: string; value: string; limit: string; baseline: string; ratio: string; target: string; met: string }

const n = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? 'n/a' : Math.round(x).toLocaleString('en-US'));
const r = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !b ? '' : (a / b).toFixed(2));
const yes = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'met' : 'NOT met');

export function rows(s: SuiteResults): Row[] {
  const out: Row[] = [];
  const limit = s.limit?.recordsPerSec;
  /** Every throughput figure as a ratio to the machine limit measured in the same run. */
  const vs = (x: number | undefined) => (limit ? r(x, limit) : '');
  const push = (row: Omit<Row, 'limit'> & { events?: number }) => {
    const { events, ...rest } = row;
    out.push({ ...rest, limit: vs(events) });
  };
  if (s.limit) {
    push({ figure: "machine limit: Kafka's Java producer (acks all, idempotent, 380 B records), records/s", value: n(limit), events: limit,
      baseline: `${s.limit.runs.length} run(s): ${s.limit.runs.map((x) => n(x.recordsPerSec)).join(', ')}`, ratio: '', target: '', met: '' });
  }
  const i = s.ingest;
  if (i) {
    const javaOk = i.javaRatio === undefined ? undefined : i.javaRatio >= 0.6;
    push({ figure: 'ingest: collector HTTP -> Kafka (acks all), events/s', value: n(i.collectorEventsPerSec), events: i.collectorEventsPerSec,
      baseline: `bare kafkajs producer (v1 records) ${n(i.bareEventsPerSec)}`, ratio: i.ratio.toFixed(2), target: '>= 150,000 and >= 0.6 of the limit',
      met: `${yes(i.collectorEventsPerSec >= 150_000)} / limit ratio ${yes(javaOk)}` });
    if (i.v2EventsPerSec !== undefined) {
      push({ figure: 'ingest: collector writing v2 JSON batch records (same rounds), events/s', value: n(i.v2EventsPerSec), events: i.v2EventsPerSec,
        baseline: `v3 collector ${n(i.collectorEventsPerSec)}`, ratio: (i.collectorEventsPerSec / i.v2EventsPerSec).toFixed(2), target: '(before record format v3)', met: '' });
    }
    push({ figure: `ingest: per CPU-second of the collector (workers: ${i.workers}), events`, value: n(i.collectorEventsPerCpuSec), baseline: `${i.collectorCores} cores used; machine ${Math.round(100 * i.machineBusy)} % busy`, ratio: '', target: '', met: '' });
    push({ figure: 'bare kafkajs producer, 1,000-event sends, v1 records, events/s', value: n(i.bareEventsPerSec), events: i.bareEventsPerSec, baseline: '', ratio: '', target: '', met: '' });
    push({ figure: `ingest: p99 per request at 70% load (${n(i.at70.eventsPerSec)} events/s)`, value: `${i.at70.p99Ms} ms (p50 ${i.at70.p50Ms})`, events: i.at70.eventsPerSec,
      baseline: `at saturation p99 ${i.collectorP99Ms} ms`, ratio: '', target: '< 100 ms at 70% of >= 150,000', met: yes(i.at70.p99Ms < 100 && i.at70.targetEventsPerSec >= 105_000) });
  }
  const c = s.core;
  if (c) {
    push({ figure: 'detection core in-process, events/s (1 thread)', value: `${n(c.coreEventsPerSec)} (${n(c.coreEventsPerCpuSec)}/CPU-s)`, events: c.coreEventsPerSec,
      baseline: `bare JSON.parse loop ${n(c.jsonParseEventsPerSec)}`, ratio: r(c.coreEventsPerSec, c.jsonParseEventsPerSec), target: '>= 200,000 per core', met: yes(c.coreEventsPerSec >= 200_000) });
    push({ figure: 'decode + validate + core, events/s (1 thread)', value: `${n(c.decodeCoreEventsPerSec)} (${n(c.decodeCoreEventsPerCpuSec)}/CPU-s)`, events: c.decodeCoreEventsPerSec,
      baseline: `bare JSON.parse loop ${n(c.jsonParseEventsPerSec)}`, ratio: r(c.decodeCoreEventsPerSec, c.jsonParseEventsPerSec), target: '(v1 records)', met: '' });
    if (c.decodeV2EventsPerSec !== undefined && !Number.isNaN(c.decodeV2EventsPerSec)) {
      push({ figure: 'decode v2 batch records + validate + core, events/s (1 thread)', value: `${n(c.decodeV2EventsPerSec)} (${n(c.decodeV2EventsPerCpuSec)}/CPU-s)`, events: c.decodeV2EventsPerSec,
        baseline: `bare JSON.parse loop ${n(c.jsonParseEventsPerSec)}`, ratio: r(c.decodeV2EventsPerSec, c.jsonParseEventsPerSec), target: '', met: '' });
    }
    if (c.decodeV3EventsPerSec !== undefined && !Number.isNaN(c.decodeV3EventsPerSec)) {
      push({ figure: 'decode v3 compact batch records + validate + core, events/s (1 thread)', value: `${n(c.decodeV3EventsPerSec)} (${n(c.decodeV3EventsPerCpuSec)}/CPU-s)`, events: c.decodeV3EventsPerSec,
        baseline: `bare JSON.parse loop ${n(c.jsonParseEventsPerSec)}`, ratio: r(c.decodeV3EventsPerSec, c.jsonParseEventsPerSec), target: '(what the source stage runs)', met: '' });
    }
    for (const m of c.memory) {
      push({ figure: `memory per tracked device at ${n(m.devices)}`, value: `${m.tableBytesPerDevice.toFixed(1)} B (heap ${m.heapBytesPerDevice.toFixed(1)} B)`,
        baseline: '', ratio: '', target: '<= 100 B', met: yes(Math.max(m.tableBytesPerDevice, m.heapBytesPerDevice) <= 100) });
    }
  }
  const main = (s.scaling ?? []).some((x) => x.format === 'v3') ? 'v3' : 'v2';
  for (const format of ['v3', 'v2', 'v1'] as const) {
    const runs = (s.scaling ?? []).filter((x) => (x.format ?? 'v1') === format);
    const bare = runs.find((x) => x.instances === 'bare kafkajs');
    for (const x of runs) {
      const label = { v3: 'v3 compact batch records', v2: 'v2 JSON batch records', v1: 'v1 records' }[format];
      if (x === bare) {
        push({ figure: `bare kafkajs consumer, 6 partitions, ${label} (${n(x.records)}), events/s`, value: n(x.eventsPerSec), events: x.eventsPerSec, baseline: '', ratio: '', target: '', met: '' });
        continue;
      }
      push({ figure: `through Kafka, ${x.instances} processor instance(s), 6 partitions, ${label}, events/s`, value: `${n(x.eventsPerSec)} (steady ${n(x.steadyEventsPerSec)})`, events: x.eventsPerSec,
        baseline: `bare kafkajs consumer ${n(bare?.eventsPerSec)}`, ratio: r(x.eventsPerSec, bare?.eventsPerSec),
        target: x.instances === 1 && format === main ? '>= 150,000' : 'scaling table', met: x.instances === 1 && format === main ? yes(x.eventsPerSec >= 150_000) : '' });
    }
  }
  const l = s.latency;
  if (l) {
    push({ figure: 'event received -> decision on the decisions topic', value: `p50 ${n(l.decisionP50Ms)} ms, p99 ${n(l.decisionP99Ms)} ms`, baseline: '', ratio: '', target: 'report p50/p99', met: '' });
    const pages = l.runs.map((x) => x.pageMs).filter((x) => x !== undefined);
    const halts = l.runs.map((x) => x.haltMs).filter((x) => x !== undefined);
    push({ figure: 'event received -> page at fake PagerDuty (per run)', value: `${pages.map((x) => `${n(x)} ms`).join(', ') || 'none'}`, baseline: '', ratio: '', target: 'report', met: '' });
    push({ figure: 'event received -> halt on signals topic (per run)', value: `${halts.map((x) => `${n(x)} ms`).join(', ') || 'none'}`, baseline: '', ratio: '', target: 'report', met: '' });
  }
  return out;
}

export function printTable(s: SuiteResults): void {
  const m = s.machine;
  console.log(`\nringwatch bench suite, ${s.date}: nproc ${m.nproc} (${m.cpu}), ${m.memGiB} GiB, Node ${m.node}, ${m.broker}`);
  const table = rows(s);
  const cols: (keyof Row)[] = ['figure', 'value', 'limit', 'baseline', 'ratio', 'target', 'met'];
  const width = cols.map((k) => Math.max(k.length, ...table.map((row) => row[k].length)));
  const line = (cells: string[]) => `| ${cells.map((c, k) => c.padEnd(width[k])).join(' | ')} |`;
  console.log(line(cols));
  console.log(`|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table) console.log(line(cols.map((k) => row[k])));
}
