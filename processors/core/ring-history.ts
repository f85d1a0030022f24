// Per (ring, signal) history: ring-level counts of recent windows (for onset estimation), an hour-of-week
// baseline with its Poisson CUSUM (layer 3), and the ring's long-run rate (the null ratio of the gate's
// ring split). Rings in a data gap are not learned from.
import type { Signal } from '../../common/contract/decision.ts';
import { SIGNALS } from '../../common/contract/decision.ts';
import { baselineAdd, baselineRate, newBaseline, type Baseline } from '../stats/hour-of-week.ts';
import { cusumUpdate, newCusum, type CusumState, type CusumStep } from '../stats/cusum.ts';
import { sideOf } from './comparisons.ts';
import type { RingRow } from './partial.ts';
import type { DetectionSettings } from './settings.ts';

interface Point { window: number; newAffected: number; exposed: number; }

export interface BaselineCheck extends CusumStep {
  expected: number;
  observed: number;
  /** False while the ring's baseline is still learning. */
  active: boolean;
}

const key = (ring: string, signal: Signal) => `${ring}|${signal}`;

export class RingHistory {
  private readonly s: DetectionSettings;
  private readonly series = new Map<string, Point[]>();
  private readonly baselines = new Map<string, Baseline>();
  private readonly cusums = new Map<string, CusumState>();

  constructor(settings: DetectionSettings) {
    this.s = settings;
  }

  /** Fold one window in; returns the CUSUM check of every (ring, signal) not in a gap. */
  record(window: number, rings: Iterable<RingRow>, gapped: Set<string>): Map<string, BaselineCheck> {
    const checks = new Map<string, BaselineCheck>();
    const startMs = window * this.s.windowMs;
    for (const row of rings) {
      for (const signal of SIGNALS) {
        const k = key(row.ring, signal);
        const side = sideOf([row], signal, -Infinity);
        const points = this.series.get(k) ?? [];
        points.push({ window, newAffected: side.newAffected, exposed: side.exposed });
        if (points.length > this.s.historyWindows) points.shift();
        this.series.set(k, points);
        if (gapped.has(row.ring)) continue;
        const baseline = this.baselines.get(k) ?? newBaseline();
        this.baselines.set(k, baseline);
        const active = baseline.windows >= this.s.baselineMinWindows;
        const expected = baselineRate(baseline, startMs, this.s.baselinePrior) * side.exposed;
        const step = cusumUpdate(this.cusums.get(k) ?? newCusum(), active ? side.newAffected : 0, active ? expected : 0, this.s.cusumShift, this.s.cusumThreshold);
        this.cusums.set(k, step.state);
        checks.set(k, { ...step, alarm: active && step.alarm, expected, observed: side.newAffected, active });
        baselineAdd(baseline, startMs, side.newAffected, side.exposed, this.s.baselineDecay);
      }
    }
    return checks;
  }

  /**
   * The ring's own past at this hour of the week (new events per device-window, shrunk toward its all-hours
   * rate), once it has `baseline_min_windows` of history: what a self-controlled comparison expects.
   */
  ownRate(ring: string, signal: Signal, atMs: number): number | undefined {
    const b = this.baselines.get(key(ring, signal));
    if (!b || b.windows < this.s.baselineMinWindows) return undefined;
    return baselineRate(b, atMs, this.s.baselinePrior);
  }

  check(checks: Map<string, BaselineCheck>, ring: string, signal: Signal): BaselineCheck | undefined {
    return checks.get(key(ring, signal));
  }

  /** Long-run rate of new events per device-window over some rings, shrunk toward the fleet's. */
  rate(rings: string[], signal: Signal): number {
    let events = 0;
    let exposure = 0;
    let fleetEvents = 0;
    let fleetExposure = 0;
    for (const [k, b] of this.baselines) {
      if (!k.endsWith(`|${signal}`)) continue;
      fleetEvents += b.totalEvents;
      fleetExposure += b.totalExposure;
      if (rings.includes(k.slice(0, k.lastIndexOf('|')))) {
        events += b.totalEvents;
        exposure += b.totalExposure;
      }
    }
    const fleet = (fleetEvents + 0.5) / (fleetExposure + 1);
    return (events + this.s.baselinePrior * fleet) / (exposure + this.s.baselinePrior);
  }

  /** New events of a ring per window (ring-level counts kept for `attribution_lookback_windows`), from `fromWindow` on. */
  newEvents(ring: string, signal: Signal, fromWindow: number): Map<number, number> {
    const out = new Map<number, number>();
    for (const p of this.series.get(key(ring, signal)) ?? []) if (p.window >= fromWindow && p.newAffected > 0) out.set(p.window, p.newAffected);
    return out;
  }

  /**
   * New events a window of this ring brings without a release: its recent past before `beforeWindow`
   * (events per device-window, with half an event of prior so it is never 0) times its devices now.
   */
  backgroundPerWindow(ring: string, signal: Signal, beforeWindow: number, exposed: number): number {
    let events = 0;
    let exposure = 0;
    for (const p of this.series.get(key(ring, signal)) ?? []) {
      if (p.window >= beforeWindow) continue;
      events += p.newAffected;
      exposure += p.exposed;
    }
    return ((events + 0.5) / (exposure + Math.max(1, exposed))) * Math.max(1, exposed);
  }

  /**
   * Onset of an anomaly in a ring, ms: the start of the first window (from `fromWindow`) whose new count
   * reaches half the peak, the earliest the excess can have begun. For silence the windows are those of
   * the silent devices' last heartbeats. (Which of several releases the onsets follow is the onset fit's
   * job: a point estimate at window resolution would favour whichever started last.)
   */
  onset(ring: RingRow, signal: Signal, fromWindow: number): number | undefined {
    const counts: [number, number][] = signal === 'silent'
      ? Object.entries(ring.onset).map(([w, n]) => [Number(w), n])
      : (this.series.get(key(ring.ring, signal)) ?? []).map((p) => [p.window, p.newAffected]);
    const relevant = counts.filter(([w]) => w >= fromWindow).sort((a, b) => a[0] - b[0]);
    const peak = Math.max(0, ...relevant.map(([, n]) => n));
    const first = relevant.find(([, n]) => n > 0 && n >= peak / 2);
    return first ? first[0] * this.s.windowMs : undefined;
  }
}
