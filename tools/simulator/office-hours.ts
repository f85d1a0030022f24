// When workstations and laptops are on: local working hours on weekdays (Monday to Friday), each device
// with its own arrival and departure (a hash of seed and device), never on its site's holidays. Servers
// and devices left on are always on. The day may be compressed (fleet.day_secs) like night.ts; weekdays
// and holiday dates then count compressed days from 1970-01-01, so dates are only meaningful at 86400.
// A site in summer time (local-time.ts) keeps its local hours, so they move an hour earlier in UTC.
import { hashUnit } from './rng.ts';
import { offsetAt } from './local-time.ts';
import { CLASS_LAPTOP, CLASS_WORKSTATION, sitesOf, type SiteInfo } from './fleet-layout.ts';
import { FLAG_LEFT_ON, type Fleet } from './fleet.ts';
import type { Scenario } from './scenario-schema.ts';

/** How many days ahead the next working day is looked for (a long holiday run ends the search). */
const MAX_DAYS_AHEAD = 21;

export class OfficeHours {
  private readonly dayMs: number;
  private readonly sites: SiteInfo[];
  private readonly offsetMs: number[];
  private readonly seed: number;
  private readonly fleet: Fleet;
  /** Per class (CLASS_*): [start, end, start spread, end spread] as fractions of a day; undefined: always on. */
  private readonly hours: ([number, number, number, number] | undefined)[];
  readonly active: boolean;
  /** Added to a time before its local time is read (see nightClock). */
  private readonly shiftMs: number;

  constructor(scenario: Scenario, fleet: Fleet, shiftMs = 0) {
    this.shiftMs = shiftMs;
    this.dayMs = scenario.fleet.day_secs * 1000;
    this.sites = sitesOf(scenario);
    this.offsetMs = this.sites.map((s) => (scenario.fleet.regions[s.region].utc_offset_hours / 24) * this.dayMs);
    this.seed = scenario.seed;
    this.fleet = fleet;
    const c = scenario.fleet.device_classes;
    const frac = (o: typeof c.workstation): [number, number, number, number] =>
      [o.work_hours[0] / 24, o.work_hours[1] / 24, o.start_spread_hours / 24, o.end_spread_hours / 24];
    this.hours = [];
    this.hours[CLASS_WORKSTATION] = frac(c.workstation);
    this.hours[CLASS_LAPTOP] = frac(c.laptop);
    let any = false;
    for (let i = 0; i < fleet.size && !any; i++) any = this.scheduled(i);
    this.active = any;
  }

  /** Does device i follow office hours at all? */
  scheduled(i: number): boolean {
    return this.hours[this.fleet.cls[i]] !== undefined && !(this.fleet.flags[i] & FLAG_LEFT_ON);
  }

  /** The site's offset from the model's clock at `atMs` (summer time and the clock's shift included). */
  private offset(site: number, atMs: number): number {
    return offsetAt(this.offsetMs[site], this.sites[site].summerTime, this.dayMs / 24, atMs + this.shiftMs) + this.shiftMs;
  }

  /** Local day number (days since 1970-01-01 in the site's time zone) at `atMs`. */
  localDay(i: number, atMs: number): number {
    return Math.floor((atMs + this.offset(this.fleet.site[i], atMs)) / this.dayMs);
  }

  isWorkingDay(site: number, day: number): boolean {
    const weekday = (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday; Monday is 0
    return weekday < 5 && !this.sites[site].holidays.has(day);
  }

  /** `atMs` itself if device i is (or should be) on then, else the next time it switches on. */
  nextOn(i: number, atMs: number): number {
    const h = this.hours[this.fleet.cls[i]];
    if (!h || this.fleet.flags[i] & FLAG_LEFT_ON) return atMs;
    const site = this.fleet.site[i];
    const start = h[0] + (hashUnit(this.seed, i, 40) * 2 - 1) * h[2];
    const end = h[1] + (hashUnit(this.seed, i, 41) * 2 - 1) * h[3];
    const today = this.localDay(i, atMs);
    for (let day = today - 1; day <= today + MAX_DAYS_AHEAD; day++) {
      if (!this.isWorkingDay(site, day)) continue;
      // The day's offset, read at its local noon (clocks change at night, on a weekend).
      const offset = this.offset(site, (day + 0.5) * this.dayMs - this.offsetMs[site] - this.shiftMs);
      const on = (day + start) * this.dayMs - offset;
      const off = (day + end) * this.dayMs - offset;
      if (atMs < on) return on;
      if (atMs < off) return atMs;
    }
    return Infinity;
  }
}
