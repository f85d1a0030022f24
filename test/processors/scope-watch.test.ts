// The pipeline-gap rule on a scope's windows, directly (completeness.ts): a collector whose devices are all
// laptops (remote workers) goes quiet every evening. On the first evening, with no presence history, their
// silences all count and look abrupt; at an hour the scope has never seen, its arrivals are read against its
// last hour, over which they dwindled as people went home: no gap (its all-hours mean made it one). An
// outage lets nothing through: a gap at an hour seen on an earlier day, and at one never seen before.
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

interface Shape { expected: number; silent: number; records: number }
const AT_WORK: Shape = { expected: 20, silent: 0, records: 240 };

/** One window of the remote collector: per ring `expected` devices, `silent` of them (all freshly), `records` in all. */
function windowAt(ms: number, o: Shape): MergedWindow {
  const scopes = new Map<string, ScopeRow>();
  for (const ring of RINGS) {
    scopes.set(`collector\u0000collector-remote\u0000${ring}`, {
      kind: 'collector', name: 'collector-remote', ring, expected: o.expected, silent: o.silent, fresh: o.silent,
      records: Math.round(o.records / RINGS.length), delayed: 0,
    });
  }
  return { window: Math.floor(ms / W), windowMs: W, closedAt: ms + W, cells: new Map(), rings: new Map(), scopes, strata: new Map(), late: 0, backfill: 0 };
}

/** Gap verdicts of the windows from `fromMs` to `toMs`, `shape(ms)` each; the scope first seen at work from Monday 15:00 UTC. */
function gapsFrom(shape: (ms: number) => Shape, fromMs: number, toMs: number): boolean[] {
  const watch = new ScopeWatch(s);
  for (let t = MONDAY + 15 * HOUR; t < fromMs; t += W) watch.judge(windowAt(t, AT_WORK));
  const gaps: boolean[] = [];
  for (let t = fromMs; t < toMs; t += W) gaps.push(watch.judge(windowAt(t, shape(t)))[0].gap);
  return gaps;
}

describe('pipeline gaps of a laptop-only collector', () => {
  it('its laptops going home on the first evening, at hours it has never seen, are no gap', () => {
    // From 00:00 to 02:00 UTC Tuesday (hours never seen) arrivals dwindle and devices fall silent; then 4 a window.
    const evening = (t: number): Shape => {
      const f = Math.min(1, (t - (MONDAY + 24 * HOUR)) / (2 * HOUR));
      return { expected: 20, silent: Math.round(16 * f), records: Math.max(4, Math.round(240 * (1 - f))) };
    };
    assert.deepEqual(gapsFrom(evening, MONDAY + 24 * HOUR, MONDAY + 27 * HOUR).filter(Boolean), []);
  });

  it('an outage at an hour seen on an earlier day is a gap', () => {
    // At 22:00 UTC on Tuesday (unseen that day of the week): Monday's 22:00 says what to expect.
    const gaps = gapsFrom(() => ({ expected: 20, silent: 16, records: 0 }), MONDAY + 46 * HOUR, MONDAY + 46 * HOUR + 4 * W);
    assert.deepEqual(gaps, [true, true, true, true], 'a gap from its first window');
  });

  it('an outage at an hour never seen before is a gap: read against the last hour', () => {
    // At 01:00 UTC Tuesday, the scope busy until then (seen only since Monday 15:00).
    const gaps = gapsFrom(() => ({ expected: 20, silent: 16, records: 0 }), MONDAY + 25 * HOUR, MONDAY + 25 * HOUR + 4 * W);
    assert.deepEqual(gaps, [true, true, true, true], 'a gap from its first window');
  });
});
