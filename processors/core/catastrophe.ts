// Layer 1, the catastrophe rule: is the updated side's silent / crashed / looping fraction far above the
// control's? One-sided exact binomial test of the updated count against the control fraction, with
// absolute guards so that tiny rings cannot page on one or two devices, and a large fleet cannot page on
// a statistically significant but harmless +0.1 point (detection.md, layer 1).
import { binomialUpperTail } from '../stats/exact-tails.ts';
import type { DetectionSettings } from './settings.ts';

export interface CatastropheResult {
  applicable: boolean;
  fired: boolean;
  pValue: number;
  /** Updated fraction minus control fraction. */
  excess: number;
  /** Null fraction the test used (the control's, smoothed so an all-clear control is not "0%"). */
  nullFraction: number;
}

/**
 * `affected` of `n` against Binomial(n, the smoothed null fraction), with the absolute guards: at least
 * min_affected_devices, and an excess of min_excess_fraction over the raw null fraction.
 */
export function countRule(
  affected: number, n: number, p0: { smoothed: number; raw: number }, applicable: boolean, s: DetectionSettings, alpha: number,
): CatastropheResult {
  const nullFraction = p0.smoothed;
  if (!applicable) return { applicable: false, fired: false, pValue: 1, excess: 0, nullFraction };
  const excess = affected / n - p0.raw;
  const pValue = binomialUpperTail(affected, n, nullFraction);
  const fired = affected >= s.minAffected && excess >= s.minExcess && pValue <= alpha;
  return { applicable: true, fired, pValue, excess, nullFraction };
}
