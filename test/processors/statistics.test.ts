// Each statistic the processor pages on, checked against closed forms, exact rational arithmetic, and
// simple-statistics where simple-statistics is accurate (the bulk of the distributions, log-gamma, sums).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ss from 'simple-statistics';
import {
  binomialUpperTail, logBinomialPmf, logFactorial, logPoissonPmf, poissonUpperTail,
} from '../../processors/stats/exact-tails.ts';
import { MIXTURE_RELATIVE_RISKS, msprtLogLambda, msprtThreshold, msprtUpdate, newMsprt, shiftedShare } from '../../processors/stats/msprt.ts';
import { cusumUpdate, newCusum } from '../../processors/stats/cusum.ts';
import { baselineAdd, baselineRate, hourOfWeek, hourRate, newBaseline } from '../../processors/stats/hour-of-week.ts';
import { stratifiedCatastrophe } from '../../processors/core/cohorts.ts';
import { rng } from './support/scenario.ts';
import { testSettings } from './support/settings.ts';

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** P(X >= k), X ~ Binomial(n, a/b), exactly, with BigInt, as a double. */
function exactBinomialTail(k: number, n: number, a: number, b: number): number {
  let num = 0n;
  let choose = 1n;
  for (let i = 0; i <= n; i++) {
    if (i > 0) choose = (choose * BigInt(n - i + 1)) / BigInt(i);
    if (i >= k) num += choose * BigInt(a) ** BigInt(i) * BigInt(b - a) ** BigInt(n - i);
  }
  const den = BigInt(b) ** BigInt(n);
  // Scale so the ratio keeps 17+ significant digits before converting.
  const shift = BigInt(den.toString().length - num.toString().length + 20);
  return Number((num * 10n ** shift) / den) / 10 ** Number(shift);
}

test('log-gamma (simple-statistics gammaln) matches log n! exactly where n! is representable', () => {
  for (const n of [0, 1, 2, 5, 10, 20, 50, 100, 170]) {
    const exact = n < 2 ? 0 : Math.log(ss.factorial(n));
    assert.ok(Math.abs(logFactorial(n) - exact) <= 1e-12 * Math.max(1, exact), `n=${n}`);
  }
});

test('binomial tail: 5 of 5 silent against a 2% baseline is p = 0.02^5 = 3.2e-9 (detection.md)', () => {
  assert.ok(relErr(binomialUpperTail(5, 5, 0.02), 0.02 ** 5) < 1e-12);
  assert.ok(relErr(binomialUpperTail(1, 10, 0.1), 1 - 0.9 ** 10) < 1e-12);
  assert.equal(binomialUpperTail(0, 10, 0.1), 1);
  assert.equal(binomialUpperTail(11, 10, 0.1), 0);
});

test('binomial tail equals exact rational arithmetic from p ~ 0.5 down to p ~ 1e-9 and below', () => {
  const cases: [number, number, number, number][] = [
    [3, 10, 1, 2], [60, 100, 1, 2], [20, 200, 1, 50], [12, 100, 1, 50], [9, 60, 1, 100], [40, 500, 1, 100], [30, 1000, 1, 200],
  ];
  let smallest = 1;
  for (const [k, n, a, b] of cases) {
    const exact = exactBinomialTail(k, n, a, b);
    smallest = Math.min(smallest, exact);
    assert.ok(relErr(binomialUpperTail(k, n, a / b), exact) < 1e-10, `k=${k} n=${n} p=${a}/${b}: ${binomialUpperTail(k, n, a / b)} vs ${exact}`);
  }
  assert.ok(smallest < 1e-9, `cases reach below 1e-9 (smallest ${smallest})`);
});

test('binomial and Poisson probabilities equal simple-statistics in the bulk, where it is accurate', () => {
  const bin = ss.binomialDistribution(30, 0.3)!;
  bin.forEach((p, k) => assert.ok(relErr(Math.exp(logBinomialPmf(k, 30, 0.3)), p) < 1e-9, `binomial k=${k}`));
  const poi = ss.poissonDistribution(4)!;
  poi.forEach((p, k) => assert.ok(relErr(Math.exp(logPoissonPmf(k, 4)), p) < 1e-9, `poisson k=${k}`));
  // Where simple-statistics stops (it drops the last ~1e-4 of mass), the exact tail carries on.
  assert.ok(relErr(binomialUpperTail(bin.length, 30, 0.3), 1 - ss.sum(bin)) < 1e-6);
});

test('Poisson tail matches closed forms, including p ~ 1e-9', () => {
  for (const lambda of [0.1, 1, 4.5, 30]) {
    assert.ok(relErr(poissonUpperTail(1, lambda), -Math.expm1(-lambda)) < 1e-12);
    assert.ok(relErr(poissonUpperTail(2, lambda), 1 - Math.exp(-lambda) * (1 + lambda)) < 1e-9);
  }
  // P(X >= 12 | lambda = 1) = sum_{i>=12} e^-1 / i!, summed term by term in doubles (all terms positive).
  let direct = 0;
  for (let i = 12; i < 60; i++) direct += Math.exp(-1) / ss.factorial(i);
  assert.ok(direct < 1e-9 && relErr(poissonUpperTail(12, 1), direct) < 1e-12);
});

test('catastrophe rule: exact test with absolute guards', () => {
  const s = testSettings();
  const side = (affected: number, exposed: number) => ({ affected, exposed, newAffected: 0, crashReports: 0, watched: 0 });
  // One stratum: the rule against that control's (smoothed) fraction.
  const catastrophe = (updated: ReturnType<typeof side>, control: ReturnType<typeof side>, settings: typeof s) =>
    stratifiedCatastrophe({ matched: [{ stratum: 'us-east|', updated, control }], updated, matchedUpdated: updated, control }, settings);
  const tiny = catastrophe(side(5, 5), side(20, 1000), s);
  assert.equal(tiny.fired, true, '5 of 5 canary devices against a 2% control is a catastrophe');
  assert.ok(tiny.pValue < 1e-8 && tiny.pValue > 1e-9);
  assert.equal(catastrophe(side(2, 2), side(0, 1000), s).fired, false, 'two devices never page (min_affected_devices)');
  const big = catastrophe(side(3000, 100000), side(2000, 100000), s);
  assert.ok(big.pValue < 1e-20 && !big.fired, 'a significant +1 point is not a catastrophe (min_excess_fraction)');
  assert.equal(catastrophe(side(5, 5), side(0, 3), s).applicable, false, 'too small a control cannot judge');
});

test('stratified catastrophe rule: a 5-device ring needs a fourth silent device once 1-2 % of comparable devices are silent', () => {
  // The significance floor docs/detection.md describes (Limits): sleeping laptops and network blips keep
  // 1-3 % of a same-time control silent, against which 3 of 5 is not a 1e-6 event; 4 of 5 is.
  const s = testSettings();
  const side = (affected: number, exposed: number) => ({ affected, exposed, newAffected: 0, crashReports: 0, watched: 0 });
  const rule = (affected: number, exposed: number, controlAffected: number, control: number) => {
    const updated = side(affected, exposed);
    const ctl = side(controlAffected, control);
    return stratifiedCatastrophe({ matched: [{ stratum: 'us-east|', updated, control: ctl }], updated, matchedUpdated: updated, control: ctl }, s);
  };
  const quiet = rule(3, 5, 1, 666);
  assert.equal(quiet.fired, true, '3 of 5 against a control with 0.15 % silent fails the release');
  const noisy = rule(3, 5, 12, 666);
  assert.equal(noisy.fired, false, '3 of 5 against 12/666 silent (seed 9104 of the benchmark) is p = 6.4e-5');
  assert.ok(noisy.pValue > 6e-5 && noisy.pValue < 7e-5, `p ${noisy.pValue}`);
  assert.equal(rule(4, 5, 12, 666).fired, true, 'the fourth death fails it');
  assert.equal(rule(4, 5, 20, 666).fired, false, 'at 3 % silent in the control even 4 of 5 waits (p > 1e-6)');
  assert.equal(rule(5, 5, 20, 666).fired, true);
});

test('mSPRT: one window equals the binomial likelihood ratio of each mixture component', () => {
  const q = 0.2;
  const state = msprtUpdate(newMsprt(), 7, 20, q);
  MIXTURE_RELATIVE_RISKS.forEach((theta, g) => {
    const closed = logBinomialPmf(7, 20, shiftedShare(q, theta)) - logBinomialPmf(7, 20, q);
    assert.ok(Math.abs(state.logLr[g] - closed) < 1e-9);
  });
  const mixture = Math.log(ss.mean(state.logLr.map(Math.exp)));
  assert.ok(Math.abs(msprtLogLambda(state) - mixture) < 1e-12);
});

test('mSPRT is always valid: looking after every window keeps false alarms under alpha', () => {
  const random = rng(2024);
  const alpha = 0.05;
  const runs = 800;
  let alarms = 0;
  let naive = 0;
  for (let run = 0; run < runs; run++) {
    let s = newMsprt();
    let hit = false;
    let naiveHit = false;
    let x = 0;
    let n = 0;
    for (let w = 0; w < 100; w++) {
      const events = Math.floor(random() * 6);
      let updated = 0;
      for (let i = 0; i < events; i++) if (random() < 0.25) updated++;
      s = msprtUpdate(s, updated, events, 0.25);
      x += updated;
      n += events;
      if (msprtLogLambda(s) >= msprtThreshold(alpha)) hit = true;
      if (n > 0 && binomialUpperTail(x, n, 0.25) <= alpha) naiveHit = true;
    }
    if (hit) alarms++;
    if (naiveHit) naive++;
  }
  assert.ok(alarms / runs <= alpha, `false alarm rate ${alarms / runs}`);
  assert.ok(naive / runs > 2 * alpha, `re-testing a fixed-sample test every window inflates false alarms (${naive / runs})`);
});

test('mSPRT finds a 2x regression', () => {
  const random = rng(7);
  let s = newMsprt();
  let windows = 0;
  while (msprtLogLambda(s) < msprtThreshold(0.001 / 18) && windows < 1000) {
    let updated = 0;
    let total = 0;
    for (let i = 0; i < 10; i++) {
      total++;
      if (random() < shiftedShare(0.2, 2)) updated++;
    }
    s = msprtUpdate(s, updated, total, 0.2);
    windows++;
  }
  assert.ok(windows < 200, `took ${windows} windows`);
});

test('Poisson CUSUM: the streaming recursion equals the batch maximum of partial sums', () => {
  const random = rng(99);
  const counts = Array.from({ length: 200 }, () => Math.floor(random() * 5));
  const expected = 2;
  const shift = 2;
  const increments = counts.map((c) => c * Math.log(shift) - (shift - 1) * expected);
  let state = newCusum();
  counts.forEach((c, n) => {
    state = cusumUpdate(state, c, expected, shift, Infinity).state;
    // S_n = max(0, max_j sum(increments[j..n]))
    let batch = 0;
    for (let j = 0; j <= n; j++) batch = Math.max(batch, ss.sum(increments.slice(j, n + 1)));
    assert.ok(Math.abs(state.statistic - batch) < 1e-9, `n=${n}`);
  });
  const alarm = cusumUpdate(newCusum(), 20, 2, 2, 5);
  assert.equal(alarm.alarm, true);
  assert.equal(alarm.state.statistic, 0, 'restarts after an alarm');
});

test('hour-of-week baseline: Monday 00:00 UTC is slot 0; undecayed rates are plain means', () => {
  assert.equal(hourOfWeek(Date.UTC(2026, 0, 5, 0, 0)), 0);
  assert.equal(hourOfWeek(Date.UTC(2026, 0, 11, 23, 59)), 167);
  const b = newBaseline();
  const rates = [0.01, 0.03, 0.02, 0.04];
  const at = Date.UTC(2026, 0, 5, 9, 30);
  for (const r of rates) baselineAdd(b, at, r * 1000, 1000, 1);
  assert.ok(Math.abs(baselineRate(b, at, 0) - ss.mean(rates)) < 1e-12);
});

test('hour rate: its own hour of the week when seen, else the same hour on the days seen, else unknown', () => {
  const b = newBaseline();
  const monday = Date.UTC(2026, 0, 5, 0, 0);
  const hour = 3_600_000;
  baselineAdd(b, monday + 10 * hour, 50, 10, 1); // Monday 10:00: 5 a device-window
  baselineAdd(b, monday + 22 * hour, 1, 10, 1); // Monday 22:00: 0.1
  baselineAdd(b, monday + 24 * hour + 22 * hour, 3, 10, 1); // Tuesday 22:00: 0.3
  assert.equal(hourRate(b, monday + 10 * hour, 0), 5, 'its own slot');
  // Wednesday 22:00 never seen: Monday's and Tuesday's 22:00 together, not the all-hours rate (about 1.8).
  assert.ok(Math.abs(hourRate(b, monday + 48 * hour + 22 * hour, 1)! - 0.2) < 1e-12);
  assert.equal(hourRate(b, monday + 48 * hour + 3 * hour, 1), undefined, '03:00 was never seen');
});
