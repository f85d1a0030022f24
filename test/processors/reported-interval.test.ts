// An update that makes the agent report less often: its devices are quiet longer than k intervals between
// two heartbeats. Without a word from the agent that reads as silence and the healthy update is failed;
// when its heartbeats state the new interval (intervalSecs), each device is expected at it from then on and
// nothing fails. What is honoured is bounded (reported_interval_max_secs), and a device that reports a long
// interval and then dies is still counted once it misses k of them, and stays counted as long as a device on
// the fleet's interval would (the silence memory is a time, not a number of its own intervals).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import type { Decision } from '../../common/contract/decision.ts';
import { DetectionCore } from '../../processors/core/detection-core.ts';
import { SourceCore } from '../../processors/core/source-core.ts';
import { testSettings } from './support/settings.ts';
import { EnvelopeLog, iso, ringDevices, threeRings } from './support/ring-fleet.ts';

const START = Date.UTC(2026, 0, 5, 12, 0, 0);
const HB = 1000;
const RELEASE_AT = START + 8 * HB;
const SECONDS = 80;
const SLOWER = 4; // the new interval, in fleet intervals (k = 2 in the test settings)

/**
 * A canary of 40 devices takes agent 2 one every half second from the start and heartbeats every SLOWER
 * seconds from then on (with `report`: stating it in every heartbeat); device i dies at `diesAt(i)` seconds
 * after taking it (Infinity: never). The early and broad rings stay on agent 1 at one heartbeat a second.
 */
function fleet(o: { report: boolean; diesAt?: (i: number) => number }): AnyEnvelope[] {
  const log = new EnvelopeLog();
  log.started('agent', '2', 'canary', RELEASE_AT);
  for (const { id, ring, i, region, phase } of ringDevices(threeRings(40), HB)) {
    const takesAt = ring === 'canary' ? RELEASE_AT + i * 500 : Infinity;
    const diesAt = takesAt + (o.diesAt?.(i) ?? Infinity) * 1000;
    for (let n = 0, t = START + phase; t < START + SECONDS * 1000 && t < diesAt; n++) {
      const after = t > takesAt;
      log.push({ v: 1, kind: 'heartbeat', receivedAt: iso(t), eventAt: iso(t), collectorId: `col-${region}`, event: {
        eventId: `hb-${id}-${n}`, deviceId: id, sentAt: iso(t), ring, bootId: `boot-${id}`, uptimeSec: 3600 + n,
        ...(o.report ? { intervalSecs: after ? SLOWER : 1 } : {}),
        components: { agent: after ? '2' : '1' }, region,
      } });
      t += after ? SLOWER * HB : HB;
    }
  }
  return log.sorted();
}

function run(envs: AnyEnvelope[], overrides: Record<string, unknown> = {}): Decision[] {
  const core = new DetectionCore(testSettings(overrides));
  // Judged up to the data's end only: past it every device is silent (a telemetry gap, not the release).
  return [...envs.flatMap((e) => core.feed(e)), ...core.advance(START + SECONDS * 1000)];
}

const fails = (ds: Decision[]) => ds.filter((d) => d.verdict === 'fail' && d.release?.component === 'agent');
const pages = (ds: Decision[]) => ds.filter((d) => d.severity === 'critical');

describe('an update that makes the agent report less often', () => {
  it('without intervalSecs its devices read as silent between heartbeats: the healthy update fails', () => {
    assert.ok(fails(run(fleet({ report: false }))).length > 0);
  });

  it('with intervalSecs in its heartbeats, nothing fails and nobody is paged', () => {
    const ds = run(fleet({ report: true }));
    assert.deepEqual(fails(ds).map((d) => d.summary), []);
    assert.deepEqual(pages(ds).map((d) => d.summary), []);
  });

  it('what is honoured is bounded by reported_interval_max_secs: a cap below the new interval fails it again', () => {
    assert.ok(fails(run(fleet({ report: true }), { reported_interval_max_secs: 1 })).length > 0);
  });

  it('devices that report the longer interval and then die are failed: silent once they miss k of them', () => {
    const ds = run(fleet({ report: true, diesAt: () => 6 }));
    const first = fails(ds)[0];
    assert.ok(first, 'failed');
    // Dead 6 s after taking it (one heartbeat at the new interval, at +4 s), silent k = 2 intervals of 4 s
    // after that heartbeat: the last device takes it at +19.5 s, so every one is silent by about +32 s.
    assert.ok(Date.parse(first.decidedAt) <= RELEASE_AT + 40_000, first.decidedAt);
  });

  it('a device on the longer interval that dies stays counted silent as long as any other: the memory is time', () => {
    // One canary device on a 4-s interval dies at +20 s; early devices (1 s) keep the clock going to +90 s.
    const log = new EnvelopeLog();
    const dies = START + 20_000;
    for (const { id, ring, region, phase } of ringDevices([{ name: 'canary', devices: 1 }, { name: 'early', devices: 20 }], HB)) {
      const every = ring === 'canary' ? SLOWER * HB : HB;
      for (let n = 0, t = START + phase; t < START + 90_000 && (ring !== 'canary' || t < dies); n++, t += every) {
        log.push({ v: 1, kind: 'heartbeat', receivedAt: iso(t), eventAt: iso(t), collectorId: `col-${region}`, event: {
          eventId: `hb-${id}-${n}`, deviceId: id, sentAt: iso(t), ring, bootId: `boot-${id}`, uptimeSec: 3600 + n,
          intervalSecs: every / 1000, components: { agent: '1' }, region,
        } });
      }
    }
    const s = testSettings({ silence_memory_intervals: 30 });
    const source = new SourceCore('p0', s);
    const partials = log.sorted().flatMap((e) => { source.feed(e); return source.drain(); });
    const envs = log.sorted().filter((e) => e.kind === 'heartbeat' && e.event.ring === 'canary');
    const last = Date.parse(envs[envs.length - 1].receivedAt);
    const silentAfter = (secs: number) => {
      const p = partials.find((x) => x.window * x.windowMs >= last + secs * 1000);
      assert.ok(p, `a window ${secs} s after its last heartbeat`);
      return p.rings.find((r) => r.ring === 'canary')?.silent ?? 0; // no row: no device counted there
    };
    assert.equal(silentAfter(20), 1, 'silent once it missed k of its 4-s intervals');
    // k of its own intervals (8 s) + 30 fleet intervals (30 s): forgotten by +40 s, not after (2 + 30) x 4 s.
    assert.equal(silentAfter(45), 0, 'forgotten when a 1-s device silent as long would be');
  });
});
