// Layer 1, the catastrophe rule: is the updated side's silent / crashed / looping fraction far above the
// control's? One-sided exact binomial test of the updated count against the control fraction, with
// absolute guards so that tiny rings cannot page on one or two devices, and a large fleet cannot page on
// a statistically significant but harmless +0.1 point (detection.md, layer 1).
import { binomialUpperTail } from '../stats/exact-tails.ts';
import type { Side } from './comparisons.ts';
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

export function catastrophe(updated: Side, control: Side, s: DetectionSettings): CatastropheResult {
  const nullFraction = (control.affected + 0.5) / (control.exposed + 1);
  if (updated.exposed <= 0 || control.exposed < s.minControl) {
    return { applicable: false, fired: false, pValue: 1, excess: 0, nullFraction };
  }
  const excess = updated.affected / updated.exposed - control.affected / control.exposed;
  const pValue = binomialUpperTail(updated.affected, updated.exposed, nullFraction);
  const fired = updated.affected >= s.minAffected && excess >= s.minExcess && pValue <= s.alphaCatastrophe;
  return { applicable: true, fired, pValue, excess, nullFraction };
}
