// Concurrent releases in one ring (the several-releases benchmark families, at the core): a healthy agent
// starts, ten minutes later a content file that kills every device loading it, ten minutes after that a
// healthy OS patch. Every comparison of the ring fires for all three (their cohorts are the same devices),
// so attribution decides: the onsets follow the content file's rollout -- they began before the patch
// could reach anyone, and nothing died in the agent's first ten minutes -- so only the file fails; the
// agent and the patch stay inconclusive (never pass, never fail), also after the file's rollout has ended.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyEnvelope } from '../../common/contract/envelope.ts';
import type { Decision } from '../../common/contract/decision.ts';
import { attribute, onsetLogLikelihood, type Onsets, type Suspect } from '../../processors/core/attribution.ts';
import { DetectionCore } from '../../processors/core/detection-core.ts';
import { testSettings } from './support/settings.ts';

const MIN = 60_000;

describe('onset fit against each release\'s rollout', () => {
  // 10-minute windows, 5-minute heartbeats, 30-minute rollouts. Window 0 starts at 14:00.
  const onsets = (byWindow: [number, number][]): Onsets => ({
    byWindow: new Map(byWindow), fromWindow: -1, toWindow: 4, observedUntilMs: 50 * MIN, windowMs: 10 * MIN, backgroundPerWindow: 0.2,
    leadMs: 7.5 * MIN, spreadMs: 30 * MIN,
  });
  // Last heartbeats of the victims of a file started at 14:09 and reaching devices until 14:39.
  const wave = onsets([[0, 2], [1, 5], [2, 5], [3, 4]]);
  const agentAt = -1 * MIN;
  const fileAt = 9 * MIN;
  const patchAt = 19 * MIN;

  it('fits the release whose rollout the deaths follow best', () => {
    const ll = (at: number) => onsetLogLikelihood(at, wave).logLik;
    assert.ok(ll(fileAt) > ll(agentAt) + 1, `file ${ll(fileAt)} vs agent ${ll(agentAt)}: nothing died in the agent's first ten minutes`);
    assert.ok(ll(fileAt) > ll(patchAt) + 1, `file ${ll(fileAt)} vs patch ${ll(patchAt)}: devices died before the patch reached any`);
  });

  it('blames the release started 10 minutes after the first when the devices die after it; the first is not blamed', () => {
    const suspect = (component: string, startedAt: number): Suspect => ({
      release: { component, version: 'new' }, startedAt, fired: true, direct: false, reached: ['canary'],
      naming: { named: 0, affected: 16, namedOthers: 0, others: 9 },
    });
    // The ring's half-peak onset is the file's first window: the time factor alone favours the patch.
    const a = attribute([suspect('agent', agentAt), suspect('channel-291', fileAt), suspect('os', patchAt)], {
      onsetMs: 20 * MIN, onsets: wave, anomalous: new Set(['canary']), rings: ['broad', 'canary', 'early'],
      slackMs: 15 * MIN, timeScaleMs: 10 * MIN, minShare: 0.75,
    });
    assert.deepEqual([...a.blamed], ['channel-291@new'], JSON.stringify(a.ranking, null, 1));
    assert.equal(a.best, 'channel-291@new');
    assert.equal(a.ranking[0].component, 'channel-291');
    assert.ok(a.ranking.every((r) => r.blamed === (r.component === 'channel-291')), 'the ranking says who is blamed');
    assert.match(a.ranking[0].why, /onsets fit its rollout/);
  });
});

const START = Date.UTC(2026, 0, 5, 12, 0, 0);
const HB = 1000;
const iso = (ms: number) => new Date(ms).toISOString();
// Scaled: 1-second heartbeats, 2-second windows, releases 10 s apart, each reaching the ring over 10 s.
const AGENT_AT = START + 20_000;
const FILE_AT = AGENT_AT + 10_000;
const PATCH_AT = FILE_AT + 10_000;
const SPREAD = 10_000;
const SETTINGS = { window_secs: 2, silence_intervals: 3, attribution_time_scale_secs: 10, attribution_rollout_spread_secs: 10, judge_after_complete_secs: 5 };

function deployment(component: string, version: string, action: string, at: number): AnyEnvelope {
  return { v: 1, kind: 'deployment', receivedAt: iso(at), eventAt: iso(at), collectorId: 'col-release', event: {
    eventId: `dep-${component}-${action}`, component, version, ring: 'canary', action, at: iso(at),
  } } as AnyEnvelope;
}

/** Canary devices take the agent and the patch (and survive) and the file (and die), each over SPREAD. */
function concurrent(seconds: number, fileRolledBackAt?: number): AnyEnvelope[] {
  const out: AnyEnvelope[] = [
    deployment('agent', '2.0', 'started', AGENT_AT), deployment('channel-291', '101', 'started', FILE_AT), deployment('os', '11', 'started', PATCH_AT),
  ];
  if (fileRolledBackAt) out.push(deployment('channel-291', '101', 'rolled_back', fileRolledBackAt));
  const rings = [{ name: 'canary', devices: 25 }, { name: 'early', devices: 60 }, { name: 'broad', devices: 120 }];
  let index = 0;
  for (const ring of rings) {
    for (let i = 0; i < ring.devices; i++, index++) {
      const id = `dev-${ring.name}-${i}`;
      const region = index % 2 ? 'eu' : 'us';
      const phase = ((index * 7919) % 997) / 997 * (HB - 2) + 1;
      const canary = ring.name === 'canary';
      const offset = ((i * 37) % 25) / 25 * SPREAD;
      const dies = canary ? FILE_AT + offset : Infinity;
      for (let n = 0, t = START + phase; t < START + seconds * 1000 && t < dies; n++, t += HB) {
        const components = {
          agent: canary && t >= AGENT_AT + offset ? '2.0' : '1.0', 'channel-291': '100', os: canary && t >= PATCH_AT + offset ? '11' : '10',
        };
        out.push({ v: 1, kind: 'heartbeat', receivedAt: iso(t), eventAt: iso(t), collectorId: `col-${region}`, event: {
          eventId: `hb-${id}-${n}`, deviceId: id, sentAt: iso(t), ring: ring.name, bootId: `boot-${id}`, uptimeSec: 3600 + n, components, region,
        } } as AnyEnvelope);
      }
    }
  }
  return out.sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt));
}

function run(envs: AnyEnvelope[], untilMs: number): Decision[] {
  const core = new DetectionCore(testSettings(SETTINGS));
  return [...envs.flatMap((e) => core.feed(e)), ...core.advance(untilMs)];
}

const canaryVerdicts = (ds: Decision[], component: string) =>
  ds.filter((d) => d.kind === 'release_verdict' && d.release?.component === component && d.ring === 'canary' && d.layer !== 'baseline');

describe('three releases 10 minutes apart in one ring (scaled), the middle one kills what loads it', () => {
  it('fails only the file; the agent and the patch stay inconclusive from the first fire on, never pass', () => {
    const decisions = run(concurrent(90), START + 100_000);
    const fails = decisions.filter((d) => d.verdict === 'fail' && d.release);
    assert.ok(fails.length > 0, 'the file fails');
    assert.deepEqual([...new Set(fails.map((d) => d.release?.component))], ['channel-291'], fails.map((d) => d.summary).join('\n'));
    const firstFire = Math.min(...fails.map((d) => Date.parse(d.windowStart)));
    for (const healthy of ['agent', 'os']) {
      const after = canaryVerdicts(decisions, healthy).filter((d) => d.signal === 'silent' && Date.parse(d.windowStart) >= firstFire);
      assert.ok(after.length > 0);
      assert.ok(after.every((d) => d.verdict === 'inconclusive'), `${healthy}: ${after.filter((d) => d.verdict !== 'inconclusive').map((d) => d.summary).join('\n')}`);
      assert.ok(after.some((d) => d.evidence.reason === 'attributed_elsewhere' && /attributed to channel-291@101/.test(d.summary)));
    }
  });

  it('keeps blaming the file after its rollout is rolled back and no longer judged: the others do not inherit its victims', () => {
    const decisions = run(concurrent(120, FILE_AT + 14_000), START + 130_000);
    const fails = decisions.filter((d) => d.verdict === 'fail' && d.release);
    assert.deepEqual([...new Set(fails.map((d) => d.release?.component))], ['channel-291'], fails.map((d) => d.summary).join('\n'));
    const judgedUntil = Math.max(...canaryVerdicts(decisions, 'channel-291').map((d) => Date.parse(d.windowEnd)));
    const later = canaryVerdicts(decisions, 'os').filter((d) => Date.parse(d.windowStart) >= judgedUntil && d.signal === 'silent');
    assert.ok(later.length > 0, 'the patch is still judged after the file is not');
    assert.ok(later.every((d) => d.verdict !== 'fail'));
  });
});
