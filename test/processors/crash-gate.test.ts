// The release gate's crash signal has its own indifference ratio (gate_crash_indifference_ratio): a crash
// regression on a large first ring must fail within a day, which a 1.5 margin does not allow at realistic
// crash rates (docs/detection.md, "Comparisons"). The other signals keep gate_indifference_ratio. And a
// crash-rate regression that fires the gate of the lone release rolling in a ring is that release's, not an
// unattributed change (attribution.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Signal } from '../../common/contract/decision.ts';
import { SIGNALS } from '../../common/contract/decision.ts';
import { attribute, type Suspect } from '../../processors/core/attribution.ts';
import { msprtThreshold } from '../../processors/stats/msprt.ts';
import { emptyStratum } from '../../processors/core/partial.ts';
import { cohortRow, type CohortRow } from '../../processors/core/cohorts.ts';
import { evaluateRelease, type GateState } from '../../processors/core/release-eval.ts';
import type { PassState } from '../../processors/core/pass-rule.ts';
import type { RingRollout } from '../../processors/core/rollout.ts';
import type { DetectionSettings } from '../../processors/core/settings.ts';
import { crashStratum } from '../../processors/core/strata.ts';
import { testSettings } from './support/settings.ts';

const W_SECS = 600;
const HOUR_WINDOWS = 3600 / W_SECS;

/** One ring's rows for a window: `devices` heard in it, `newCrashed` new crash episodes among them. */
function ringRows(ring: string, window: number, devices: number, newCrashed: number): CohortRow[] {
  const heard = { ...emptyStratum(ring, 'us-east|server'), heard: { [window]: devices } };
  const crashes = { ...emptyStratum(ring, crashStratum('us-east')), crashed: newCrashed, newCrashed };
  return [heard, crashes].map(cohortRow);
}

/**
 * A 1,000-device first ring against a 9,000-device control for `hours`: the control has 9 new crash
 * episodes a window (1 per 1,000 device-windows, about the realistic fleet's), the first ring 1.8 times its share (a 2x crash-rate
 * regression as it reads in crash episodes in the first day). Returns the gate per signal at the end.
 */
function judge(s: DetectionSettings, hours: number): Map<Signal, { rejected: boolean; rho: number }> {
  const rollout: RingRollout = { release: { component: 'agent', version: '7.13.0' }, ring: 'canary', startedAt: 0, status: 'started' };
  const gates = new Map<string, GateState>();
  const passes = new Map<string, PassState>();
  const out = new Map<Signal, { rejected: boolean; rho: number }>();
  let exposedCarry = 0;
  for (let w = 0; w < hours * HOUR_WINDOWS; w++) {
    // 1.8 exposed episodes a window on average, spread evenly (integers).
    exposedCarry += 1.8;
    const x = Math.floor(exposedCarry);
    exposedCarry -= x;
    const strata = new Map([['canary', ringRows('canary', w, 1000, x)], ['main', ringRows('main', w, 9000, 9)]]);
    for (const signal of SIGNALS) {
      const e = evaluateRelease(rollout, signal, {
        s, index: new Map(), strata, reached: ['canary'], rings: ['canary', 'main'], gapped: new Set(),
        alphaSplit: s.alphaGate / (s.maxConcurrentReleases * 2 * SIGNALS.length), gates, passes,
        endMs: (w + 1) * s.windowMs, ownRate: () => undefined,
      });
      const gate = e.gates[0];
      out.set(signal, { rejected: gate.rejected, rho: gate.state.rho });
    }
  }
  return out;
}

describe('the crash signal has its own indifference ratio', () => {
  const base = { window_secs: W_SECS, heartbeat_interval_secs: 300, gate_indifference_ratio: 1.5 };

  it('a crash rate 1.8 times the control\'s on 1,000 devices fails within a day at a crash margin of 1.2', () => {
    const gates = judge(testSettings({ ...base, gate_crash_indifference_ratio: 1.2 }), 24);
    assert.equal(gates.get('crashed')?.rho, 1.2);
    assert.equal(gates.get('crashed')?.rejected, true);
    // Silence and boot loops keep the general margin (and nothing happened on them here).
    assert.equal(gates.get('silent')?.rho, 1.5);
    assert.equal(gates.get('boot_loop')?.rho, 1.5);
    assert.equal(gates.get('silent')?.rejected, false);
  });

  it('with the crash margin at the general 1.5 the same day is not enough', () => {
    const gates = judge(testSettings({ ...base, gate_crash_indifference_ratio: 1.5 }), 24);
    assert.equal(gates.get('crashed')?.rho, 1.5);
    assert.equal(gates.get('crashed')?.rejected, false);
  });

  it('a healthy ring (the control\'s rate) is not failed at the crash margin in a week', () => {
    const s = testSettings({ ...base, gate_crash_indifference_ratio: 1.2 });
    const rollout: RingRollout = { release: { component: 'agent', version: '7.13.0' }, ring: 'canary', startedAt: 0, status: 'started' };
    const gates = new Map<string, GateState>();
    let rejected = false;
    let carry = 0;
    for (let w = 0; w < 7 * 24 * HOUR_WINDOWS; w++) {
      carry += 1;
      const x = Math.floor(carry);
      carry -= x;
      const strata = new Map([['canary', ringRows('canary', w, 1000, x)], ['main', ringRows('main', w, 9000, 9)]]);
      const e = evaluateRelease(rollout, 'crashed', {
        s, index: new Map(), strata, reached: ['canary'], rings: ['canary', 'main'], gapped: new Set(),
        alphaSplit: 1e-5, gates, passes: new Map(), endMs: (w + 1) * s.windowMs, ownRate: () => undefined,
      });
      rejected ||= e.gates[0].rejected;
      assert.ok(e.gates[0].logLambda < msprtThreshold(1e-5));
    }
    assert.equal(rejected, false);
  });
});

describe('attribution of a rate regression', () => {
  const START = Date.UTC(2024, 6, 15, 14, 9);
  const suspect = (o: Partial<Suspect> = {}): Suspect => ({
    release: { component: 'agent', version: '7.13.0' }, startedAt: START, fired: true, direct: false, reached: ['canary'],
    naming: { named: 7, affected: 7, namedOthers: 859, others: 859 }, ...o,
  });
  // The onset of a crash-rate increase (first window at half the peak of a few crashes a window) came 51
  // minutes after the start, as on tuning seed 9263 of r5-crash-x2-large.
  const context = { onsetMs: START + 51 * 60_000, anomalous: new Set(['canary']), rings: ['canary', 'early', 'broad', 'main'], slackMs: 900_000, timeScaleMs: 600_000, minShare: 0.75 };

  it('blames the lone release rolling in the ring when its gate alone fired, whatever the onset\'s lag', () => {
    const a = attribute([suspect({ gateOnly: true })], context);
    assert.deepEqual([...a.blamed], ['agent@7.13.0']);
    assert.match(a.ranking[0].why, /its gate alone fired/);
  });

  it('keeps the time factor for a catastrophe (a sudden onset long after the start is an unattributed change)', () => {
    assert.equal(attribute([suspect({ gateOnly: false })], context).blamed.size, 0);
  });

  it('keeps the time factor between concurrent releases, and rules out a release started after the onset', () => {
    const two = attribute([suspect({ gateOnly: true }), suspect({ gateOnly: true, release: { component: 'os', version: '2' }, startedAt: START + 20 * 60_000 })], context);
    for (const r of two.ranking) assert.doesNotMatch(r.why, /time 1\.000|its gate alone fired/);
    const late = attribute([suspect({ gateOnly: true, startedAt: context.onsetMs + 3_600_000 })], context);
    assert.equal(late.blamed.size, 0);
  });
});
