#!/usr/bin/env node
// `npm run bench:detection [-- --seeds tuning|evaluation] [--family NAME] [--spec FILE]`: replays seeded
// scenario families in-process through the detection and alerting cores in virtual time, with thresholds
// fixed in the spec file, and prints per-family quality figures as a Markdown table (plus the machine and
// the command, for docs/detection-quality.md). A benchmark prints figures; it does not pass or fail.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { replayRun, type RunRecord } from './detection-run.ts';
import { addRun, emptyScore, markdownTable, mergeScores, tableRow, type FamilyScore } from './detection-score.ts';
import { loadBenchSpec, runsOf, type SeedSet } from './detection-spec.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
const { values } = parseArgs({
  options: {
    spec: { type: 'string', default: `${root}/deploy/examples/detection-bench.yaml` },
    seeds: { type: 'string', default: 'evaluation' },
    family: { type: 'string', multiple: true },
  },
});
if (values.seeds !== 'tuning' && values.seeds !== 'evaluation') throw new Error('--seeds: tuning or evaluation');
const seeds = values.seeds as SeedSet;
const spec = loadBenchSpec(values.spec);
const families = spec.families.filter((f) => !values.family?.length || values.family.includes(f.name));

function describeRun(rec: RunRecord): string {
  const releases = rec.summary.releases.map((r) => `${r.component}@${r.version}[${r.effect}] ${r.outcome} exposed ${r.exposure.total}`).join('; ');
  const pages = rec.pages.map((p) => `${p.kind}:${p.release ? `${p.release.component}@${p.release.version}` : 'gap'}@${p.ring}+${((p.atMs - rec.summary.startMs) / 1000).toFixed(0)}s`).join(', ');
  return `  ${rec.family} seed ${rec.seed}, ${rec.devices} devices: ${rec.events} events in ${(rec.wallMs / 1000).toFixed(1)} s; ${releases}; pages: ${pages || 'none'}`;
}

const started = Date.now();
const scores: FamilyScore[] = [];
for (const family of families) {
  const score = emptyScore(family.name);
  for (const run of runsOf(spec, family, seeds, root)) {
    const rec = await replayRun(run);
    addRun(score, rec, run.scenario.noise.outages.length > 0);
    process.stderr.write(`${describeRun(rec)}\n`);
  }
  scores.push(score);
}
const total = mergeScores('all families', scores);
const command = `npm run bench:detection${seeds === 'tuning' ? ' -- --seeds tuning' : ''}`;
process.stdout.write([
  `Detection quality, ${seeds} seeds: \`${command}\``,
  `machine: ${availableParallelism()} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; `
    + `${total.runs} runs, ${total.events.toLocaleString('en-US')} events replayed in ${((Date.now() - started) / 1000).toFixed(0)} s of wall time`,
  '',
  markdownTable([...scores.map(tableRow), tableRow(total)]),
  '',
].join('\n'));
