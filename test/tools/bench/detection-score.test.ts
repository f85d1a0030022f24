// Scoring of the detection benchmark on hand-made run records: recall, precision, delays, attribution,
// blast radius in the first ring, false pages per week on healthy runs, release pages during outages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunRecord } from '../../../tools/bench/detection/detection-run.ts';
import { addRun, breaksPromise, emptyScore, failureOnset, failureOnsetByRing, percentile, tableRow } from '../../../tools/bench/detection/detection-score.ts';
import type { SimulationSummary } from '../../../tools/simulator/summary.ts';

const T0 = Date.UTC(2024, 6, 19, 4, 0, 0);
const BAD = { component: 'channel-291', version: 'bad' };
const GOOD = { component: 'agent', version: 'good' };
const GOOD_SUMMARY = { ...GOOD, effect: 'healthy', announced: true, outcome: 'baking', exposure: { total: 5, byRing: { canary: 5 } }, bootLoops: 0, failedAtMs: [], reverted: 0 };

function record(opts: { bad: boolean; pages: RunRecord['pages']; byRing?: Record<string, number>; secs?: number; verdicts?: RunRecord['verdicts'] }): RunRecord {
  const releases = [
    { ...GOOD, effect: 'healthy', outcome: 'baking', exposure: { total: 5, byRing: { canary: 5 } }, bootLoops: 0, reverted: 0 },
    ...(opts.bad ? [{ ...BAD, effect: 'catastrophic', outcome: 'rolled_back', haltedAtMs: T0 + 40_000, haltReason: 'verdict_fail' as const,
      exposure: { total: 9, byRing: opts.byRing ?? { canary: 9 } }, bootLoops: 9, reverted: 0 }] : []),
  ];
  const actions = releases.map((r, k) => ({ atMs: T0 + 30_000, release: k, component: r.component, version: r.version, ring: 'canary', action: 'started' as const }));
  const summary = { startMs: T0, releases, actions } as unknown as SimulationSummary;
  return {
    family: 'f', heartbeatSecs: 300, minAffected: 3, minExcess: 0.2, hasOutage: false, verdicts: opts.verdicts ?? [], seed: 1, devices: 2000, simulatedSecs: opts.secs ?? 120,
    events: 1000, wallMs: 10, pages: opts.pages, halts: [], summary,
  };
}

test('a caught bad release counts for recall, precision, delay and attribution; a page naming the healthy one is false', () => {
  const score = emptyScore('f');
  addRun(score, record({ bad: true, pages: [
    { atMs: T0 + 38_000, kind: 'catastrophe', release: GOOD, ring: 'canary' },
    { atMs: T0 + 39_000, kind: 'catastrophe', release: BAD, ring: 'canary' },
  ] }), false);
  assert.deepEqual([score.badReleases, score.detected, score.truePages, score.falsePages], [1, 1, 1, 1]);
  assert.deepEqual(score.pageDelaysSecs, [9]);
  assert.deepEqual(score.haltDelaysSecs, [10]);
  assert.equal(score.attributedRight, 0, 'the first page named the wrong release');
  assert.equal(score.stoppedInFirstRing, 1);
  assert.equal(score.healthySecs, 0, 'a run with a bad release is not part of the false-alarm basis');
});

test('a bad release that reached a second ring is not stopped in its first ring; a missed one has no delay', () => {
  const score = emptyScore('f');
  addRun(score, record({ bad: true, pages: [], byRing: { canary: 9, early: 3 } }), false);
  assert.deepEqual([score.detected, score.stoppedInFirstRing, score.pageDelaysSecs.length], [0, 0, 0]);
});

test('healthy runs give the false-page rate; release pages in outage runs and pipeline pages are counted apart', () => {
  const score = emptyScore('f');
  addRun(score, record({ bad: false, secs: 604_800, pages: [
    { atMs: T0 + 50_000, kind: 'pipeline_gap', ring: '*' },
    { atMs: T0 + 60_000, kind: 'regression', release: GOOD, ring: 'canary' },
  ] }), true);
  assert.deepEqual([score.healthySecs, score.healthyPages, score.falsePages, score.releasePagesInOutages, score.pipelinePages], [604_800, 1, 1, 1, 1]);
});

test('percentiles are nearest-rank', () => {
  assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
  assert.equal(percentile([5, 1, 3, 2, 4], 90), 5);
  assert.equal(percentile([], 50), undefined);
});

test('verdicts over time: a pass for a bad release after its start is a false pass; fail delay in minutes and heartbeats; first pass per ring', () => {
  const score = emptyScore('f');
  const v = (s: number, release: number, ring: string, verdict: 'pass' | 'fail' | 'inconclusive') => ({ atMs: T0 + s * 1000, release, ring, verdict });
  addRun(score, record({ bad: true, pages: [], verdicts: [
    v(10, 1, 'canary', 'pass'), // before the bad release's start (t+30 s): not counted
    v(60, 1, 'canary', 'pass'), v(60, 1, 'early', 'pass'), v(330, 1, 'canary', 'fail'),
    v(60, 0, 'canary', 'inconclusive'), v(930, 0, 'canary', 'pass'),
  ] }), false);
  assert.deepEqual([score.falsePassReleases, score.falsePassVerdicts], [1, 2]);
  assert.deepEqual(score.failDelaysSecs, [300]);
  assert.deepEqual(score.failDelaysBeats, [1]);
  assert.deepEqual([score.healthyReleases, score.falseHalts, score.healthyStoppedUnpassed], [1, 0, 0]);
  assert.deepEqual(score.firstPassSecs, [900], 'the healthy release started in canary at t+30 s, first pass at t+930 s');
  assert.equal(score.ringsNeverPassed, 0);
});

test('pipeline pages per week count runs without an outage only; pages naming a healthy release count in every run', () => {
  const score = emptyScore('f');
  const pages: RunRecord['pages'] = [{ atMs: T0 + 50_000, kind: 'pipeline_gap', ring: '*' }, { atMs: T0 + 60_000, kind: 'catastrophe', release: GOOD, ring: 'canary' }];
  addRun(score, record({ bad: false, secs: 302_400, pages }), false);
  addRun(score, record({ bad: false, secs: 302_400, pages }), true);
  assert.deepEqual([score.noOutageSecs, score.noOutagePipelinePages, score.healthyNamedPages], [302_400, 1, 2]);
});

test('pages naming no release count where every release was announced and nothing went dark', () => {
  const score = emptyScore('f');
  const pages: RunRecord['pages'] = [{ atMs: T0 + 60_000, kind: 'unattributed_change', ring: 'canary' }];
  addRun(score, record({ bad: false, secs: 302_400, pages }), false);
  addRun(score, record({ bad: false, secs: 302_400, pages }), true); // an outage: not counted here
  const unannounced = record({ bad: true, secs: 302_400, pages });
  (unannounced.summary.releases[1] as { announced?: boolean }).announced = false; // the page is the right one there
  addRun(score, unannounced, false);
  assert.deepEqual([score.announcedSecs, score.noReleasePages], [302_400, 1]);
});

test('time to fail is also measured from the failure onset: the k-th death, k = the guards\' need (3 devices, 20 % of the 9 that received it) or the deaths before the fail', () => {
  const score = emptyScore('f');
  const rec = record({ bad: true, pages: [], verdicts: [{ atMs: T0 + 1_830_000, release: 1, ring: 'canary', verdict: 'fail' }] });
  // Started at t+30 s; devices died at t+600, t+900, t+1200 and t+2000 s (the last after the fail).
  (rec.summary.releases[1] as { failedAtMs?: number[] }).failedAtMs = [600_000, 900_000, 1_200_000, 2_000_000].map((ms) => T0 + ms);
  addRun(score, rec, false);
  assert.deepEqual(score.failDelaysSecs, [1800]);
  assert.deepEqual(score.onsetDelaysSecs, [630], 'from the third death (t+1200 s) to the fail (t+1830 s)');
  const decided = record({ bad: true, pages: [], verdicts: [{ atMs: T0 + 1_830_000, decidedAtMs: T0 + 1_802_000, release: 1, ring: 'canary', verdict: 'fail' }] });
  (decided.summary.releases[1] as { failedAtMs?: number[] }).failedAtMs = [600_000, 900_000, 1_200_000].map((ms) => T0 + ms);
  const other = emptyScore('f');
  addRun(other, decided, false);
  assert.deepEqual([other.failDelaysSecs, other.onsetDelaysSecs], [[1800], [602]], 'the start measure is read by the tool; the onset one ends at the decision');
  const wide = record({ bad: true, pages: [], byRing: { canary: 25 }, verdicts: [{ atMs: T0 + 1_830_000, release: 1, ring: 'canary', verdict: 'fail' }] });
  (wide.summary.releases[1] as { failedAtMs?: number[] }).failedAtMs = [1, 2, 3, 4, 5, 6].map((m) => T0 + m * 120_000);
  const five = emptyScore('f');
  addRun(five, wide, false);
  assert.deepEqual(five.onsetDelaysSecs, [1830 - 600], '25 devices received it: the +20-point guard needs 5 dark, so the 5th death');
  const two = record({ bad: true, pages: [] });
  (two.summary.releases[1] as { failedAtMs?: number[] }).failedAtMs = [T0 + 600_000, T0 + 900_000];
  assert.equal(failureOnset(two.summary.releases[1], T0 + 30_000, T0 + 1_000_000, 3), T0 + 900_000, 'two deaths only: the second');
  assert.equal(failureOnset(GOOD_SUMMARY, T0 + 30_000, T0 + 1_000_000, 3), T0 + 30_000, 'no death: the start');
});

test('a push to every ring: the onset is where a ring first held the deaths its own exposure needs, not the third death anywhere', () => {
  // Pushed to every ring at t+30 s; canary received it on 1 device, early on 20 (the +20-point guard: 4 dark),
  // main on 100 (20 dark). The fleet's third death (t+90 s, in main) is not detectable anywhere: early's
  // fourth death is (t+600 s).
  const rec = record({ bad: true, pages: [], byRing: { canary: 1, early: 20, main: 100 }, verdicts: [{ atMs: T0 + 1_800_000, release: 1, ring: 'canary', verdict: 'fail' }] });
  const at = (...secs: number[]) => secs.map((x) => T0 + x * 1000);
  const bad = rec.summary.releases[1] as { failedAtMs?: number[]; failedAtMsByRing?: Record<string, number[]> };
  bad.failedAtMsByRing = { early: at(200, 300, 400, 600, 700), main: at(60, 70, 90, 100, 110, 120) };
  bad.failedAtMs = Object.values(bad.failedAtMsByRing).flat().sort((a, b) => a - b);
  rec.summary.actions.push(...['early', 'main'].map((ring) => ({ ...rec.summary.actions[1], ring })));
  const score = emptyScore('f');
  addRun(score, rec, false);
  assert.deepEqual(score.onsetDelaysSecs, [1800 - 600], "early's fourth death: the first ring whose guards could be met");
  assert.equal(failureOnsetByRing(bad as never, [{ ring: 'canary', atMs: T0 }], T0 + 1_800_000, () => 3), T0 + 90_000,
    'no ring held the deaths its exposure needs: the fleet-wide count on the first ring, as before');
});

test('a pass of a bad release breaks its promise when its stated bound excludes the true effect', () => {
  const crash = (m: number) => ({ ...GOOD_SUMMARY, effect: 'crash_rate', crashMultiplier: m });
  const pass = (crashed: number | null) => ({ atMs: T0, release: 0, ring: 'canary', verdict: 'pass' as const, bounds: { silent: 1.4, crashed } });
  assert.equal(breaksPromise(crash(1.3), pass(2)), false, 'x1.3 passed with "rate ratio <= 2": the promise held');
  assert.equal(breaksPromise(crash(3), pass(2)), true, 'x3 passed with "rate ratio <= 2": broken');
  assert.equal(breaksPromise(crash(2), pass(null)), false, 'a pass on an absolute share states no ratio');
  assert.equal(breaksPromise({ ...GOOD_SUMMARY, effect: 'catastrophic' }, pass(2)), true, 'a catastrophe breaks every bound');
});

test('a healthy release the release tool stopped without a fail is no false halt, and is counted apart', () => {
  const score = emptyScore('f');
  const rec = record({ bad: false, pages: [] });
  const good = rec.summary.releases[0] as unknown as Record<string, unknown>;
  Object.assign(good, { outcome: 'halted', haltedAtMs: T0 + 90_000, haltReason: 'inconclusive_limit' });
  addRun(score, rec, false);
  assert.deepEqual([score.healthyReleases, score.falseHalts, score.healthyStoppedUnpassed], [1, 0, 1]);
  assert.match(tableRow(score).join(' | '), / 0\/1 \[1\] /);
  const failed = record({ bad: false, pages: [] });
  Object.assign(failed.summary.releases[0] as unknown as Record<string, unknown>, { outcome: 'rolled_back', haltedAtMs: T0 + 90_000, haltReason: 'verdict_fail' });
  const other = emptyScore('g');
  addRun(other, failed, false);
  assert.deepEqual([other.falseHalts, other.healthyStoppedUnpassed], [1, 0]);
});
