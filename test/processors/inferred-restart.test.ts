// An update that restarts its devices without declaring it: the devices show it themselves, coming back on
// a new boot that began while they were dark, running the release. Once enough of a ring's devices have
// (significantly more than the rest of the fleet restarted meanwhile), the release is judged as if it had
// declared restart_max_downtime_secs: silences count only once they outlast it. A release whose devices
// never come back is failed exactly as before; restarts elsewhere in the fleet (a patch night) or of
// devices not running the release infer nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import type { Decision } from '../../common/contract/decision.ts';
import type { CellRow, RingRow } from '../../processors/core/partial.ts';
import { emptyCounts } from '../../processors/core/partial.ts';
import { DetectionCore } from '../../processors/core/detection-core.ts';
import { ReleaseRestarts } from '../../processors/core/release-restarts.ts';
import type { RingRollout } from '../../processors/core/rollout.ts';
import { testSettings } from './support/settings.ts';
import { EnvelopeLog, iso, ringDevices, threeRings } from './support/ring-fleet.ts';

const START = Date.UTC(2026, 0, 5, 12, 0, 0);
const HB = 1000;
const RELEASE_AT = START + 8 * HB;
const SECONDS = 80;

/**
 * A canary of 40 devices takes the OS update one every half second from the start; device i is then dark
 * for `downSecs(i)` (Infinity: dead, never back) and comes back on a new boot running it. `others` devices
 * of the early ring restart the same way at the same time without taking anything (a patch night).
 */
function fleet(downSecs: (i: number) => number, o: { others?: number; seconds?: number } = {}): AnyEnvelope[] {
  const log = new EnvelopeLog();
  log.started('os', '2', 'canary', RELEASE_AT);
  for (const { id, ring, i, region, phase } of ringDevices(threeRings(40), HB)) {
    const takes = ring === 'canary' || (ring === 'early' && i < (o.others ?? 0));
    const takesAt = takes ? RELEASE_AT + i * 500 : Infinity;
    const down = takes ? downSecs(i) * 1000 : 0;
    const runsIt = ring === 'canary';
    for (let n = 0, t = START + phase; t < START + (o.seconds ?? SECONDS) * 1000; n++, t += HB) {
      const after = t > takesAt;
      if (after && t < takesAt + down) continue; // restarting (or dead): dark
      log.push({ v: 1, kind: 'heartbeat', receivedAt: iso(t), eventAt: iso(t), collectorId: `col-${region}`, event: {
        eventId: `hb-${id}-${n}`, deviceId: id, sentAt: iso(t), ring, bootId: `boot-${id}-${after ? 1 : 0}`,
        uptimeSec: after ? Math.round((t - takesAt - down) / 1000) : 3600 + n,
        components: { agent: '1.0', os: after && runsIt ? '2' : '1' }, region,
      } });
    }
  }
  return log.sorted();
}

function run(envs: AnyEnvelope[], overrides: Record<string, unknown> = {}, seconds = SECONDS): Decision[] {
  const core = new DetectionCore(testSettings({ restart_max_downtime_secs: 60, ...overrides }));
  // Judged up to the data's end only: past it every device is silent (a telemetry gap, not the release).
  return [...envs.flatMap((e) => core.feed(e)), ...core.advance(START + seconds * 1000)];
}

const fails = (ds: Decision[]) => ds.filter((d) => d.verdict === 'fail' && d.release?.component === 'os');
const pages = (ds: Decision[]) => ds.filter((d) => d.severity === 'critical');
/**
 * Restarts of 1.5 to 6.5 s spread over the devices: most longer than the 2 intervals that make a device
 * silent, some shorter (the realistic benchmark's OS update: dark 10-30 minutes at k = 3 five-minute intervals).
 */
const restarting = (i: number) => 1.5 + ((i * 37) % 11) / 2;

describe('a restarting update inferred from its devices coming back on a new boot', () => {
  it('restarts read as silence when inference is off (restart_min_devices: 0): the healthy update fails', () => {
    assert.ok(fails(run(fleet(restarting), { restart_min_devices: 0 })).length > 0);
  });

  it('with inference, the same restarts fail nothing and page nobody', () => {
    const ds = run(fleet(restarting));
    assert.deepEqual(fails(ds).map((d) => d.summary), []);
    assert.deepEqual(pages(ds).map((d) => d.summary), [], 'no unattributed change either');
    // The catastrophe line says why dark devices do not count yet, and its evidence carries it.
    const told = ds.find((d) => d.layer === 'catastrophe' && d.release?.component === 'os' && d.evidence.downtimeSource === 'inferred');
    assert.ok(told, 'a catastrophe decision under the inferred downtime');
    assert.ok((told.evidence.restartedDevices as number) >= 3);
    assert.equal(told.evidence.downtimeSecs, 28, '60 s cut to the 30-interval silence memory less two windows');
    assert.match(told.summary, /restarting \(\d+ devices back on a new boot running it\): silences within 28 s not counted/);
  });

  it('devices that never come back fail the release exactly as without inference', () => {
    const dead = () => Infinity;
    const withIt = fails(run(fleet(dead)))[0];
    const without = fails(run(fleet(dead), { restart_min_devices: 0 }))[0];
    assert.ok(withIt && without);
    assert.equal(withIt.windowEnd, without.windowEnd);
  });

  it('a release that kills some devices and restarts the others still fails, at the latest once the dead outlast the inferred downtime', () => {
    // One device in four dies; the others restart, and the restarts are seen first.
    const mixed = (i: number) => (i % 4 === 3 ? Infinity : restarting(i));
    const seconds = 150;
    const fail = fails(run(fleet(mixed, { seconds }), {}, seconds))[0];
    const without = fails(run(fleet(mixed, { seconds }), { restart_min_devices: 0 }, seconds))[0];
    assert.ok(fail && without, 'the dead fail it with or without inference');
    const failMs = Date.parse(fail.windowEnd);
    assert.ok(failMs > Date.parse(without.windowEnd), 'later than without inference: the price of it');
    // The third death (device 11, at 5.5 s) outlasting 2 intervals and the downtime, plus two windows. The
    // downtime is 60 s cut to the silence memory (30 intervals) less two windows: a dead device must be
    // counted before it is forgotten.
    assert.ok(failMs - RELEASE_AT <= (5.5 + 2 + 28 + 2) * 1000, `failed ${(failMs - RELEASE_AT) / 1000} s after the start`);
  });
});

describe('ReleaseRestarts (the rule alone)', () => {
  const s = testSettings({ restart_max_downtime_secs: 600 });
  const W = 1000;
  const rollout: RingRollout = { release: { component: 'os', version: '2' }, ring: 'canary', startedAt: 5 * W, status: 'started' };
  const cell = (version: string, restarted: number, ringName = 'canary', expected = 40): CellRow => ({ ...emptyCounts(), ring: ringName, component: 'os', version, expected, restarted });
  const ring = (name: string, expected: number): RingRow => ({ ...emptyCounts(), ring: name, expected });
  /** A window: the canary's cells, and the control (400 broad devices on version 1, `othersRestarts` of them back on a new boot). */
  const look = (r: ReleaseRestarts, window: number, cells: CellRow[], othersRestarts: number) =>
    r.observe(window, W, [rollout], new Map([['canary\u0000os', cells], ['broad\u0000os', [cell('1', othersRestarts, 'broad', 400)]]]),
      new Map([['canary', ring('canary', 40)], ['broad', ring('broad', 400)]]))[0];

  it('infers the downtime once restart_min_devices restarted running it, well above the others\' rate', () => {
    const r = new ReleaseRestarts(s);
    assert.equal(look(r, 5, [cell('2', 2)], 0).downtimeMs, undefined, 'two are not enough (restart_min_devices 3)');
    const judged = look(r, 6, [cell('2', 1)], 0);
    assert.equal(judged.downtimeMs, 600_000);
    assert.equal(judged.restartedDevices, 3);
  });

  it('restarts before the start, or of devices on another version, or at the control\'s rate (a patch night), infer nothing', () => {
    const early = new ReleaseRestarts(s);
    assert.equal(look(early, 3, [cell('2', 5)], 0).downtimeMs, undefined, 'the window before the start');
    assert.equal(look(early, 5, [], 0).downtimeMs, undefined, 'not counted later either');
    const other = new ReleaseRestarts(s);
    assert.equal(look(other, 5, [cell('1', 5)], 0).downtimeMs, undefined, 'devices restarting on the old version');
    const patchNight = new ReleaseRestarts(s);
    assert.equal(look(patchNight, 5, [cell('2', 4)], 40).downtimeMs, undefined, '4 of 40 while 40 of 400 not running it restart');
  });

  it('a push to every ring: the devices not yet updated are the control', () => {
    const r = new ReleaseRestarts(s);
    const everywhere = (ringName: string): RingRollout => ({ ...rollout, ring: ringName });
    const judged = r.observe(5, W, [everywhere('canary'), everywhere('broad')],
      new Map([['canary\u0000os', [cell('2', 4), cell('1', 0, 'canary', 36)]], ['broad\u0000os', [cell('2', 30, 'broad', 100), cell('1', 1, 'broad', 300)]]]),
      new Map([['canary', ring('canary', 40)], ['broad', ring('broad', 400)]]));
    assert.deepEqual(judged.map((x) => x.restartedDevices), [4, 30], 'both rings restart well above the 1 of 336 not yet updated');
  });

  it('a declared downtime is kept as declared; restart_min_devices 0 turns inference off', () => {
    const declared = new ReleaseRestarts(s).observe(5, W, [{ ...rollout, downtimeMs: 1234 }], new Map([['canary\u0000os', [cell('2', 9)]]]), new Map([['canary', ring('canary', 40)]]))[0];
    assert.equal(declared.downtimeMs, 1234);
    assert.equal(declared.restartedDevices, undefined);
    const off = new ReleaseRestarts(testSettings({ restart_min_devices: 0 }));
    assert.equal(off.observe(5, W, [rollout], new Map([['canary\u0000os', [cell('2', 9)]]]), new Map([['canary', ring('canary', 40)]]))[0].downtimeMs, undefined);
  });
});
