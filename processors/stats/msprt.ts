// Always-valid release gate: a mixture sequential probability ratio test (mSPRT) on the conditional
// binomial of "updated" events given all events. Per window, given n = x_updated + x_control events,
// x_updated ~ Binomial(n, q) under the null, where q is the updated side's share of the exposure weighted
// by the historical rate ratio. Each alternative "the updated side's rate is theta times the null"
// has a likelihood ratio that is a non-negative martingale under the null; a mixture of them is too, so by
// Ville's inequality P(sup_t Lambda_t >= 1/alpha) <= alpha: the gate may be looked at after every window
// without inflating false alarms. The mixing distribution is a fixed grid of relative risks (one-sided:
// only harm is tested), equal weights.
import { logAdd } from './exact-tails.ts';

/** Relative risks the mixture puts weight on: from a 25% regression to a 10x one. */
export const MIXTURE_RELATIVE_RISKS = [1.25, 1.5, 2, 3, 5, 10] as const;

export interface MsprtState {
  /** log likelihood ratio of each mixture component, in MIXTURE_RELATIVE_RISKS order. */
  logLr: number[];
  windows: number;
  updatedEvents: number;
  controlEvents: number;
}

export const newMsprt = (): MsprtState => ({
  logLr: MIXTURE_RELATIVE_RISKS.map(() => 0), windows: 0, updatedEvents: 0, controlEvents: 0,
});

/** Share of events on the updated side when its rate is `theta` times the null share's rate. */
export const shiftedShare = (q: number, theta: number): number => (theta * q) / (theta * q + 1 - q);

/** Fold one window in: x updated events out of n, with null share q (0 < q < 1). Returns a new state. */
export function msprtUpdate(s: MsprtState, x: number, n: number, q: number): MsprtState {
  if (n <= 0 || !(q > 0 && q < 1)) return { ...s, windows: s.windows + 1 };
  const logLr = s.logLr.map((l, g) => {
    const p = shiftedShare(q, MIXTURE_RELATIVE_RISKS[g]);
    return l + x * Math.log(p / q) + (n - x) * Math.log((1 - p) / (1 - q));
  });
  return { logLr, windows: s.windows + 1, updatedEvents: s.updatedEvents + x, controlEvents: s.controlEvents + n - x };
}

/** log of the mixture likelihood ratio: log sum_g w_g exp(logLr_g), w_g = 1 / G. */
export function msprtLogLambda(s: MsprtState): number {
  let total = -Infinity;
  for (const l of s.logLr) total = logAdd(total, l);
  return total - Math.log(s.logLr.length);
}

/** Threshold on log Lambda for error budget alpha (Ville: reject when Lambda >= 1 / alpha). */
export const msprtThreshold = (alpha: number): number => Math.log(1 / alpha);

/**
 * Windows a regression of `theta` would need to cross the threshold, from the expected drift of the
 * matching mixture component at the current exposure (for the "what could we have seen" power note).
 */
export function windowsToDetect(s: MsprtState, theta: number, eventsPerWindow: number, q: number, alpha: number): number {
  if (!(eventsPerWindow > 0 && q > 0 && q < 1)) return Infinity;
  const p = shiftedShare(q, theta);
  const drift = eventsPerWindow * (p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q)));
  const remaining = msprtThreshold(alpha) + Math.log(MIXTURE_RELATIVE_RISKS.length) - msprtLogLambda(s);
  return drift > 0 ? Math.max(0, Math.ceil(remaining / drift)) : Infinity;
}

/** One window over several strata: each stratum's x of n with its own null share q; one look. */
export function msprtUpdateStrata(s: MsprtState, parts: { x: number; n: number; q: number }[]): MsprtState {
  let next = s;
  for (const p of parts) next = msprtUpdate(next, p.x, p.n, p.q);
  return { ...next, windows: s.windows + 1 };
}

/**
 * Self-controlled form (no same-time control left): x events where the exposed devices' own past at the
 * same hour of the week predicts mean `mu` (already times the indifference ratio). Poisson likelihood ratio
 * of rate theta * mu against mu: x ln(theta) - (theta - 1) mu; a martingale under the null as well.
 */
export function msprtUpdatePoisson(s: MsprtState, x: number, mu: number): MsprtState {
  if (!(mu > 0)) return { ...s, windows: s.windows + 1 };
  const logLr = s.logLr.map((l, g) => l + x * Math.log(MIXTURE_RELATIVE_RISKS[g]) - (MIXTURE_RELATIVE_RISKS[g] - 1) * mu);
  return { logLr, windows: s.windows + 1, updatedEvents: s.updatedEvents + x, controlEvents: s.controlEvents };
}
