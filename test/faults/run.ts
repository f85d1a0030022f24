// `npm run test:faults`: the fault suite on a broker of its own (never the shared test broker). Each fault
// prints what it checked with its counts; the table at the end is what docs/faults.md holds (also written
// to .ringwatch/faults.md). Exit code 1 if any fault fails.
//   --only a,b             run only these (broker, processor, alerter, pager, collector, soak)
//   --soak-minutes N       soak length (default 1; docs/faults.md quotes a 30-minute run)
//   --soak-compression C   the soak collector's producer compression (none, gzip, zstd; default: the product's)
//   --pager-outage-secs N  how long PagerDuty answers 500 (default 60)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Decision } from '../../common/contract/decision.ts';
import { startPrivateBroker } from '../support/private-broker.ts';
import { runTwoProcessors } from '../processors/support/sigkill-run.ts';
import { activeAlerterKilled, pagerOutage } from './alerting-faults.ts';
import { brokerKilled, collectorRestarted, soak } from './ingest-faults.ts';
import { tableOf, type FaultRow } from './row.ts';

const { values } = parseArgs({ options: {
  only: { type: 'string' }, 'soak-minutes': { type: 'string', default: '1' }, 'pager-outage-secs': { type: 'string', default: '60' },
  'soak-compression': { type: 'string' },
} });
const only = values.only ? new Set(values.only.split(',')) : undefined;
const root = join(import.meta.dirname, '../..');
process.env.RINGWATCH_KAFKA_LIBS_DIR ??= join(root, '.ringwatch/kafka-libs');

async function processorKilled(): Promise<FaultRow> {
  const killed = await runTwoProcessors(true);
  const clean = await runTwoProcessors(false);
  const view = (ds: Decision[]) => ds.map((d) => `${d.id} => ${d.verdict} | ${JSON.stringify(d.evidence)}`).sort();
  const a = view(killed);
  const b = new Set(view(clean));
  const differing = a.filter((x) => !b.has(x)).length + Math.abs(a.length - b.size);
  return {
    fault: 'processor SIGKILLed mid-window and restarted (1 of 2; its partitions rebuilt by replay)', load: 'catastrophe scenario, 1,000 devices',
    acknowledged: '-', readBack: '-', lost: '-', duplicates: '-', pages: '-',
    checked: [`${killed.length} decisions with the kill, ${clean.length} without; ${differing} differ (ids, verdicts, evidence)`],
    ok: differing === 0 && clean.length > 300,
  };
}

const broker = await startPrivateBroker('faults');
process.env.RINGWATCH_TEST_KAFKA_BROKERS = broker.brokers.join(',');
const faults: [string, () => Promise<FaultRow>][] = [
  ['broker', () => brokerKilled(broker)],
  ['processor', processorKilled],
  ['alerter', () => activeAlerterKilled(broker)],
  ['pager', () => pagerOutage(broker, Number(values['pager-outage-secs']))],
  ['collector', () => collectorRestarted(broker)],
  ['soak', () => soak(broker, Number(values['soak-minutes']), values['soak-compression'])],
];
const rows: FaultRow[] = [];
try {
  for (const [name, run] of faults) {
    if (only && !only.has(name)) continue;
    const started = Date.now();
    console.log(`== fault: ${name}`);
    let row: FaultRow;
    try {
      row = await run();
    } catch (err) {
      row = { fault: name, load: '-', acknowledged: '-', readBack: '-', lost: '-', duplicates: '-', pages: '-', checked: [`error: ${(err as Error).stack}`], ok: false };
    }
    for (const line of row.checked) console.log(`   ${line}`);
    console.log(`   ${row.ok ? 'pass' : 'FAIL'} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    rows.push(row);
  }
} finally {
  await broker.stop().catch((err: Error) => console.error(`stopping the broker: ${err.message}`));
}
const table = tableOf(rows);
console.log(`\n${table}`);
mkdirSync(join(root, '.ringwatch'), { recursive: true });
writeFileSync(join(root, '.ringwatch/faults.md'), `${table}\n\n${rows.map((r) => `- ${r.fault}: ${r.checked.join('; ')}`).join('\n')}\n`);
process.exit(rows.every((r) => r.ok) ? 0 : 1);
