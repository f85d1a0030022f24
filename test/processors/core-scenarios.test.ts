// The pure detection core on the must-show scenarios, in virtual time: no Kafka, no timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Decision } from '../../common/contract/decision.ts';
import { DetectionCore } from '../../processors/core/detection-core.ts';
import { SourceCore } from '../../processors/core/source-core.ts';
import { build, catastropheScenario, regionGapScenario } from './support/scenarios.ts';
import { expectCatastrophe, expectRegionGap } from './support/expectations.ts';
import { runPartitioned } from './support/partitioned.ts';
import { testSettings } from './support/settings.ts';

const START = Date.UTC(2026, 0, 5, 12, 0, 0);

function replay(envs: ReturnType<typeof build>): Decision[] {
  const core = new DetectionCore(testSettings());
  return envs.flatMap((e) => core.feed(e));
}

const essence = (ds: Decision[]) => ds.map((d) => `${d.id} ${d.verdict} ${d.summary}`).sort();

test('a content release that silently kills the canary devices that take it fails, named, within 2 intervals + 1 window', () => {
  const { spec, times } = catastropheScenario(START);
  const envs = build(spec);
  const { delayMs } = expectCatastrophe(replay(envs), envs, times);
  assert.ok(delayMs > 0);
});

test('a region that goes dark is a pipeline gap, never a release failure, and its backfill makes no spike', () => {
  const { spec, outage } = regionGapScenario(START);
  expectRegionGap(replay(build(spec)), outage);
});

test('backfilled crash reports are remembered but kept out of the window they arrive in', () => {
  const { spec, outage } = regionGapScenario(START);
  const source = new SourceCore('all', testSettings());
  for (const e of build(spec)) if (e.kind !== 'deployment') source.feed(e);
  const partials = source.drain();
  const landing = partials.find((p) => p.window === Math.floor(outage.to / 1000))!;
  assert.equal(landing.backfill, 40);
  assert.ok(landing.rings.reduce((n, r) => n + r.crashReports, 0) < 10);
  assert.ok(source.crashes.size >= 40, 'the devices are still remembered as having crashed');
});

test('partial cells per partition, merged by the judge, give the same decisions as one core over everything', () => {
  const { spec } = catastropheScenario(START);
  const envs = build(spec);
  const whole = replay(envs);
  for (const partitions of [1, 3, 4]) {
    assert.deepEqual(essence(runPartitioned(envs, testSettings(), partitions)), essence(whole), `${partitions} partitions`);
  }
});

test('a total outage (no input at all) becomes a pipeline gap through advance(), not a release failure', () => {
  const { spec } = catastropheScenario(START, 12);
  const core = new DetectionCore(testSettings());
  const fed = build(spec).flatMap((e) => core.feed(e));
  const later = core.advance(START + 40_000);
  assert.equal([...fed, ...later].filter((d) => d.verdict === 'fail').length, 0);
  const regions = new Set(later.filter((d) => d.kind === 'pipeline_gap' && d.verdict === 'inconclusive' && d.scope?.region).map((d) => d.scope?.region));
  assert.deepEqual([...regions].sort(), ['eu', 'us']);
});

test('replaying the same telemetry gives byte-identical decisions (data time only)', () => {
  const { spec } = catastropheScenario(START);
  const envs = build(spec);
  assert.deepEqual(JSON.stringify(replay(envs)), JSON.stringify(replay(envs)));
});

test('redelivered events (same eventId) count once', () => {
  const { spec } = catastropheScenario(START);
  const envs = build(spec);
  const doubled = envs.flatMap((e): typeof envs => (e.kind === 'crash' ? [e, e] : [e]));
  assert.deepEqual(essence(replay(doubled)), essence(replay(envs)));
});
