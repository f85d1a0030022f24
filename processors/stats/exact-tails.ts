// Exact binomial and Poisson tails, summed in log space. Paging decisions need p-values far below what
// table-based or truncated implementations give (detection.md: simple-statistics' distributions drop the
// last 1e-4 of mass and its normal CDF bottoms out at 1e-3), so every tail here is a direct sum of exact
// probability terms, starting at the boundary and walking away from the mode until the terms vanish.
// simple-statistics' gammaln (Lanczos, ~15 significant digits) is accurate and is used for log-gamma.
import { gammaln } from 'simple-statistics';

/** log(n!) */
export const logFactorial = (n: number): number => (n < 2 ? 0 : gammaln(n + 1));

/** log C(n, k) */
export const logChoose = (n: number, k: number): number => logFactorial(n) - logFactorial(k) - logFactorial(n - k);

export function logBinomialPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return -Infinity;
  if (p <= 0) return k === 0 ? 0 : -Infinity;
  if (p >= 1) return k === n ? 0 : -Infinity;
  return logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

export function logPoissonPmf(k: number, lambda: number): number {
  if (k < 0) return -Infinity;
  if (lambda <= 0) return k === 0 ? 0 : -Infinity;
  return k * Math.log(lambda) - lambda - logFactorial(k);
}

/** log(exp(a) + exp(b)) without overflow. */
export function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

const TERM_CUTOFF = Math.log(1e-18);
const MAX_TERMS = 10_000_000;

/** log of sum_{i = from, from + step, ...} exp(term(i)), stopping when terms stop mattering or at `until`. */
function logSumFrom(from: number, step: 1 | -1, until: number, term: (i: number) => number): number {
  let total = -Infinity;
  for (let i = from, n = 0; step > 0 ? i <= until : i >= until; i += step, n++) {
    const t = term(i);
    total = logAdd(total, t);
    // Terms decrease monotonically away from the mode, which is where the walk goes.
    if (t - total < TERM_CUTOFF || n > MAX_TERMS) break;
  }
  return total;
}

/** log P(X >= k) for X ~ Binomial(n, p). */
export function logBinomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n) return -Infinity;
  const pmf = (i: number) => logBinomialPmf(i, n, p);
  if (k > n * p) return logSumFrom(k, 1, n, pmf);
  // At or below the mean the tail is large: 1 - P(X <= k - 1), the lower sum walking down from k - 1.
  const lower = logSumFrom(k - 1, -1, 0, pmf);
  return Math.log1p(-Math.min(1, Math.exp(lower)));
}

/** P(X >= k) for X ~ Binomial(n, p); exact down to ~1e-300. */
export const binomialUpperTail = (k: number, n: number, p: number): number => Math.exp(logBinomialUpperTail(k, n, p));

/** log P(X >= k) for X ~ Poisson(lambda). */
export function logPoissonUpperTail(k: number, lambda: number): number {
  if (k <= 0) return 0;
  if (lambda <= 0) return -Infinity;
  const pmf = (i: number) => logPoissonPmf(i, lambda);
  if (k > lambda) return logSumFrom(k, 1, Number.MAX_SAFE_INTEGER, pmf);
  const lower = logSumFrom(k - 1, -1, 0, pmf);
  return Math.log1p(-Math.min(1, Math.exp(lower)));
}

export const poissonUpperTail = (k: number, lambda: number): number => Math.exp(logPoissonUpperTail(k, lambda));
