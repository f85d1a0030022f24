// Partials are summed field by field (processors/core/partial.ts addCounts, hand-unrolled for speed):
// every count field, and the silence onsets, must be added, so a new field cannot be forgotten there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addCounts, COUNT_FIELDS, emptyCounts, type CountField, type Counts } from '../../processors/core/partial.ts';

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
