// Local night-time per region, on a day that a scenario may compress (day_secs) so that short runs
// still show the diurnal cycle. Night is 22:00 to 06:00 local (summer time included: local-time.ts).
import type { Scenario } from './scenario-schema.ts';
import { offsetAt, summerTimesOf } from './local-time.ts';

const NIGHT_FROM = 22 / 24;
const NIGHT_TO = 6 / 24;

export interface NightClock {
  /** One local hour in simulated milliseconds. */
  hourMs: number;
  isNight(region: number, atMs: number): boolean;
  /** The next 06:00 local after `atMs`. */
  morningAfter(region: number, atMs: number): number;
}

/**
 * `shiftMs`: added to a time before its local time is read (a live run, on the wall clock, keeps the
 * scenario's time of day: its start minus the run's).
 */
export function nightClock(scenario: Scenario, shiftMs = 0): NightClock {
  const dayMs = scenario.fleet.day_secs * 1000;
  const offsets = scenario.fleet.regions.map((r) => (r.utc_offset_hours / 24) * dayMs);
  const summer = scenario.fleet.regions.map((r) => summerTimesOf(r.summer_time));
  const dayFraction = (region: number, wallMs: number) => {
    const atMs = wallMs + shiftMs;
    const local = atMs + offsetAt(offsets[region], summer[region], dayMs / 24, atMs);
    return (((local % dayMs) + dayMs) % dayMs) / dayMs;
  };
  return {
    hourMs: dayMs / 24,
    isNight(region, atMs) {
      const f = dayFraction(region, atMs);
      return f >= NIGHT_FROM || f < NIGHT_TO;
    },
    morningAfter(region, atMs) {
      const untilMorning = (((NIGHT_TO - dayFraction(region, atMs)) % 1) + 1) % 1;
      return atMs + untilMorning * dayMs;
    },
  };
}
