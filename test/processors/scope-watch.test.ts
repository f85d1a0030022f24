// The pipeline-gap rule on a scope's windows, directly (completeness.ts): a collector whose devices are all
// laptops (remote workers) goes quiet every evening. On the first evening, with no presence history, their
// silences all count and look abrupt; the scope's arrivals at an hour it has never seen cannot tell a drop,
// so that is no gap (its all-hours mean made it one). A real outage at an hour seen before, on another day,
// is still a gap.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ScopeWatch } from '../../processors/core/completeness.ts';
import type { MergedWindow, ScopeRow } from '../../processors/core/partial.ts';
import { testSettings } from './support/settings.ts';

const s = testSettings({ heartbeat_interval_secs: 300, window_secs: 300, silence_intervals: 3, silence_memory_intervals: 12 });
const W = s.windowMs;
const HOUR = 3_600_000;
const MONDAY = Date.UTC(2024, 6, 15, 0, 0);
const RINGS = ['canary', 'early', 'broad', 'main'];

/** One window of the remote collector: per ring `expected` devices, `silent` of them (all freshly), `records` in all. */
function windowAt(ms: number, o: { expected: number; silent: number; records: number }): MergedWindow {
  const scopes = new Map<string, ScopeRow>();
  for (const ring of RINGS) {
    scopes.set(`collector\u0000collector-remote\u0000${ring}`, {
      kind: 'collector', name: 'collector-remote', ring, expected: o.expected, silent: o.silent, fresh: o.silent,
      records: Math.round(o.records / RINGS.length), delayed: 0,
    });
  }
  return { window: Math.floor(ms / W), windowMs: W, closedAt: ms + W, cells: new Map(), rings: new Map(), scopes, strata: new Map(), late: 0, backfill: 0 };
}

/** Monday 15:00-23:00 UTC at work (20 devices a ring, 240 records a window), then what `evening` says. */
function judge(evening: (ms: number) => { expected: number; silent: number; records: number }, fromMs: number, toMs: number): boolean[] {
  const watch = new ScopeWatch(s);
  for (let t = MONDAY + 15 * HOUR; t < MONDAY + 23 * HOUR; t += W) watch.judge(windowAt(t, { expected: 20, silent: 0, records: 240 }));
  const gaps: boolean[] = [];
  for (let t = MONDAY + 23 * HOUR; t < toMs; t += W) {
    const g = watch.judge(windowAt(t, t < fromMs ? { expected: 20, silent: 0, records: 240 } : evening(t)))[0];
    gaps.push(g.gap);
  }
  return gaps;
}

describe('pipeline gaps of a laptop-only collector', () => {
  it('its laptops going home on the first evening, at hours it has never seen, are no gap', () => {
    // From 01:00 UTC Tuesday (an hour never seen) most devices fall silent together and arrivals dwindle.
    const gaps = judge(() => ({ expected: 20, silent: 16, records: 4 }), MONDAY + 25 * HOUR, MONDAY + 27 * HOUR);
    assert.deepEqual(gaps.filter(Boolean), []);
  });

  it('a collector outage at an hour seen on an earlier day is still a gap', () => {
    // The same silence and drop at 22:00 UTC on Tuesday: Monday's 22:00 says what to expect.
    const watch = new ScopeWatch(s);
    for (let t = MONDAY + 15 * HOUR; t < MONDAY + 46 * HOUR; t += W) watch.judge(windowAt(t, { expected: 20, silent: 0, records: 240 }));
    const outage = [0, 1, 2, 3].map((k) => watch.judge(windowAt(MONDAY + 46 * HOUR + k * W, { expected: 20, silent: 16, records: 0 }))[0].gap);
    assert.ok(outage.some(Boolean), 'paged as a gap');
  });
});
