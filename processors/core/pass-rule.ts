// When a release has earned `pass` on a ring for one signal. Release tooling promotes on pass, so a pass
// is a promise and needs all of (issue 13, docs/detection.md "Verdicts"):
//   1. a same-time control (or, with none left, the ring's own past): else `no_control`;
//   2. enough devices confirmed exposed and each watched for the soak (k intervals + a window + lateness):
//      else `insufficient_exposure`, or `soaking` while the soak of the first devices is not over;
//   3. an always-valid upper bound on the rate ratio exposed vs control below the limit, or, where the
//      ring cannot gather the events such a bound needs within the power horizon, an exact bound on the
//      share of watched devices affected below the small-ring maximum: else `insufficient_power` (not
//      enough events yet) or `bound_above_limit`;
//   4. all of that for `pass_consecutive_windows` windows in a row: else `confirming`.
// Anything that fired in the ring, or a telemetry gap, is decided before this rule is asked.
import type { PassBound, ReleaseReason } from '../../common/contract/decision.ts';
import { binomialUpperBound, eventsToBoundRatio, oneIn, ratioBoundSettle, type RatioBoundState } from '../stats/ratio-bound.ts';
import type { DetectionSettings } from './settings.ts';

export interface PassState {
  bound: RatioBoundState;
  /** Consecutive windows with every condition met. */
  streak: number;
  /** Most devices seen at once that were exposed and watched for the soak (a lower bound on distinct ones). */
  watched: number;
  /** Affected exposed devices since the start (silence: most dark at once; crashes, loops: new episodes summed). */
  affected: number;
  /** Control events and device-windows since the start (the control's rate, for the power check). */
  controlEvents: number;
  controlDeviceWindows: number;
  /** Exposed device-windows since the start (how many events the control's rate predicts for them). */
  exposedDeviceWindows: number;
  /** Devices of the ring when the release started there. */
  ringDevices: number;
  /** The route of the first pass, kept from then on: a pass is not withdrawn because a later window's
   *  control rate (a reboot wave, a quiet night) would have chosen the other bound. */
  route?: PassBound['route'];
}

export const newPassState = (bound: RatioBoundState, ringDevices: number): PassState => ({
  bound, streak: 0, watched: 0, affected: 0, controlEvents: 0, controlDeviceWindows: 0, exposedDeviceWindows: 0, ringDevices,
});

export interface PassInput {
  /** Is there a control (same-time or self-controlled) this window? */
  comparable: boolean;
  /** Since the release started in the ring, ms. */
  elapsedMs: number;
  /** Exposed devices watched for the soak, now. */
  watchedNow: number;
  /** Share of control devices affected now (what "as bad as the control" means in absolute terms). */
  controlFraction: number;
}

export interface PassOutcome {
  verdict: 'pass' | 'inconclusive';
  reason: ReleaseReason;
  /** One line: what holds and what is still missing. */
  text: string;
  bound: PassBound;
}

/** Fold one window's observation in and decide. Mutates `st` (streak, watched). */
export function passRule(st: PassState, input: PassInput, s: DetectionSettings): PassOutcome {
  st.watched = Math.max(st.watched, input.watchedNow);
  const ratioBound = ratioBoundSettle(st.bound, s.passAlpha);
  const affected = Math.min(st.affected, st.watched);
  const shareBound = binomialUpperBound(affected, st.watched, s.passAlpha);
  // The control's observed rate, without a pseudo-event: a quiet control means a rare signal (boot loops),
  // and half an invented event over a few thousand device-windows would make the ratio look within reach
  // on a large ring, which then waits for events that never come.
  const controlRate = st.controlDeviceWindows > 0 ? st.controlEvents / st.controlDeviceWindows : 0;
  const horizonWindows = s.passPowerHorizonMs / s.windowMs;
  const needed = eventsToBoundRatio(s.passMaxRatio, s.passAlpha);
  const ratioReachable = st.route ? st.route === 'rate_ratio' : controlRate * st.ringDevices * horizonWindows >= needed;
  const confidence = `${Math.round(100 * (1 - s.passAlpha))} %`;
  const bound: PassBound = {
    confidence: 1 - s.passAlpha,
    rateRatio: Number.isFinite(ratioBound) ? ratioBound : null,
    rateRatioLimit: s.passMaxRatio,
    affectedShare: Number(shareBound.toPrecision(4)),
    watchedDevices: st.watched,
    affectedDevices: affected,
    route: ratioReachable ? 'rate_ratio' : 'absolute',
    soakSecs: s.soakMs / 1000,
  };
  const statement = `at most ${oneIn(shareBound)} watched exposed devices affected (${affected}/${st.watched}, ${confidence})`
    + (Number.isFinite(ratioBound) ? `, rate ratio vs control <= ${ratioBound} (${confidence})` : '');
  const no = (reason: ReleaseReason, why: string): PassOutcome => {
    st.streak = 0;
    return { verdict: 'inconclusive', reason, text: `${why}; so far ${statement}`, bound };
  };
  if (!input.comparable) return no('no_control', 'no comparable control devices and no history to compare with');
  const tooSmall = st.ringDevices < s.passMinExposed;
  const minimum = tooSmall && s.smallRingPolicy === 'absolute_bound' ? Math.max(1, st.ringDevices) : s.passMinExposed;
  if (tooSmall && s.smallRingPolicy === 'inconclusive') {
    return no('insufficient_exposure', `the ring has ${st.ringDevices} devices, fewer than the ${s.passMinExposed} a pass needs (small_ring_policy inconclusive: promote by hand)`);
  }
  if (input.elapsedMs < s.soakMs) return no('soaking', `soaking: ${Math.round(input.elapsedMs / 1000)} of ${Math.round(s.soakMs / 1000)} s since the start`);
  if (st.watched < minimum) return no('insufficient_exposure', `${st.watched} of ${minimum} devices confirmed exposed and watched for the soak`);
  const limitShare = Math.max(s.passSmallRingMaxFraction, s.passMaxRatio * input.controlFraction);
  const held = ratioReachable ? ratioBound <= s.passMaxRatio : shareBound <= limitShare;
  if (!held) {
    if (ratioReachable) {
      // Fewer events expected so far than twice what a healthy bound needs: wait for them.
      const expected = controlRate * st.exposedDeviceWindows;
      return no(expected < 2 * needed ? 'insufficient_power' : 'bound_above_limit',
        `the rate ratio is not yet bounded below ${s.passMaxRatio} (${st.bound.exposedEvents} exposed / ${st.bound.controlEvents} control events)`);
    }
    return no('bound_above_limit', `the affected share is not yet bounded below ${oneIn(limitShare)}`);
  }
  st.streak += 1;
  if (st.streak < s.passWindows) {
    return { verdict: 'inconclusive', reason: 'confirming', text: `every pass condition held ${st.streak} of ${s.passWindows} windows in a row; ${statement}`, bound };
  }
  st.route = bound.route;
  return { verdict: 'pass', reason: 'passed', text: `pass earned: ${statement}`, bound };
}
