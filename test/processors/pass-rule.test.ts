// The pass rule (processors/core/pass-rule.ts) and the bounds behind it: a pass needs each condition,
// and says what it rules out. Realistic time base: 5-minute heartbeats, 5-minute windows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as ss from 'simple-statistics';
import { newPassState, passRule, type PassInput, type PassState } from '../../processors/core/pass-rule.ts';
import {
  binomialUpperBound, eventsToBoundRatio, newRatioBound, oneIn, ratioBoundSettle, ratioBoundUpdate,
} from '../../processors/stats/ratio-bound.ts';
import { rng } from './support/scenario.ts';
import { testSettings } from './support/settings.ts';

const REALISTIC = { heartbeat_interval_secs: 300, window_secs: 300, silence_intervals: 3, allowed_lateness_ms: 2000 };
const s = testSettings(REALISTIC);
const WINDOW = 300_000;

/** A ring whose events are common enough for a ratio bound (silence-like), watched for `windows`. */
function healthyRing(windows: number, exposed = 40, control = 4000, rate = 0.02, seed = 1): PassState {
  const st = newPassState(newRatioBound(s.passMaxRatio), exposed);
  const r = rng(seed);
  const poisson = (mean: number) => { let k = 0; for (let p = Math.exp(-mean), c = p, u = r(); u > c; k++) { p *= mean / (k + 1); c += p; } return k; };
  for (let w = 0; w < windows; w++) {
    const x = poisson(rate * exposed);
    const y = poisson(rate * control);
    ratioBoundUpdate(st.bound, x, x + y, exposed, control);
    st.affected = Math.max(st.affected, x);
    st.controlEvents += y;
    st.controlDeviceWindows += control;
    st.exposedDeviceWindows += exposed;
  }
  return st;
}

const input = (o: Partial<PassInput> = {}): PassInput => ({ comparable: true, elapsedMs: 48 * WINDOW, watchedNow: 40, controlFraction: 0.01, ...o });

describe('pass rule: a pass needs every condition', () => {
  it('no control: inconclusive (no_control)', () => {
    assert.equal(passRule(healthyRing(48), input({ comparable: false }), s).reason, 'no_control');
  });

  it('never before the soak (k intervals + one window + lateness)', () => {
    assert.equal(s.soakMs, 3 * 300_000 + 300_000 + 2000);
    const out = passRule(healthyRing(48), input({ elapsedMs: s.soakMs - 1 }), s);
    assert.deepEqual([out.verdict, out.reason], ['inconclusive', 'soaking']);
  });

  it('too few devices confirmed exposed and watched: insufficient_exposure', () => {
    const out = passRule(healthyRing(48), input({ watchedNow: 29 }), s);
    assert.deepEqual([out.verdict, out.reason], ['inconclusive', 'insufficient_exposure']);
  });

  it('a ring too small ever to reach the minimum stays inconclusive by default, and says why', () => {
    const out = passRule(newPassState(newRatioBound(s.passMaxRatio), 5), input({ watchedNow: 5 }), s);
    assert.deepEqual([out.verdict, out.reason], ['inconclusive', 'insufficient_exposure']);
    assert.match(out.text, /the ring has 5 devices/);
  });

  it('with small_ring_policy absolute_bound, a small ring passes on the absolute bound once every device is watched', () => {
    const small = testSettings({ ...REALISTIC, small_ring_policy: 'absolute_bound', pass_small_ring_max_fraction: 0.5 });
    const st = newPassState(newRatioBound(small.passMaxRatio), 5);
    st.controlDeviceWindows = 1e5;
    let out = passRule(st, input({ watchedNow: 4 }), small);
    assert.equal(out.reason, 'insufficient_exposure');
    for (let i = 0; i < small.passWindows; i++) out = passRule(st, input({ watchedNow: 5 }), small);
    assert.deepEqual([out.verdict, out.bound.route], ['pass', 'absolute']);
    assert.match(out.text, /at most 1 in 2 watched exposed devices affected \(0\/5, 95 %\)/);
  });

  it('a ratio bound within reach but not yet below the limit: insufficient_power, then pass after the streak', () => {
    const early = passRule(healthyRing(3, 40, 400), input(), s);
    assert.deepEqual([early.verdict, early.reason, early.bound.route], ['inconclusive', 'insufficient_power', 'rate_ratio']);
    const st = healthyRing(200);
    const outs = [0, 1, 2].map(() => passRule(st, input(), s));
    assert.deepEqual(outs.map((o) => o.reason), ['confirming', 'confirming', 'passed']);
    assert.ok((outs[2].bound.rateRatio ?? Infinity) <= s.passMaxRatio);
    assert.match(outs[2].text, /^pass earned: at most 1 in \d+ watched exposed devices affected .*rate ratio vs control <= [\d.]+ \(95 %\)/);
  });

  it('a condition that fails restarts the streak', () => {
    const st = healthyRing(200);
    passRule(st, input(), s);
    passRule(st, input(), s);
    assert.equal(passRule(st, input({ comparable: false }), s).reason, 'no_control');
    assert.equal(passRule(st, input(), s).reason, 'confirming');
  });

  it('a 2x regression never gets its ratio bound under 2', () => {
    const st = newPassState(newRatioBound(s.passMaxRatio), 1000);
    for (let w = 0; w < 400; w++) ratioBoundUpdate(st.bound, 4, 4 + 20, 1000, 10000);
    assert.notEqual(passRule(st, input({ watchedNow: 1000 }), s).verdict, 'pass');
    assert.ok((st.bound.bound) > 2);
  });

  it('a quiet control on a large ring is a rare signal: the absolute bound, not a wait for events that never come', () => {
    // 5,000 exposed devices, a control with no boot loop in 20 windows of 4,000 devices.
    const st = newPassState(newRatioBound(s.passMaxRatio), 5000);
    st.controlDeviceWindows = 20 * 4000;
    let out = passRule(st, input({ watchedNow: 5000 }), s);
    for (let i = 1; i < s.passWindows; i++) out = passRule(st, input({ watchedNow: 5000 }), s);
    assert.deepEqual([out.verdict, out.bound.route], ['pass', 'absolute']);
    // Before a pass, a control showing events at a rate the ring turns into enough within the horizon
    // makes the ratio bound the rule.
    const fresh = newPassState(newRatioBound(s.passMaxRatio), 5000);
    fresh.controlDeviceWindows = 20 * 4000;
    fresh.controlEvents = 20;
    assert.equal(passRule(fresh, input({ watchedNow: 5000 }), s).bound.route, 'rate_ratio');
    // After it, the route of the pass is kept: the same control rate does not withdraw the pass.
    st.controlEvents = 20;
    const later = passRule(st, input({ watchedNow: 5000 }), s);
    assert.deepEqual([later.verdict, later.bound.route], ['pass', 'absolute']);
  });

  it('a rare signal on a ring that cannot gather enough events passes on the absolute bound (1 in 12 at 36 devices)', () => {
    const st = newPassState(newRatioBound(s.passMaxRatio), 36);
    st.controlDeviceWindows = 1e6; // control of thousands of devices, no event at all (boot loops)
    let out = passRule(st, input({ watchedNow: 36 }), s);
    for (let i = 1; i < s.passWindows; i++) out = passRule(st, input({ watchedNow: 36 }), s);
    assert.deepEqual([out.verdict, out.bound.route], ['pass', 'absolute']);
    assert.match(out.text, /at most 1 in 12 watched exposed devices affected \(0\/36, 95 %\)/);
  });
});

describe('bounds', () => {
  it('Clopper-Pearson: 0 of n is 1 - alpha^(1/n) (the rule of three), and x of n inverts the exact tail', () => {
    for (const n of [5, 30, 36, 300]) assert.ok(Math.abs(binomialUpperBound(0, n, 0.05) - (1 - 0.05 ** (1 / n))) < 1e-9, `n=${n}`);
    assert.equal(oneIn(binomialUpperBound(0, 36, 0.05)), '1 in 12');
    for (const [x, n] of [[1, 30], [3, 40], [10, 200]]) {
      const p = binomialUpperBound(x, n, 0.05);
      const cdf = ss.sum((ss.binomialDistribution(n, p) ?? []).slice(0, x + 1));
      assert.ok(Math.abs(cdf - 0.05) < 2e-3, `x=${x} n=${n}: P(X<=x) = ${cdf}`);
    }
  });

  it('events a ratio bound at 2 needs (Poisson limit): about 11', () => {
    const mu = eventsToBoundRatio(2, 0.05);
    assert.ok(mu > 10 && mu < 12, `${mu}`);
  });

  it('the ratio bound is always valid: under a true ratio of 2, fewer than alpha of runs ever bound it below 2', () => {
    const r = rng(7);
    let wrong = 0;
    const runs = 300;
    for (let run = 0; run < runs; run++) {
      const st = newRatioBound(2);
      for (let w = 0; w < 100; w++) {
        // 20 exposed, 200 control devices, 5 % per window in control, twice that exposed.
        let x = 0; let y = 0;
        for (let d = 0; d < 20; d++) if (r() < 0.1) x++;
        for (let d = 0; d < 200; d++) if (r() < 0.05) y++;
        ratioBoundUpdate(st, x, x + y, 20, 200);
        if (ratioBoundSettle(st, 0.05) < 2) { wrong++; break; }
      }
    }
    assert.ok(wrong / runs <= 0.05, `${wrong}/${runs}`);
  });
});
