// The arithmetic of the crash-signal pass floor (pass-floor.ts), pure. Counts of crash episodes among
// exposed devices are Poisson: mean mu for a healthy release, factor x mu for a regression. The most
// powerful test of "regression" against "healthy" at a given healthy pass probability (Neyman-Pearson; the
// Poisson family has a monotone likelihood ratio) passes when at most c episodes were seen, and with
// probability gamma when exactly c + 1 were (randomised at the boundary). Its chance of passing the
// regression is the least any test with that healthy pass probability can have.
import { poissonUpperTail } from '../../../processors/stats/exact-tails.ts';

/** P(X <= k) for X ~ Poisson(mu), from the processors' exact tails; 1 for mu = 0. */
export function poissonCdf(k: number, mu: number): number {
  if (k < 0) return 0;
  return mu <= 0 ? 1 : 1 - poissonUpperTail(k + 1, mu);
}

/**
 * The least probability with which a test that passes a healthy release (mean mu episodes) with
 * probability `healthyPass` also passes one whose episode rate is `factor` times as high.
 */
export function healthyPassFloor(mu: number, factor: number, healthyPass: number): number {
  if (mu <= 0) return healthyPass; // nothing to tell them apart by
  let c = 0;
  while (poissonCdf(c, mu) < healthyPass) c++;
  // Pass on X < c surely, on X = c with probability gamma, so that the healthy pass probability is exact.
  const below = poissonCdf(c - 1, mu);
  const atC = poissonCdf(c, mu) - below;
  const gamma = atC > 0 ? (healthyPass - below) / atC : 0;
  const badBelow = poissonCdf(c - 1, factor * mu);
  return badBelow + gamma * (poissonCdf(c, factor * mu) - badBelow);
}

/**
 * Hours of exposure (0.1 h steps, up to 10,000 h) before a test can pass a healthy release with
 * probability `healthyPass` and one `factor` times as crash-prone with at most `falsePass`, at
 * `episodesPerHour` healthy episodes an hour over the whole ring; undefined if not within that.
 */
export function hoursToSeparate(episodesPerHour: number, factor: number, healthyPass: number, falsePass: number): number | undefined {
  // The floor falls as exposure grows: bracket the first step by doubling, then bisect over tenths.
  const ok = (tenths: number) => healthyPassFloor((episodesPerHour * tenths) / 10, factor, healthyPass) <= falsePass;
  let hi = 1;
  while (!ok(hi)) {
    hi *= 2;
    if (hi > 100_000) return undefined;
  }
  let lo = Math.floor(hi / 2); // not ok (or 0)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi / 10;
}
