// Ticket-level baseline check: a one-sided Poisson CUSUM of per-window counts against an expected count
// from the hour-of-week baseline. Tuned to detect a shift from lambda0 to shift * lambda0 (Lucas 1985):
// S_t = max(0, S_{t-1} + x_t * ln(shift) - (shift - 1) * lambda0_t); alarm when S_t >= threshold.
// Same-time comparisons are the release gate; history raises 3.7 false alarms a week on a real fleet
// (detection.md), so this check only ever warns.

export interface CusumState {
  statistic: number;
  alarms: number;
}

export const newCusum = (): CusumState => ({ statistic: 0, alarms: 0 });

export interface CusumStep {
  state: CusumState;
  alarm: boolean;
  /** Statistic before the reset that follows an alarm. */
  statistic: number;
}

export function cusumUpdate(s: CusumState, count: number, expected: number, shift: number, threshold: number): CusumStep {
  const statistic = Math.max(0, s.statistic + count * Math.log(shift) - (shift - 1) * Math.max(0, expected));
  const alarm = statistic >= threshold;
  // Restart after an alarm so a persisting shift warns again after another `threshold` of evidence.
  return { state: { statistic: alarm ? 0 : statistic, alarms: s.alarms + (alarm ? 1 : 0) }, alarm, statistic };
}
