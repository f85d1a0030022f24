// Verdict rules a release tool relies on: one release, one fate (a fail on any ring is the verdict on
// every ring: verdict API, Flagger hooks, metrics), and the processors' reason travels to the answer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { AlerterCore, type CoreOptions } from '../../alerting/core/alerter-core.ts';
import { verdictData, type VerdictDeps } from '../../alerting/api/verdict-api.ts';
import { registerReleaseMetrics } from '../../alerting/shell/release-metrics.ts';
import { LabelLimiter } from '../../common/telemetry/metrics.ts';
import { releaseDecision, T0, WINDOW_MS } from './support.ts';

const OPTIONS: CoreOptions = {
  resolveAfterWindows: 3, staleAfterMs: 60_000, gapQuietMs: 30_000, retentionMs: 3_600_000, maxReleaseRings: 100,
  maxEvidenceBytes: 4096, regressionSeverity: 'warning', pipelineGapSeverity: 'error',
};
const BAD = { component: 'channel-291', version: 'bad' };
const at = (window: number) => T0 + (window + 1) * WINDOW_MS + 200;

function failingOnCanaryPassingOnEarly(): AlerterCore {
  const core = new AlerterCore(OPTIONS);
  core.apply([
    releaseDecision({ ...BAD, ring: 'early', layer: 'gate', evidence: { reason: 'passed' } }),
    releaseDecision({ ...BAD, ring: 'canary', verdict: 'fail', evidence: { reason: 'failed' } }),
  ], at(0));
  return core;
}

const deps = (core: AlerterCore): VerdictDeps => ({ core, health: () => ({ ok: true }) as never, now: () => at(0), maxListItems: 100 });

describe('one release, one fate', () => {
  it('a fail on one ring is the verdict on every ring, naming the failing ring', () => {
    const core = failingOnCanaryPassingOnEarly();
    const early = core.verdict(BAD, 'early', at(0));
    assert.deepEqual([early.verdict, early.reason, early.failedRings], ['fail', 'failed_on_other_ring', ['canary']]);
    assert.match(early.explanation ?? '', /failed on ring canary/);
    const never = core.verdict(BAD, 'main', at(0));
    assert.deepEqual([never.verdict, never.failedRings], ['fail', ['canary']], 'also on a ring it has not reached');
    assert.deepEqual(core.verdict(BAD, 'canary', at(0)).failedRings, ['canary']);
  });

  it('the verdict API answers fail for every ring and for the release as a whole', () => {
    const d = deps(failingOnCanaryPassingOnEarly());
    assert.equal(verdictData(d, BAD, 'early').verdict, 'fail');
    assert.deepEqual(verdictData(d, BAD, 'early').failedRings, ['canary']);
    const whole = verdictData(d, BAD, undefined) as { verdict: string; rings: { verdict: string }[] };
    assert.equal(whole.verdict, 'fail');
    assert.deepEqual(whole.rings.map((r) => r.verdict), ['fail', 'fail']);
  });

  it('the verdict gauge reads fail on every ring', async () => {
    const core = failingOnCanaryPassingOnEarly();
    const registry = new Registry();
    registerReleaseMetrics(registry, new LabelLimiter(registry, 100), () => core.verdicts(at(0)));
    const text = await registry.metrics();
    assert.match(text, /ringwatch_release_verdict\{ring="early",component="channel-291",version="bad",verdict="fail"\} 1/);
    assert.match(text, /ringwatch_release_verdict\{ring="early",component="channel-291",version="bad",verdict="pass"\} 0/);
  });
});

describe('reasons', () => {
  it('an inconclusive verdict carries the processors\' reason, the most pressing first', () => {
    const core = new AlerterCore(OPTIONS);
    core.apply([
      releaseDecision({ ring: 'canary', layer: 'catastrophe', evidence: { reason: 'passed' } }),
      releaseDecision({ ring: 'canary', layer: 'gate', verdict: 'inconclusive', evidence: { reason: 'soaking' } }),
      releaseDecision({ ring: 'canary', signal: 'crashed', layer: 'gate', verdict: 'inconclusive', evidence: { reason: 'insufficient_exposure' } }),
    ], at(0));
    const v = core.verdict({ component: 'channel-291', version: '2024.07.19-0409' }, 'canary', at(0));
    assert.deepEqual([v.verdict, v.reason], ['inconclusive', 'insufficient_exposure']);
  });
});
