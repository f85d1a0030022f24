// The fewest affected devices with which the catastrophe rule fires on one stratum: the cohort's size
// against a control with a given silent count, run through the rule itself (stratifiedCatastrophe), so
// the benchmark can tell a fail that waited for the clock from one that waited for the rule's significance.
import { stratifiedCatastrophe, type CohortView, type StratumSide } from '../../../processors/core/cohorts.ts';
import type { DetectionSettings } from '../../../processors/core/settings.ts';

const side = (exposed: number, affected: number): StratumSide => ({ exposed, affected, newAffected: 0, crashReports: 0, watched: 0 });

/** Fewest of `cohort` devices affected that fire against `controlAffected` of `control`; undefined: none. */
export function fewestThatFire(cohort: number, controlAffected: number, control: number, s: DetectionSettings): number | undefined {
  const ctl = side(control, controlAffected);
  for (let affected = 1; affected <= cohort; affected++) {
    const updated = side(cohort, affected);
    const view: CohortView = { matched: [{ stratum: 'one', updated, control: ctl }], updated, matchedUpdated: updated, control: ctl };
    if (stratifiedCatastrophe(view, s).fired) return affected;
  }
  return undefined;
}
