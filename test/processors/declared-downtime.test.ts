// An update that restarts its devices (an OS patch) leaves them dark for a while after they take it. Read
// as silence, a healthy restart looks like a boot loop and the release is failed. A rollout that declares
// the downtime on its start (`expectedDowntimeSecs`) has its devices' silences counted only once they
// outlast it: the restarting release passes without a fail or a page, a release whose devices never come
// back still fails (later by the declared downtime), and nothing changes for releases declaring none.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import type { Decision } from '../../common/contract/decision.ts';
import { DetectionCore } from '../../processors/core/detection-core.ts';
import { RolloutFeed } from '../../processors/core/rollout.ts';
import { testSettings } from './support/settings.ts';
import { EnvelopeLog, iso, ringDevices, threeRings } from './support/ring-fleet.ts';

const START = Date.UTC(2026, 0, 5, 12, 0, 0);
const HB = 1000;
const RELEASE_AT = START + 8 * HB;

/**
 * A canary of 30 devices takes the OS update from its first heartbeat after the start on; each restarts
 * for `downSecs` (Infinity: never back, a boot loop), then reports the new version under a new boot id.
 */
function fleet(downSecs: number, declaredSecs: number | undefined, seconds = 90): AnyEnvelope[] {
  const log = new EnvelopeLog();
  log.started('os', '2', 'canary', RELEASE_AT, declaredSecs === undefined ? {} : { expectedDowntimeSecs: declaredSecs });
  for (const { id, ring, region, phase } of ringDevices(threeRings(30), HB)) {
    const takesAt = ring === 'canary' ? START + phase + Math.ceil((RELEASE_AT - START - phase) / HB) * HB : Infinity;
    let boot = 0;
    for (let n = 0, t = START + phase; t < START + seconds * 1000; n++, t += HB) {
      const updated = t > takesAt;
      if (updated && t < takesAt + downSecs * 1000) continue; // restarting: dark
      if (updated && boot === 0) boot = 1;
      log.push({ v: 1, kind: 'heartbeat', receivedAt: iso(t), eventAt: iso(t), collectorId: `col-${region}`, event: {
        eventId: `hb-${id}-${n}`, deviceId: id, sentAt: iso(t), ring, bootId: `boot-${id}-${boot}`,
        uptimeSec: boot ? Math.round((t - takesAt) / 1000) - downSecs : 3600 + n, components: { agent: '1.0', os: updated ? '2' : '1' }, region,
      } });
    }
  }
  return log.sorted();
}

function run(downSecs: number, declaredSecs?: number): Decision[] {
  const core = new DetectionCore(testSettings());
  // Judged up to the data's end only: past it every device is silent (a telemetry gap, not the release).
  return [...fleet(downSecs, declaredSecs).flatMap((e) => core.feed(e)), ...core.advance(START + 90_000)];
}

const fails = (ds: Decision[]) => ds.filter((d) => d.verdict === 'fail' && d.release?.component === 'os');
const pages = (ds: Decision[]) => ds.filter((d) => d.severity === 'critical');

describe('a declared downtime (expectedDowntimeSecs on the rollout start)', () => {
  it('the rollout feed carries it to the rollout', () => {
    const feed = new RolloutFeed();
    const dep = fleet(0, 45).find((e) => e.kind === 'deployment')!;
    feed.add(dep as AnyEnvelope & { kind: 'deployment' });
    assert.equal(feed.startedAsOf(RELEASE_AT + 1)[0].downtimeMs, 45_000);
  });

  it('without it, devices restarting for 12 s read as silent and the healthy update fails', () => {
    assert.ok(fails(run(12)).length > 0, 'the restart is taken for a catastrophe (why the declaration exists)');
  });

  it('with it, the same restarts fail nothing and page nobody', () => {
    const ds = run(12, 20);
    assert.deepEqual(fails(ds).map((d) => d.summary), []);
    assert.deepEqual(pages(ds).map((d) => d.summary), [], 'no unattributed change either');
  });

  it('devices that never come back still fail the release, once their silence outlasts the declared downtime', () => {
    const undeclared = fails(run(Infinity))[0];
    const declared = fails(run(Infinity, 20))[0];
    assert.ok(undeclared && declared, 'a boot loop fails with or without a declaration');
    const lateBy = Date.parse(declared.windowEnd) - Date.parse(undeclared.windowEnd);
    assert.ok(lateBy >= 18_000 && lateBy <= 24_000, `failed ${lateBy} ms later than without the declaration`);
  });
});
