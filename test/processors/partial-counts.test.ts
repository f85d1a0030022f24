// Partials are summed field by field (processors/core/partial.ts addCounts, hand-unrolled for speed):
// every count field, and the silence onsets, must be added, so a new field cannot be forgotten there.
// Merging one partial shares its histograms, merging several adds them up: both must give the same window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addCounts, COUNT_FIELDS, emptyCounts, emptyStratum, mergePartials, type CountField, type Counts, type PartialWindow, type StratumRow } from '../../processors/core/partial.ts';
import { cohortRow, sidesByStratum } from '../../processors/core/cohorts.ts';

// Every numeric field of Counts is listed in COUNT_FIELDS (a type error here otherwise).
const listed: Exclude<keyof Counts, 'onset'> extends CountField ? true : false = true;

test('addCounts adds every count field and merges silence onsets', () => {
  assert.equal(listed, true);
  const a = emptyCounts();
  const b = emptyCounts();
  COUNT_FIELDS.forEach((f, i) => {
    a[f] = i + 1;
    b[f] = 100 * (i + 1);
  });
  a.onset = { 10: 2, 11: 1 };
  b.onset = { 11: 4, 12: 5 };
  const sum = addCounts(a, b);
  assert.equal(sum, a);
  for (const [i, f] of COUNT_FIELDS.entries()) assert.equal(sum[f], 101 * (i + 1), f);
  assert.deepEqual(sum.onset, { 10: 2, 11: 5, 12: 5 });
  assert.deepEqual(Object.keys(emptyCounts()).sort(), [...COUNT_FIELDS, 'onset'].sort());
});

const stratum = (ring: string, heard: Record<string, number>, onset: Record<string, number>, spell: Record<string, number>): StratumRow =>
  ({ ...emptyStratum(ring, 'eu|-'), heard, onset, spell, quiet: 1, newSilent: 2 });

const partial = (source: string, window: number, rows: StratumRow[], onset: Record<string, number>): PartialWindow => ({
  v: 1, source, window, windowMs: 60_000, closedAt: (window + 1) * 60_000, late: 0, backfill: 0, scopes: [],
  cells: [{ ...emptyCounts(), ring: 'canary', component: 'agent', version: '1', expected: 3, silent: 1, onset }],
  rings: [{ ...emptyCounts(), ring: 'canary', expected: 3, silent: 1, onset: { ...onset } }],
  strata: rows,
});

test('one source or the same counts split over two sources merge to the same window, and merging leaves the partials as they were', () => {
  const whole = partial('all', 7, [stratum('canary', { 5: 2, 6: 1 }, { 4: 1 }, { 3: 3 })], { 4: 1 });
  const merged = mergePartials(7, 60_000, [whole]);
  const a = partial('heartbeats/0', 7, [stratum('canary', { 5: 1 }, {}, { 3: 1 })], {});
  const b = partial('heartbeats/1', 7, [stratum('canary', { 5: 1, 6: 1 }, { 4: 1 }, { 3: 2 })], { 4: 1 });
  const before = structuredClone([a, b]);
  const split = mergePartials(7, 60_000, [a, b]);
  assert.deepEqual([...split.strata.values()], [...merged.strata.values()].map((r) => ({ ...r, quiet: 2, newSilent: 4 })));
  assert.deepEqual([...split.cells.values()].map((c) => c.onset), [{ 4: 1 }]);
  assert.deepEqual([...merged.rings.values()][0].onset, { 4: 1 });
  assert.deepEqual([a, b], before);
});

test('cohort sums count windows from the exposure cut and spells up to the soak cut, whatever order the histogram keys come in', () => {
  // A negative window (a clock before 1970) enumerates after the others: it must still count as the oldest.
  const row = stratum('canary', { 12: 1, 10: 4, '-3': 8 }, { 11: 2, '-1': 16 }, { 9: 1, '-2': 2, 11: 4 });
  const sides = sidesByStratum([cohortRow(row)], 'silent', { fromWindow: 0, countNewSilence: true, watchedUpTo: 9 });
  assert.deepEqual(sides.get('eu|-'), { exposed: 4 + 1 + 2, affected: 2, newAffected: 2, crashReports: 0, watched: 2 + 1 });
  const all = sidesByStratum([cohortRow(row)], 'silent', { fromWindow: -Infinity, countNewSilence: true, watchedUpTo: Infinity });
  assert.deepEqual(all.get('eu|-'), { exposed: 13 + 18, affected: 18, newAffected: 2, crashReports: 0, watched: 7 });
});
