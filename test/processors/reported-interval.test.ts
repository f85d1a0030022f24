// An update that makes the agent report less often: its devices are quiet longer than k intervals between
// two heartbeats. Without a word from the agent that reads as silence and the healthy update is failed;
// when its heartbeats state the new interval (intervalSecs), each device is expected at it from then on and
// nothing fails. What is honoured is bounded (reported_interval_max_secs), and a device that reports a long
// interval and then dies is still counted once it misses k of them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import type { Decision } from '../../common/contract/decision.ts';
import { DetectionCore } from '../../processors/core/detection-core.ts';
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
});
