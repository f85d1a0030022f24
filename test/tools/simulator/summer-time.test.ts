// Summer time in the simulated fleet (deploy/scenarios/realistic-dst.yaml): after the US clocks go forward
// (Sunday 9 March 2025), an office keeps its local hours, so its workstations switch on an hour earlier in
// UTC than on the Friday before; the Phoenix office, which keeps standard time, switches on at the same UTC
// hour; the night of a region moves with its clocks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CLASS_WORKSTATION, sitesOf } from '../../../tools/simulator/fleet-layout.ts';
import { FLAG_LEFT_ON } from '../../../tools/simulator/fleet.ts';
import { offsetAt, summerTimesOf } from '../../../tools/simulator/local-time.ts';
import { FleetModel } from '../../../tools/simulator/model.ts';
import { nightClock } from '../../../tools/simulator/night.ts';
import { loadScenario } from '../../../tools/simulator/scenario-load.ts';

const HOUR = 3_600_000;
const scenario = loadScenario('deploy/scenarios/realistic-dst.yaml');
const model = new FleetModel(scenario, Date.parse(scenario.start!));
const f = model.fleet;
const siteIndex = (name: string) => sitesOf(scenario).findIndex((s) => s.name === name);
const friday = Date.parse('2025-03-07T00:00:00Z');
const monday = Date.parse('2025-03-10T00:00:00Z');

/** UTC hours (from 00:00 UTC of `day`) at which the site's office workstations switch on that day. */
function switchOnHours(site: string, day: number): number[] {
  const s = siteIndex(site);
  const office = [...Array(f.size).keys()].filter((i) => f.site[i] === s && f.cls[i] === CLASS_WORKSTATION && !(f.flags[i] & FLAG_LEFT_ON));
  assert.ok(office.length > 10, `${site} has office workstations`);
  // Asked at 12:00 UTC (04:00-05:00 local in us-west: nobody at work yet).
  return office.map((i) => (model.office.nextOn(i, day + 12 * HOUR) - day) / HOUR);
}

describe('summer time in the simulator', () => {
  it('an office keeps its local hours: an hour earlier in UTC once its clocks go forward', () => {
    const before = switchOnHours('us-west-office', friday);
    const after = switchOnHours('us-west-office', monday);
    // Seattle: 08:00 +/- 1 h local; PST (UTC-8) on Friday, PDT (UTC-7) on Monday.
    assert.ok(before.every((h) => h >= 15 && h <= 17), `Friday, UTC hours ${Math.min(...before)}-${Math.max(...before)}`);
    after.forEach((h, k) => assert.ok(Math.abs(before[k] - h - 1) < 1e-9, `device ${k}: ${before[k]} -> ${h}`));
  });

  it('a site that keeps standard time switches on at the same UTC hour', () => {
    const before = switchOnHours('phoenix-office', friday);
    const after = switchOnHours('phoenix-office', monday);
    after.forEach((h, k) => assert.ok(Math.abs(before[k] - h) < 1e-9, `device ${k}: ${before[k]} -> ${h}`));
  });

  it("a region's night moves with its clocks; the offset changes at the instant given", () => {
    const westRegion = scenario.fleet.regions.findIndex((r) => r.name === 'us-west');
    const night = nightClock(scenario);
    // 05:30 UTC is 21:30 PST (not night) on Friday and 22:30 PDT (night) on Monday.
    assert.equal(night.isNight(westRegion, friday + 5.5 * HOUR), false);
    assert.equal(night.isNight(westRegion, monday + 5.5 * HOUR), true);
    const summer = summerTimesOf(scenario.fleet.regions[westRegion].summer_time);
    const change = Date.parse('2025-03-09T10:00:00Z');
    assert.equal(offsetAt(-8 * HOUR, summer, HOUR, change - 1), -8 * HOUR);
    assert.equal(offsetAt(-8 * HOUR, summer, HOUR, change), -7 * HOUR);
  });
});

describe('a live run keeps the scenario\'s time of day', () => {
  it('does the same whether it starts at the scenario\'s hour or thirteen and a half hours later', () => {
    // The realistic fleet's offices and nights, played for 36 hours from its start, and again on a clock
    // 13.5 h later (as a live run started at another hour of the day): the same heartbeats, shifted.
    const realistic = loadScenario('deploy/scenarios/realistic-fleet.yaml');
    const start = Date.parse(realistic.start!);
    const later = start + 13.5 * HOUR;
    const play = (from: number, shift: number) => {
      const m = new FleetModel(realistic, from, 'run', shift);
      return m.advanceTo(from + 36 * HOUR).flatMap((e) => (e.kind === 'heartbeat' ? [`${(e.event as { deviceId: string }).deviceId} ${e.receivedAtMs - from}`] : []));
    };
    const atStart = play(start, 0);
    assert.ok(atStart.length > 10_000);
    assert.deepEqual(play(later, start - later), atStart);
    // Without the shift the offices and nights fall at other hours: another history.
    assert.notDeepEqual(play(later, 0), atStart);
  });
});
