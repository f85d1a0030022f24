#!/usr/bin/env node
// `npm run bench:detection [-- --seeds tuning|evaluation] [--family NAME] [--spec FILE]`: replays seeded
// scenario families in-process through the detection and alerting cores in virtual time, with thresholds
// fixed in the spec file, and prints per-family quality figures as a Markdown table (plus the machine and
// the command, for docs/detection-quality.md). A benchmark prints figures; it does not pass or fail.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { replayRun, type RunRecord } from './detection-run.ts';
import { addRun, deathsNeeded, emptyScore, markdownTable, mergeScores, onsetToFailSecs, tableRow, type FamilyScore } from './detection-score.ts';
import { loadBenchSpec, runsOf, type SeedSet } from './detection-spec.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
const { values } = parseArgs({
  options: {
    spec: { type: 'string', default: `${root}/deploy/examples/detection-bench.yaml` },
    seeds: { type: 'string', default: 'evaluation' },
    family: { type: 'string', multiple: true },
    profile: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
  },
});
if (values.seeds !== 'tuning' && values.seeds !== 'evaluation') throw new Error('--seeds: tuning or evaluation');
const seeds = values.seeds as SeedSet;
const spec = loadBenchSpec(values.spec);
// Default: the spec's default profiles (the realistic ones); --profile and --family pick others.
const profiles = values.profile?.length ? values.profile : values.family?.length ? undefined : spec.default_profiles;
for (const p of values.profile ?? []) if (!spec.profiles[p]) throw new Error(`--profile: unknown profile ${p} (${Object.keys(spec.profiles).join(', ')})`);
for (const f of values.family ?? []) if (!spec.families.some((g) => g.name === f)) throw new Error(`--family: unknown family ${f}`);
const families = spec.families.filter((f) => (!values.family?.length || values.family.includes(f.name)) && (!profiles || profiles.includes(f.profile)));
// --quick: one run per family (its first seed), and no fleet above 20,000 devices: a smoke run of minutes.
const QUICK_MAX_DEVICES = 20_000;

function describeRun(rec: RunRecord): string {
  const releases = rec.summary.releases.map((r, k) => {
    const mine = rec.verdicts.filter((v) => v.release === k);
    const firstFail = mine.find((v) => v.verdict === 'fail');
    const started = rec.summary.actions.find((a) => a.release === k && a.action === 'started');
    const onset = firstFail && started && r.effect !== 'healthy'
      ? ` (onset -> fail decision ${(onsetToFailSecs(rec, r, started, firstFail) / 60).toFixed(1)} min${ruleWait(r, firstFail)}${firstFail.explanation ? `: ${firstFail.explanation}` : ''})` : '';
    const fail = firstFail ? `, first fail +${((firstFail.atMs - rec.summary.startMs) / 60_000).toFixed(0)} min on ${firstFail.ring}${onset}` : '';
    // The deaths the onset counts (k in the first ring) and two more: a fail that waited for later deaths shows.
    const needed = started ? deathsNeeded(rec, r, started.ring) : rec.minAffected;
    const deaths = r.failedAtMs.length
      ? `, first deaths (k = ${needed}) +${r.failedAtMs.slice(0, needed + 2).map((t) => ((t - rec.summary.startMs) / 60_000).toFixed(1)).join(', +')} min` : '';
    return `${r.component}@${r.version}[${r.effect}] ${r.outcome} exposed ${r.exposure.total}, ${mine.filter((v) => v.verdict === 'pass').length} pass reads${fail}${deaths}`;
  }).join('; ');
  const pages = rec.pages.map((p) => `${p.kind}:${p.release ? `${p.release.component}@${p.release.version}` : 'gap'}@${p.ring}+${((p.atMs - rec.summary.startMs) / 1000).toFixed(0)}s`).join(', ');
  return `  ${rec.family} seed ${rec.seed}, ${rec.devices} devices: ${rec.events} events in ${(rec.wallMs / 1000).toFixed(1)} s; ${releases}; pages: ${pages || 'none'}`;
}

/**
 * The fail's delay from the death its rule needed (the cohort's fewest silent devices that fire against
 * the control it had): the clock's share of the delay, apart from the wait for the rule's significance.
 * The cohort's own silences that are not deaths (a sleeping laptop of the ring) count too, so the N-th
 * death can come later than the N-th silence the rule saw.
 */
function ruleWait(r: RunRecord['summary']['releases'][number], fail: RunRecord['verdicts'][number]): string {
  const dead = r.failedAtMsByRing?.[fail.ring] ?? [];
  if (!fail.ruleNeeded || dead.length < fail.ruleNeeded) return '';
  const secs = ((fail.decidedAtMs ?? fail.atMs) - dead[fail.ruleNeeded - 1]) / 1000;
  return `; the rule needed ${fail.ruleNeeded} silent, decided ${(secs / 60).toFixed(1)} min after death ${fail.ruleNeeded}`;
}

const started = Date.now();
const scores: FamilyScore[] = [];
for (const family of families) {
  const score = emptyScore(family.name);
  const runs = runsOf(spec, family, seeds, root).filter((r) => !values.quick || r.scenario.fleet.devices <= QUICK_MAX_DEVICES);
  for (const run of values.quick ? runs.slice(0, 1) : runs) {
    const rec = await replayRun(run);
    addRun(score, rec);
    process.stderr.write(`${describeRun(rec)}\n`);
  }
  if (score.runs) scores.push(score);
}
const total = mergeScores('all families', scores);
const flags = [...(seeds === 'tuning' ? ['--seeds', 'tuning'] : []), ...(values.profile ?? []).flatMap((p) => ['--profile', p]),
  ...(values.family ?? []).flatMap((f) => ['--family', f]), ...(values.quick ? ['--quick'] : [])];
const command = `npm run bench:detection${flags.length ? ` -- ${flags.join(' ')}` : ''}`;
process.stdout.write([
  `Detection quality, ${seeds} seeds: \`${command}\``,
  `machine: ${availableParallelism()} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; `
    + `${total.runs} runs, ${total.events.toLocaleString('en-US')} events replayed in ${((Date.now() - started) / 1000).toFixed(0)} s of wall time`,
  '',
  markdownTable([...scores.map(tableRow), tableRow(total)]),
  '',
].join('\n'));
