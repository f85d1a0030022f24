// Two releases start in the canary ring at the same moment (deploy/scenarios/two-releases.yaml, at the
// core): a healthy agent update and a content file that kills every device loading it. Agents report
// `applying` right before applying, so each victim's last heartbeat names the channel file while its
// installed versions still show the old one. The canary is small and the file reaches every device, so
// the ring's not-yet-silent devices are ones that just announced the file and are about to die: they must
// not count as unaffected devices running it, and the devices' last act (loading the file, after having
// survived the agent) must single the file out. Only the file may fail.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import type { Decision } from '../../common/contract/decision.ts';
import { announceRatio, attribute, namingRatio, type Suspect } from '../../processors/core/attribution.ts';
import { DetectionCore } from '../../processors/core/detection-core.ts';
import { runPartitioned } from './support/partitioned.ts';
import { testSettings } from './support/settings.ts';

const START = Date.UTC(2026, 0, 5, 12, 0, 0);
const HB = 1000;
const iso = (ms: number) => new Date(ms).toISOString();
const OLD = { agent: '1.0', 'channel-291': '100' };
const AGENT = '2.0';
const CHANNEL = '101';
const RELEASE_AT = START + 8 * HB;

/**
 * Canary device i takes the agent at heartbeat `agentAt(i)` and the channel file at `channelAt(i)` after
 * the release start (heartbeat counts); each take is announced by a heartbeat with `applying` first. The
 * agent survives; the channel file kills the device right after its announcement.
 */
function twoReleases(schedule: { agentAt: (i: number) => number; channelAt: (i: number) => number }, seconds = 40): AnyEnvelope[] {
  const out: { env: AnyEnvelope; seq: number }[] = [];
  let seq = 0;
  const push = (env: AnyEnvelope) => out.push({ env, seq: seq++ });
  for (const [component, version] of [['agent', AGENT], ['channel-291', CHANNEL]]) {
    push({ v: 1, kind: 'deployment', receivedAt: iso(RELEASE_AT), eventAt: iso(RELEASE_AT), collectorId: 'col-release', event: {
      eventId: `dep-${component}-canary`, component, version, ring: 'canary', action: 'started', at: iso(RELEASE_AT),
    } });
  }
  const rings = [{ name: 'canary', devices: 10 }, { name: 'early', devices: 40 }, { name: 'broad', devices: 80 }];
  let index = 0;
  for (const ring of rings) {
    for (let i = 0; i < ring.devices; i++, index++) {
      const id = `dev-${ring.name}-${i}`;
      const region = index % 2 ? 'eu' : 'us';
      const phase = Math.floor((((index * 7919) % 997) / 997) * (HB - 2)) + 1;
      const canary = ring.name === 'canary';
      const firstAfter = Math.ceil((RELEASE_AT - START - phase) / HB);
      const agentAt = canary ? firstAfter + schedule.agentAt(i) : Infinity;
      const channelAt = canary ? firstAfter + schedule.channelAt(i) : Infinity;
      for (let n = 0, t = START + phase; t < START + seconds * 1000; n++, t += HB) {
        const components: Record<string, string> = { ...OLD };
        if (n > agentAt) components.agent = AGENT;
        const applying: Record<string, string> | undefined = n === agentAt ? { agent: AGENT } : n === channelAt ? { 'channel-291': CHANNEL } : undefined;
        push({ v: 1, kind: 'heartbeat', receivedAt: iso(t), eventAt: iso(t), collectorId: `col-${region}`, event: {
          eventId: `hb-${id}-${n}`, deviceId: id, sentAt: iso(t), ring: ring.name, bootId: `boot-${id}`,
          uptimeSec: 3600 + n, components, region, ...(applying ? { applying } : {}),
        } });
        if (n === channelAt) break; // loaded the channel file: boot loop, never heard again
      }
    }
  }
  out.sort((a, b) => Date.parse(a.env.receivedAt) - Date.parse(b.env.receivedAt) || a.seq - b.seq);
  return out.map((o) => o.env);
}

// Victims go dark one or two a heartbeat over ten heartbeats; half of them had taken the agent first.
const SCHEDULE = { agentAt: (i: number) => (i % 2 ? 0 : 20), channelAt: (i: number) => 1 + i };

function failures(decisions: Decision[]): Decision[] {
  return decisions.filter((d) => d.verdict === 'fail' && d.release);
}

describe('attribution between two releases started together, with applying heartbeats', () => {
  it('fails only the channel file; the agent, which the victims had survived, is not blamed', () => {
    const core = new DetectionCore(testSettings());
    const envs = twoReleases(SCHEDULE);
    const decisions = [...envs.flatMap((e) => core.feed(e)), ...core.advance(START + 60_000)];
    const fails = failures(decisions);
    const failed = new Set(fails.map((d) => d.release?.component));
    assert.deepEqual([...failed], ['channel-291'], fails.map((d) => d.summary).join('\n'));
    const first = fails.sort((a, b) => a.windowEnd.localeCompare(b.windowEnd))[0];
    assert.equal(first.evidence.attribution?.[0].component, 'channel-291');
    // A fired comparison on its ring never passes the agent: attribution picks whom to blame, no more.
    const agent = decisions.filter((d) => d.release?.component === 'agent' && d.ring === 'canary' && d.signal === 'silent' && d.layer !== 'baseline');
    assert.ok(agent.some((d) => d.verdict === 'inconclusive' && d.evidence.reason === 'attributed_elsewhere'
      && /attributed to channel-291@101/.test(d.summary)), 'the agent is inconclusive: the ring-wide excess is the channel file\'s');
    const firstFire = Date.parse(first.windowStart);
    assert.ok(agent.filter((d) => Date.parse(d.windowStart) >= firstFire).every((d) => d.verdict !== 'pass'), 'and never pass while the ring is failing');
  });

  it('gives the same decisions when the applying devices are split over partitions and merged by the judge', () => {
    const envs = twoReleases(SCHEDULE);
    const whole = new DetectionCore(testSettings());
    const essence = (ds: Decision[]) => ds.map((d) => `${d.id} ${d.verdict} ${d.summary}`).sort();
    const one = essence(envs.flatMap((e) => whole.feed(e)));
    assert.deepEqual(essence(runPartitioned(envs, testSettings(), 3)), one);
  });
});

describe('naming and last-act factors', () => {
  it('are exactly neutral when nobody names or announces a release (the CrowdStrike case without applying)', () => {
    assert.equal(namingRatio({ named: 0, affected: 8, namedOthers: 0, others: 2, announced: 0 }), 1);
    assert.equal(announceRatio(0, 0, 2), 1);
  });

  it('ranks the release the dying devices were loading above one they had installed and survived', () => {
    const at = START;
    const suspect = (component: string, naming: Suspect['naming']): Suspect => ({
      release: { component, version: 'v' }, startedAt: at, fired: true, direct: false, naming, reached: ['canary'],
    });
    // Seed 2 of two-releases.yaml: 8 of 10 canary devices silent, the other 2 just announced the channel file.
    const a = attribute([
      suspect('agent', { named: 4, affected: 8, namedOthers: 1, others: 2, announced: 0 }),
      suspect('channel-291', { named: 8, affected: 8, namedOthers: 0, others: 0, announced: 8 }),
    ], { onsetMs: at + 6000, anomalous: new Set(['canary']), rings: ['broad', 'canary', 'early'], slackMs: 2000, timeScaleMs: 600_000, minShare: 0.5 });
    assert.deepEqual([...a.blamed], ['channel-291@v']);
  });
});
