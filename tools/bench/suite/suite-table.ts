// The suite's table: one row per issue-8 figure, with the baseline measured in the same run, the ratio
// to it, the target and whether it is met. Also written into the JSON as `table`.
import type { SuiteResults } from './suite.ts';

export interface Row { figure: string; value: string; baseline: string; ratio: string; target: string; met: string }

const n = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? 'n/a' : Math.round(x).toLocaleString('en-US'));
const r = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !b ? '' : (a / b).toFixed(2));
const yes = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'met' : 'NOT met');

export function rows(s: SuiteResults): Row[] {
  const out: Row[] = [];
  const i = s.ingest;
  if (i) {
    out.push({ figure: 'ingest: collector -> Kafka (acks all), events/s', value: n(i.collectorEventsPerSec), baseline: `bare kafkajs producer ${n(i.bareEventsPerSec)}`,
      ratio: i.ratio.toFixed(2), target: '>= 50,000 and ratio >= 0.5', met: `${yes(i.collectorEventsPerSec >= 50_000)} / ratio ${yes(i.ratio >= 0.5)}` });
    out.push({ figure: `ingest: p99 per request at 70% load (${n(i.at70.eventsPerSec)} events/s)`, value: `${i.at70.p99Ms} ms (p50 ${i.at70.p50Ms})`,
      baseline: `at saturation p99 ${i.collectorP99Ms} ms`, ratio: '', target: '< 100 ms at 70% of 50k', met: yes(i.at70.p99Ms < 100 && i.at70.targetEventsPerSec >= 35_000) });
  }
  const c = s.core;
  if (c) {
    out.push({ figure: 'detection core in-process, events/s (1 thread)', value: `${n(c.coreEventsPerSec)} (${n(c.coreEventsPerCpuSec)}/CPU-s)`,
      baseline: `bare JSON.parse loop ${n(c.jsonParseEventsPerSec)}`, ratio: r(c.coreEventsPerSec, c.jsonParseEventsPerSec), target: '>= 200,000 per core', met: yes(c.coreEventsPerSec >= 200_000) });
    out.push({ figure: 'decode + validate + core, events/s (1 thread)', value: `${n(c.decodeCoreEventsPerSec)} (${n(c.decodeCoreEventsPerCpuSec)}/CPU-s)`,
      baseline: `bare JSON.parse loop ${n(c.jsonParseEventsPerSec)}`, ratio: r(c.decodeCoreEventsPerSec, c.jsonParseEventsPerSec), target: '(what the Kafka path runs)', met: '' });
    for (const m of c.memory) {
      out.push({ figure: `memory per tracked device at ${n(m.devices)}`, value: `${m.tableBytesPerDevice.toFixed(1)} B (heap ${m.heapBytesPerDevice.toFixed(1)} B)`,
        baseline: '', ratio: '', target: '<= 100 B', met: yes(Math.max(m.tableBytesPerDevice, m.heapBytesPerDevice) <= 100) });
    }
  }
  const bare = s.scaling?.find((x) => x.instances === 'bare kafkajs');
  for (const x of s.scaling ?? []) {
    if (x === bare) continue;
    out.push({ figure: `through Kafka, ${x.instances} processor instance(s), 6 partitions, events/s`, value: `${n(x.eventsPerSec)} (steady ${n(x.steadyEventsPerSec)})`,
      baseline: `bare kafkajs consumer ${n(bare?.eventsPerSec)}`, ratio: r(x.eventsPerSec, bare?.eventsPerSec),
      target: x.instances === 1 ? '>= 50,000 end to end' : 'scaling table', met: x.instances === 1 ? yes(x.eventsPerSec >= 50_000) : '' });
  }
  const l = s.latency;
  if (l) {
    out.push({ figure: 'event received -> decision on the decisions topic', value: `p50 ${n(l.decisionP50Ms)} ms, p99 ${n(l.decisionP99Ms)} ms`, baseline: '', ratio: '', target: 'report p50/p99', met: '' });
    const pages = l.runs.map((x) => x.pageMs).filter((x) => x !== undefined);
    const halts = l.runs.map((x) => x.haltMs).filter((x) => x !== undefined);
    out.push({ figure: 'event received -> page at fake PagerDuty (per run)', value: `${pages.map((x) => `${n(x)} ms`).join(', ') || 'none'}`, baseline: '', ratio: '', target: 'report', met: '' });
    out.push({ figure: 'event received -> halt on signals topic (per run)', value: `${halts.map((x) => `${n(x)} ms`).join(', ') || 'none'}`, baseline: '', ratio: '', target: 'report', met: '' });
  }
  return out;
}

export function printTable(s: SuiteResults): void {
  const m = s.machine;
  console.log(`\nringwatch bench suite, ${s.date}: nproc ${m.nproc} (${m.cpu}), ${m.memGiB} GiB, Node ${m.node}, ${m.broker}`);
  const table = rows(s);
  const cols: (keyof Row)[] = ['figure', 'value', 'baseline', 'ratio', 'target', 'met'];
  const width = cols.map((k) => Math.max(k.length, ...table.map((row) => row[k].length)));
  const line = (cells: string[]) => `| ${cells.map((c, k) => c.padEnd(width[k])).join(' | ')} |`;
  console.log(line(cols));
  console.log(`|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table) console.log(line(cols.map((k) => row[k])));
}
