// Verdict rules on a small realistic fleet, in virtual time: 5-minute heartbeats, office hours in three
// time zones, servers always on, a first ring drawn from one office (support/office-fleet.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Decision } from '../../common/contract/decision.ts';
import { DetectionCore } from '../../processors/core/detection-core.ts';
import { SourceCore } from '../../processors/core/source-core.ts';
import { buildOffice, HB_MS, HOUR_MS, type OfficeSpec } from './support/office-fleet.ts';
import { testSettings } from './support/settings.ts';

const REALISTIC = {
  heartbeat_interval_secs: 300, window_secs: 300, silence_intervals: 3, silence_memory_intervals: 12, allowed_lateness_ms: 2000,
  attribution_time_scale_secs: 600, crash_max_delay_secs: 3600, crash_episode_secs: 86400, baseline_min_windows: 60,
};
const s = testSettings(REALISTIC);
const MONDAY = Date.UTC(2024, 6, 15, 0, 0, 0);
const TUESDAY_14 = MONDAY + 38 * HOUR_MS; // 10:00 in the canary's office (UTC-4)
const REGIONS = [{ name: 'us-east', utcOffsetHours: -4 }, { name: 'eu-west', utcOffsetHours: 1 }, { name: 'ap-south', utcOffsetHours: 5.5 }];
const RINGS = [{ name: 'canary', devices: 40, region: 'us-east' }, { name: 'early', devices: 120 }, { name: 'broad', devices: 300 }];

function spec(o: Partial<OfficeSpec>): OfficeSpec {
  return { startMs: MONDAY, endMs: MONDAY + 60 * HOUR_MS, rings: RINGS, regions: REGIONS, serverShare: 0.1, releases: [], ...o };
}

function run(o: Partial<OfficeSpec>): Decision[] {
  const core = new DetectionCore(s);
  const out: Decision[] = [];
  for (const e of buildOffice(spec(o))) out.push(...core.feed(e));
  return out;
}

const of = (ds: Decision[], component: string, ring: string) => ds.filter((d) => d.release?.component === component && d.ring === ring);
/** Windows (by start) in which every gate decision of the release on the ring is pass. */
function passWindows(ds: Decision[], component: string, ring: string): number[] {
  const gates = of(ds, component, ring).filter((d) => d.layer === 'gate');
  const byWindow = Map.groupBy(gates, (d) => Date.parse(d.windowStart));
  return [...byWindow].filter(([, g]) => g.length === 3 && g.every((d) => d.verdict === 'pass')).map(([w]) => w).sort((a, b) => a - b);
}

describe('a healthy release on an office canary, at 5-minute heartbeats', () => {
  const decisions = run({ releases: [{ component: 'agent', version: '2.0', rings: ['canary'], at: TUESDAY_14 }] });

  it('earns pass, never before the soak, within 2 hours, and states its bound', () => {
    const passes = passWindows(decisions, 'agent', 'canary');
    assert.ok(passes.length > 0, 'a pass is earned');
    const firstEnd = passes[0] + s.windowMs;
    assert.ok(firstEnd - TUESDAY_14 >= s.soakMs, 'never before the soak');
    assert.ok(firstEnd - TUESDAY_14 <= 2 * HOUR_MS, `within 2 h (took ${(firstEnd - TUESDAY_14) / 60000} min)`);
    const d = of(decisions, 'agent', 'canary').find((x) => x.layer === 'gate' && Date.parse(x.windowStart) === passes[0])!;
    assert.match(d.summary, /pass earned: at most 1 in \d+ watched exposed devices affected/);
    assert.equal(d.evidence.design, 'cohort');
    assert.ok((d.evidence.bound?.watchedDevices ?? 0) >= s.passMinExposed);
  });

  it('before that it is inconclusive with a reason, and it is never failed, through the office\'s night', () => {
    const before = of(decisions, 'agent', 'canary').filter((d) => d.layer === 'gate' && Date.parse(d.windowEnd) <= TUESDAY_14 + s.soakMs);
    assert.ok(before.length > 0 && before.every((d) => d.verdict === 'inconclusive' && d.evidence.reason === 'soaking'));
    assert.deepEqual(decisions.filter((d) => d.verdict === 'fail').map((d) => d.summary), []);
  });

  it('workstations going home in each time zone are no pipeline gap and no unattributed change', () => {
    const gaps = decisions.filter((d) => (d.kind === 'pipeline_gap' || d.kind === 'unattributed_change') && d.verdict !== 'pass');
    assert.deepEqual(gaps.map((d) => `${d.windowStart} ${d.summary}`), []);
  });
});

describe('a catastrophic release on the office canary', () => {
  const decisions = run({ releases: [{ component: 'content', version: '101', rings: ['canary'], at: TUESDAY_14, kills: 0.8 }] });

  it('fails within one interval (the last heartbeat), k intervals, one window and the lateness', () => {
    const fail = of(decisions, 'content', 'canary').filter((d) => d.verdict === 'fail').sort((a, b) => a.windowEnd.localeCompare(b.windowEnd))[0];
    assert.ok(fail, 'failed');
    const limit = HB_MS + s.silenceIntervals * HB_MS + s.windowMs + s.latenessMs;
    assert.ok(Date.parse(fail.windowEnd) - TUESDAY_14 <= limit, `${(Date.parse(fail.windowEnd) - TUESDAY_14) / 60000} min`);
    assert.equal(fail.evidence.design, 'cohort');
    assert.ok(!decisions.some((d) => d.verdict === 'pass' && d.layer === 'gate' && d.release?.component === 'content'), 'never passes');
  });
});

describe('no control left: every ring exposed at once, judged against its own past', () => {
  it('a push that kills 40 % of the devices fails on every ring, self-controlled', () => {
    const decisions = run({ releases: [{ component: 'content', version: '101', rings: ['canary', 'early', 'broad'], at: TUESDAY_14, kills: 0.4 }] });
    for (const ring of ['canary', 'early', 'broad']) {
      const fail = of(decisions, 'content', ring).find((d) => d.verdict === 'fail');
      assert.ok(fail, `${ring} fails`);
      assert.equal(fail.evidence.design, 'self_controlled');
      assert.ok(Date.parse(fail.windowEnd) - TUESDAY_14 <= 30 * 60_000, `${ring}: ${(Date.parse(fail.windowEnd) - TUESDAY_14) / 60000} min`);
    }
    assert.ok(!decisions.some((d) => d.kind === 'pipeline_gap' && d.verdict !== 'pass'), 'a release killing devices is not a pipeline gap');
  });

  it('a healthy push is never failed and earns pass against its own past', () => {
    const decisions = run({ releases: [{ component: 'agent', version: '2.0', rings: ['canary', 'early', 'broad'], at: TUESDAY_14 }] });
    assert.deepEqual(decisions.filter((d) => d.verdict === 'fail').map((d) => d.summary), []);
    const passes = passWindows(decisions, 'agent', 'broad');
    assert.ok(passes.length > 0, 'pass earned on broad');
    const d = of(decisions, 'agent', 'broad').find((x) => x.layer === 'gate' && Date.parse(x.windowStart) === passes[0])!;
    assert.equal(d.evidence.design, 'self_controlled');
  });
});

describe('unattributed change and pipeline gaps', () => {
  it('canary devices going silent together with no rollout that fits: its own page, releases there inconclusive', () => {
    const decisions = run({
      releases: [{ component: 'agent', version: '2.0', rings: ['canary'], at: TUESDAY_14 - 4 * HOUR_MS }],
      unrecorded: [{ ring: 'canary', share: 0.6, at: TUESDAY_14 }],
    });
    const change = decisions.find((d) => d.kind === 'unattributed_change' && d.verdict === 'inconclusive');
    assert.ok(change, 'an unattributed change is raised');
    assert.equal(change.ring, 'canary');
    assert.match(change.summary, /Unattributed change in ring canary/);
    assert.match(change.summary, /releases active there \(agent@2\.0\) do not explain its onset/, 'the page names what was ruled out');
    assert.deepEqual(decisions.filter((d) => d.verdict === 'fail').map((d) => d.summary), [], 'no release is blamed');
    const after = of(decisions, 'agent', 'canary').filter((d) => d.signal === 'silent' && d.layer === 'gate' && d.windowStart >= change.windowStart);
    assert.ok(after.slice(0, 6).every((d) => d.verdict === 'inconclusive' && d.evidence.reason === 'unattributed_change'), after.map((d) => d.summary).join('\n'));
  });

  it('a region\'s collector going down in the day is a pipeline gap; no release fails', () => {
    const decisions = run({
      releases: [{ component: 'agent', version: '2.0', rings: ['canary'], at: TUESDAY_14 - 2 * HOUR_MS }],
      outages: [{ region: 'eu-west', from: TUESDAY_14 - 4 * HOUR_MS, to: TUESDAY_14 - 3 * HOUR_MS }],
    });
    const gaps = decisions.filter((d) => d.kind === 'pipeline_gap' && d.verdict === 'inconclusive');
    assert.ok(gaps.length > 0 && gaps.every((d) => d.scope?.region === 'eu-west' || d.scope?.collectorId === 'col-eu-west'), gaps.map((d) => d.summary).join('\n'));
    assert.deepEqual(decisions.filter((d) => d.verdict === 'fail').map((d) => d.summary), []);
  });
});

describe('boot loops by boot-id churn', () => {
  it('a device rebooting every few minutes is looping whatever the uptime in its first heartbeat', () => {
    const src = new SourceCore('all', s);
    const t0 = MONDAY;
    for (let i = 0; i < 8; i++) {
      const t = t0 + i * 6 * 60_000;
      src.feed({ v: 1, kind: 'heartbeat', receivedAt: new Date(t).toISOString(), collectorId: 'c', event: {
        eventId: `e${i}`, deviceId: 'd1', sentAt: new Date(t).toISOString(), ring: 'canary', bootId: `b${i}`, uptimeSec: 290, components: { agent: '1' },
      } });
    }
    src.advance(t0 + 50 * 60_000, t0 + 50 * 60_000);
    const looping = src.drain().some((p) => p.rings.some((r) => r.bootLoops > 0));
    assert.ok(looping, 'counted as a boot loop');
  });
});

describe('always-on devices are compared with their like (strata_always_on_hours)', () => {
  // The first ring is the IT office's workstations (no servers); its region's other devices are half
  // servers (a data centre), and heartbeats carry no device-class label. The release starts on the fleet's
  // first day, so no device has a presence profile for the evening yet: every workstation going home
  // counts as silent, in the canary and in the control alike, but the control's servers stay on.
  const rings = [{ name: 'canary', devices: 60, region: 'us-east', serverShare: 0 }, { name: 'early', devices: 200, region: 'us-east', serverShare: 0.5 }, { name: 'broad', devices: 300 }];
  const MONDAY_1409 = MONDAY + 14 * HOUR_MS + 9 * 60_000; // 10:09 in the office
  const firstEvening = (o: Partial<OfficeSpec>, settings = s) => {
    const core = new DetectionCore(settings);
    const out: Decision[] = [];
    for (const e of buildOffice(spec({ rings, endMs: MONDAY + 30 * HOUR_MS, ...o }))) out.push(...core.feed(e));
    return out;
  };
  const opened = (ds: Decision[]) => ds.filter((d) => d.kind === 'unattributed_change' && d.verdict === 'inconclusive').map((d) => `${d.windowStart} ${d.summary}`);

  it('an office ring going home on its first evening is no unattributed change, and its release is never failed', () => {
    const decisions = firstEvening({ releases: [{ component: 'agent', version: '2.0', rings: ['canary'], at: MONDAY_1409 }] });
    assert.deepEqual(opened(decisions), []);
    assert.deepEqual(decisions.filter((d) => d.verdict === 'fail').map((d) => d.summary), []);
    const cat = of(decisions, 'agent', 'canary').filter((d) => d.signal === 'silent' && d.layer === 'catastrophe');
    assert.ok(cat.length > 0 && cat.every((d) => d.verdict !== 'fail'));
  });

  it('compared with the whole region instead (the setting off), the same evening reads as a change in the ring', () => {
    const decisions = firstEvening({ releases: [{ component: 'agent', version: '2.0', rings: ['canary'], at: MONDAY_1409 }] }, testSettings({ ...REALISTIC, strata_always_on_hours: 0 }));
    assert.ok(opened(decisions).length > 0, 'the confounded comparison fires');
  });

  it('an unrecorded change that afternoon still pages, and the release rolling there is not blamed for it', () => {
    const decisions = firstEvening({
      releases: [{ component: 'agent', version: '2.0', rings: ['canary'], at: MONDAY_1409 }],
      unrecorded: [{ ring: 'canary', share: 0.6, at: MONDAY_1409 + 5 * HOUR_MS }],
    });
    const change = decisions.find((d) => d.kind === 'unattributed_change' && d.verdict === 'inconclusive');
    assert.ok(change, 'an unattributed change is raised');
    assert.equal(change.ring, 'canary');
    assert.deepEqual(decisions.filter((d) => d.verdict === 'fail').map((d) => d.summary), []);
  });
});
