// When agents announce what they apply (`applying`), exposure is known per device at the moment it
// happens. A rollout that reaches a 30-device ring slowly then has its victims among the few devices
// reached so far: the ring's cohort (every device heard since the start) needs 20 % of the ring silent,
// the announced devices only need their own deaths. Devices still applying (announced, not yet silent for
// k intervals) are not counted either way: their fate is not known yet. A healthy release announced the
// same way must never fail on it.
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
const CANARY = 30;

/** Canary device i announces the channel file at heartbeat 1 + 2 i after the start; `kills`: it dies right after. */
function fleet(kills: boolean, seconds = 80): AnyEnvelope[] {
  const log = new EnvelopeLog();
  log.started('channel-291', '101', 'canary', RELEASE_AT);
  for (const { id, ring, i, region, phase } of ringDevices(threeRings(CANARY), HB)) {
    const firstAfter = Math.ceil((RELEASE_AT - START - phase) / HB);
    const takesAt = ring === 'canary' ? firstAfter + 1 + 2 * i : Infinity;
    for (let n = 0, t = START + phase; t < START + seconds * 1000; n++, t += HB) {
      const channel = n > takesAt ? '101' : '100';
      log.push({ v: 1, kind: 'heartbeat', receivedAt: iso(t), eventAt: iso(t), collectorId: `col-${region}`, event: {
        eventId: `hb-${id}-${n}`, deviceId: id, sentAt: iso(t), ring, bootId: `boot-${id}`, uptimeSec: 3600 + n,
        components: { agent: '1.0', 'channel-291': channel }, region, ...(n === takesAt ? { applying: { 'channel-291': '101' } } : {}),
      } });
      if (kills && n === takesAt) break; // loaded the file: boot loop, never heard again
    }
  }
  return log.sorted();
}

function run(kills: boolean): Decision[] {
  const core = new DetectionCore(testSettings());
  return [...fleet(kills).flatMap((e) => core.feed(e)), ...core.advance(START + 120_000)];
}

const silentCatastrophes = (ds: Decision[]) =>
  ds.filter((d) => d.release?.component === 'channel-291' && d.ring === 'canary' && d.signal === 'silent' && d.layer === 'catastrophe');

describe('the announced cohort: exposure known per device from `applying`', () => {
  it('fails a release whose first announcers die, before 20 % of the ring is silent', () => {
    const ds = silentCatastrophes(run(true));
    const first = ds.filter((d) => d.verdict === 'fail').sort((a, b) => a.windowEnd.localeCompare(b.windowEnd))[0];
    assert.ok(first, 'the channel file fails');
    assert.equal(first.evidence.comparison, 'announced', first.summary);
    const updated = first.evidence.updated as { exposed: number; affected: number };
    assert.ok(updated.affected < 0.2 * CANARY, `failed on ${updated.affected} silent devices, fewer than the ring cohort's guard needs`);
    // Every counted device's fate is known: the dead, none still applying (the file reaches them all).
    assert.equal(updated.exposed, updated.affected, `announced devices counted: ${updated.exposed}`);
    // Until the ring itself has 20 % silent, the ring cohort alone would not have failed it.
    const cohortFailsAt = ds.find((d) => d.verdict === 'fail' && d.evidence.comparison === 'cohort');
    assert.ok(!cohortFailsAt || cohortFailsAt.windowEnd >= first.windowEnd);
  });

  it('never fails a healthy release announced the same way', () => {
    const ds = silentCatastrophes(run(false));
    assert.ok(ds.length > 0);
    assert.equal(ds.filter((d) => d.verdict === 'fail').length, 0, ds.filter((d) => d.verdict === 'fail').map((d) => d.summary).join('\n'));
  });
});
