// Always-valid upper bound on a rate ratio (exposed vs control), the evidence behind an earned `pass`.
// Per window and stratum, given n = x_exposed + x_control new events, x_exposed ~ Binomial(n, p_theta)
// with p_theta = theta E_u / (theta E_u + E_c) when the exposed side's rate is theta times the control's
// (E = exposed devices of each side in that stratum). Conditioning on n carries the control's own
// uncertainty (no point estimate of the control rate), and strata multiply (a stratified exact test).
// To rule out "theta or worse", test H_theta against lower ratios theta / r with a mixture likelihood
// ratio (equal weights over r); it is a non-negative martingale under H_theta, so by Ville's inequality
// P(ever >= 1/alpha) <= alpha: theta is rejected at any look without inflating errors. The bound reported
// is the smallest grid ratio from which every larger grid ratio is rejected; it only ever goes down.
import { logAdd, logBinomialUpperTail } from './exact-tails.ts';

/** Ratios a bound can be stated at (the configured limit is added to these). */
export const BOUND_GRID = [1.1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 7, 10, 15, 20, 30, 50, 100] as const;
/**
 * Lower alternatives theta / r the mixture weighs. A bound is there to show that a healthy release is
 * within the limit, so the weight sits where a healthy release is (ratio theta/3 to theta/1.5, about 1 at
 * the limit of 2): alternatives far below (theta/5, theta/10) or just under theta (theta/1.25) add little
 * evidence and each costs the same share of the mixture. Events a bound at 2 needs: 11 (13 with
 * 1.25..10).
 */
export const LOWER_ALTERNATIVES = [1.5, 2, 3] as const;

export interface RatioBoundState {
  /** Grid of ratios (sorted ascending). */
  grid: number[];
  /** Per grid ratio, per alternative: log likelihood ratio of theta / r against theta. */
  logLr: number[][];
  /** Smallest bound reached so far (Infinity: nothing ruled out yet). */
  bound: number;
  exposedEvents: number;
  controlEvents: number;
}

export function newRatioBound(limit: number): RatioBoundState {
  const grid = [...new Set([...BOUND_GRID, limit])].sort((a, b) => a - b);
  return { grid, logLr: grid.map(() => LOWER_ALTERNATIVES.map(() => 0)), bound: Infinity, exposedEvents: 0, controlEvents: 0 };
}

const share = (theta: number, exposed: number, control: number) => (theta * exposed) / (theta * exposed + control);

/** One stratum of one window: x exposed events of n, with E_u exposed and E_c control devices. Mutates. */
export function ratioBoundUpdate(s: RatioBoundState, x: number, n: number, exposed: number, control: number): void {
  if (n <= 0 || exposed <= 0 || control <= 0) return;
  s.exposedEvents += x;
  s.controlEvents += n - x;
  s.grid.forEach((theta, i) => {
    const p0 = share(theta, exposed, control);
    LOWER_ALTERNATIVES.forEach((r, j) => {
      const p1 = share(theta / r, exposed, control);
      s.logLr[i][j] += x * Math.log(p1 / p0) + (n - x) * Math.log((1 - p1) / (1 - p0));
    });
  });
}

/**
 * Self-controlled form: x exposed events where their own past predicts `mu`. Poisson likelihood ratio of
 * theta / r against theta: -x ln r + mu theta (1 - 1 / r). Mutates.
 */
export function ratioBoundUpdatePoisson(s: RatioBoundState, x: number, mu: number): void {
  if (!(mu > 0)) return;
  s.exposedEvents += x;
  s.grid.forEach((theta, i) => {
    LOWER_ALTERNATIVES.forEach((r, j) => {
      s.logLr[i][j] += -x * Math.log(r) + mu * theta * (1 - 1 / r);
    });
  });
}

/** log of the mixture likelihood ratio against ratio `grid[i]`. */
export function logMixture(s: RatioBoundState, i: number): number {
  let total = -Infinity;
  for (const l of s.logLr[i]) total = logAdd(total, l);
  return total - Math.log(LOWER_ALTERNATIVES.length);
}

/** Recompute the bound at error `alpha` (call once per window, after the strata updates). */
export function ratioBoundSettle(s: RatioBoundState, alpha: number): number {
  const threshold = Math.log(1 / alpha);
  let bound = Infinity;
  for (let i = s.grid.length - 1; i >= 0; i--) {
    if (logMixture(s, i) < threshold) break;
    bound = s.grid[i];
  }
  // A confidence sequence may be intersected over time: the bound never rises again.
  s.bound = Math.min(s.bound, bound);
  return s.bound;
}

/**
 * Expected exposed events (at the control's rate) a ring needs before a healthy release can show a ratio
 * bound at `limit`: with x = mu events observed where mu were expected (Poisson limit of a large control),
 * the mixture against `limit` is mean_r exp(mu (limit (1 - 1/r) - ln r)). Smallest such mu, to 0.1.
 */
export function eventsToBoundRatio(limit: number, alpha: number): number {
  // Asked at every window for every (release, ring, signal) with the configured limit and alpha: a few
  // hundred mixture evaluations each time for the same answer.
  const key = `${limit}/${alpha}`;
  let mu = eventsNeeded.get(key);
  if (mu === undefined) {
    if (eventsNeeded.size >= 64) eventsNeeded.clear();
    eventsNeeded.set(key, (mu = searchEventsToBound(limit, alpha)));
  }
  return mu;
}

const eventsNeeded = new Map<string, number>();

function searchEventsToBound(limit: number, alpha: number): number {
  const threshold = Math.log(1 / alpha);
  for (let mu = 0.1; mu < 1e6; mu = Math.round((mu * 1.02 + 0.1) * 10) / 10) {
    let total = -Infinity;
    for (const r of LOWER_ALTERNATIVES) total = logAdd(total, mu * (limit * (1 - 1 / r) - Math.log(r)));
    if (total - Math.log(LOWER_ALTERNATIVES.length) >= threshold) return mu;
  }
  return Infinity;
}

/**
 * Exact one-sided upper confidence bound on a binomial proportion (Clopper-Pearson): the p at which
 * P(X <= x | n, p) = alpha, by bisection on exact log-space tails. 0 of n gives 1 - alpha^(1/n)
 * (about 3/n at 95 %: the rule of three).
 */
export function binomialUpperBound(x: number, n: number, alpha: number): number {
  if (n <= 0) return 1;
  if (x >= n) return 1;
  // The pass rule asks every window for each (release, ring, signal), mostly with the same counts as the
  // window before; 80 bisection steps of an exact tail each time were a tenth of a backtest.
  const key = `${x}/${n}/${alpha}`;
  const known = upperBounds.get(key);
  if (known !== undefined) return known;
  if (upperBounds.size >= UPPER_BOUND_CACHE) upperBounds.clear();
  const bound = bisectUpperBound(x, n, alpha);
  upperBounds.set(key, bound);
  return bound;
}

/** Bounds remembered (a pure function of its arguments); cleared whole when full. */
const UPPER_BOUND_CACHE = 4096;
const upperBounds = new Map<string, number>();

function bisectUpperBound(x: number, n: number, alpha: number): number {
  const lowerTail = (p: number) => 1 - Math.exp(logBinomialUpperTail(x + 1, n, p));
  let lo = x / n;
  let hi = 1;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (lowerTail(mid) > alpha) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** "1 in 12" for 0.083: the bound as a release engineer reads it. */
export function oneIn(fraction: number): string {
  if (!(fraction > 0)) return 'none';
  if (fraction >= 1) return 'all';
  return `1 in ${Math.max(1, Math.floor(1 / fraction))}`;
}
