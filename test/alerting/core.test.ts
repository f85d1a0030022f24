// The pure core: verdict table, incident lifecycle with hysteresis, halts, idempotency and gaps.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlerterCore, type CoreOptions } from '../../alerting/core/alerter-core.ts';
import { releaseDecision, gapDecision, T0, WINDOW_MS } from './support.ts';

const OPTIONS: CoreOptions = {
  resolveAfterWindows: 3, staleAfterMs: 60_000, gapQuietMs: 30_000, retentionMs: 3_600_000, maxReleaseRings: 100,
  maxEvidenceBytes: 4096, regressionSeverity: 'warning', pipelineGapSeverity: 'error',
};
const BAD = { component: 'channel-291', version: 'bad' };
const GOOD = { component: 'agent', version: '7.16' };
const at = (window: number) => T0 + (window + 1) * WINDOW_MS + 200;

describe('alerting core: verdicts', () => {
  it('answers inconclusive (no_data) for a release it has never seen: missing data never means pass', () => {
    const core = new AlerterCore(OPTIONS);
    const v = core.verdict(GOOD, 'canary', T0);
    assert.equal(v.verdict, 'inconclusive');
    assert.equal(v.reason, 'no_data');
  });

  it('combines cells: any fail -> fail, else any inconclusive -> inconclusive, else pass', () => {
    const core = new AlerterCore(OPTIONS);
    core.apply([releaseDecision({ ...GOOD, layer: 'catastrophe' }), releaseDecision({ ...GOOD, layer: 'gate' })], at(0));
    assert.equal(core.verdict(GOOD, 'canary', at(0)).verdict, 'pass');
    core.apply([releaseDecision({ ...GOOD, layer: 'gate', verdict: 'inconclusive', window: 1 })], at(1));
    assert.equal(core.verdict(GOOD, 'canary', at(1)).verdict, 'inconclusive');
    core.apply([releaseDecision({ ...GOOD, layer: 'catastrophe', verdict: 'fail', window: 2 })], at(2));
    const v = core.verdict(GOOD, 'canary', at(2));
    assert.equal(v.verdict, 'fail');
    assert.deepEqual(v.incidentIds, ['catastrophe|agent@7.16']);
    const elsewhere = core.verdict(GOOD, 'ring1', at(2));
    assert.deepEqual([elsewhere.verdict, elsewhere.reason, elsewhere.failedRings], ['fail', 'failed_on_other_ring', ['canary']], 'one release, one fate');
  });

  it('turns a pass stale into inconclusive when decisions stop arriving', () => {
    const core = new AlerterCore(OPTIONS);
    core.apply([releaseDecision(GOOD)], at(0));
    assert.equal(core.verdict(GOOD, 'canary', at(0) + 59_000).verdict, 'pass');
    const later = core.verdict(GOOD, 'canary', at(0) + 61_000);
    assert.deepEqual([later.verdict, later.reason], ['inconclusive', 'stale']);
  });

  it('a completeness-layer "fail" on a release never fails the release', () => {
    const core = new AlerterCore(OPTIONS);
    const fx = core.apply([releaseDecision({ ...GOOD, layer: 'completeness', verdict: 'fail' })], at(0));
    assert.equal(core.verdict(GOOD, 'canary', at(0)).verdict, 'inconclusive');
    assert.equal(fx.notices.length, 0, 'no incident, no halt');
  });
});

describe('alerting core: incidents and halts', () => {
  it('opens one incident and one halt for a catastrophe, however many windows and signals fail', () => {
    const core = new AlerterCore(OPTIONS);
    const notices = [];
    for (let w = 0; w < 5; w++) {
      const fx = core.apply([
        releaseDecision({ ...BAD, verdict: 'fail', window: w }),
        releaseDecision({ ...BAD, signal: 'crashed', verdict: 'fail', window: w }),
        releaseDecision({ ...BAD, layer: 'gate', verdict: 'fail', window: w }),
      ], at(w));
      notices.push(...fx.notices);
    }
    assert.deepEqual(notices.map((n) => n.type), ['incident.opened', 'signal.halt']);
    const incident = core.incidents.get('catastrophe|channel-291@bad');
    assert.equal(incident?.status, 'open');
    assert.equal(incident?.severity, 'critical');
    assert.equal(core.incidents.size, 1, 'the gate regression joined the catastrophe incident');
  });

  it('groups rings into one incident (an update, not a new page) and halts each ring once', () => {
    const core = new AlerterCore(OPTIONS);
    const a = core.apply([releaseDecision({ ...BAD, verdict: 'fail' })], at(0));
    const b = core.apply([releaseDecision({ ...BAD, ring: 'early', verdict: 'fail', window: 1 })], at(1));
    assert.deepEqual(a.notices.map((n) => n.type), ['incident.opened', 'signal.halt']);
    assert.deepEqual(b.notices.map((n) => n.type), ['incident.updated', 'signal.halt']);
    assert.deepEqual(core.incidents.get('catastrophe|channel-291@bad')?.rings, ['canary', 'early']);
  });

  it('ignores redelivered and replayed decisions: nothing pages twice', () => {
    const core = new AlerterCore(OPTIONS);
    const fail = releaseDecision({ ...BAD, verdict: 'fail', window: 3 });
    assert.equal(core.apply([fail], at(3)).notices.length, 2);
    const again = core.apply([fail, releaseDecision({ ...BAD, verdict: 'fail', window: 1 })], at(4));
    assert.deepEqual(again.outcomes, { applied: 0, duplicate: 1, stale: 1 });
    assert.equal(again.notices.length, 0);
  });

  it('resolves only after resolve_after_windows passing windows (hysteresis), and re-halts on a new failure', () => {
    const core = new AlerterCore(OPTIONS);
    core.apply([releaseDecision({ ...BAD, verdict: 'fail', window: 0 })], at(0));
    const types: string[] = [];
    for (let w = 1; w <= 3; w++) {
      types.push(...core.apply([releaseDecision({ ...BAD, verdict: 'pass', window: w })], at(w)).notices.map((n) => n.type));
      if (w < 3) assert.equal(core.verdict(BAD, 'canary', at(w)).verdict, 'fail', `still fail after ${w} passing windows`);
    }
    assert.deepEqual(types, ['incident.resolved']);
    assert.equal(core.verdict(BAD, 'canary', at(3)).verdict, 'pass');
    const again = core.apply([releaseDecision({ ...BAD, verdict: 'fail', window: 4 })], at(4));
    assert.deepEqual(again.notices.map((n) => n.type), ['incident.opened', 'signal.halt']);
    assert.equal(core.incidents.get('catastrophe|channel-291@bad')?.episode, 2);
  });

  it('an inconclusive window neither resolves nor fails', () => {
    const core = new AlerterCore(OPTIONS);
    core.apply([releaseDecision({ ...BAD, verdict: 'fail', window: 0 })], at(0));
    for (let w = 1; w <= 5; w++) core.apply([releaseDecision({ ...BAD, verdict: 'inconclusive', window: w })], at(w));
    assert.equal(core.verdict(BAD, 'canary', at(5)).verdict, 'fail');
  });

  it('a slow regression opens a lower-severity regression incident', () => {
    const core = new AlerterCore(OPTIONS);
    const fx = core.apply([releaseDecision({ ...GOOD, layer: 'gate', signal: 'crashed', verdict: 'fail' })], at(0));
    assert.deepEqual(fx.notices.map((n) => n.type), ['incident.opened', 'signal.halt']);
    const incident = core.incidents.get('regression|agent@7.16');
    assert.equal(incident?.severity, 'warning');
    const halt = fx.notices.find((n) => n.type === 'signal.halt');
    assert.ok(halt?.type === 'signal.halt' && halt.signal.reason === 'regression' && !halt.signal.rollbackRecommended);
  });
});

describe('alerting core: telemetry gaps', () => {
  it('pages the pipeline, makes passing releases inconclusive, never fails or halts them', () => {
    const core = new AlerterCore(OPTIONS);
    core.apply([releaseDecision(GOOD)], at(0));
    const fx = core.apply([gapDecision({ window: 1 }), releaseDecision({ ...GOOD, window: 1 })], at(1));
    assert.deepEqual(fx.notices.map((n) => n.type), ['incident.opened']);
    const incident = core.incidents.get('pipeline_gap|eu-west/');
    assert.equal(incident?.kind, 'pipeline_gap');
    const v = core.verdict(GOOD, 'canary', at(1));
    assert.deepEqual([v.verdict, v.reason], ['inconclusive', 'pipeline_gap']);
  });

  it('ends a gap when gap decisions go quiet, or on the closing pass decision', () => {
    const core = new AlerterCore(OPTIONS);
    core.apply([gapDecision({ window: 0 })], at(0));
    assert.equal(core.tick(at(0) + 10_000).notices.length, 0);
    const quiet = core.tick(at(0) + 31_000);
    assert.deepEqual(quiet.notices.map((n) => n.type), ['incident.resolved']);
    assert.equal(core.gapOpen('canary'), false);
    core.apply([gapDecision({ window: 40 })], at(40));
    const closing = core.apply([gapDecision({ window: 41, verdict: 'pass' })], at(41)).notices;
    assert.deepEqual(closing.map((n) => n.type), ['incident.resolved'], 'a new episode, ended by the processors\' closing decision');
  });
});

describe('alerting core: bounds and persistence', () => {
  it('forgets the least recently decided release-rings beyond the cap, and old ones after retention', () => {
    const core = new AlerterCore({ ...OPTIONS, maxReleaseRings: 2 });
    const fx = core.apply([0, 1, 2].map((w) => releaseDecision({ ...GOOD, ring: `r${w}`, window: w })), at(2));
    assert.equal(fx.evicted, 1);
    assert.equal(core.verdict(GOOD, 'r0', at(2)).reason, 'no_data');
    const later = core.tick(at(2) + OPTIONS.retentionMs + 1);
    assert.equal(core.releaseRings.size, 0);
    assert.ok([...later.dirty].every((k) => core.storeValue(k) === undefined), 'forgotten keys are deleted from the store');
  });

  it('rebuilds the same state from its store values', () => {
    const core = new AlerterCore(OPTIONS);
    const fx = core.apply([releaseDecision({ ...BAD, verdict: 'fail' }), gapDecision()], at(0));
    const copy = new AlerterCore(OPTIONS);
    for (const key of fx.dirty) copy.restore(key, JSON.parse(JSON.stringify(core.storeValue(key))));
    assert.deepEqual(copy.verdict(BAD, 'canary', at(0)), core.verdict(BAD, 'canary', at(0)));
    assert.equal(copy.apply([releaseDecision({ ...BAD, verdict: 'fail' })], at(1)).outcomes.duplicate, 1);
  });

  it('cuts oversized evidence but keeps exposures and the statistic', () => {
    const core = new AlerterCore({ ...OPTIONS, maxEvidenceBytes: 512 });
    const evidence = { updated: { exposed: 5, affected: 5 }, control: { exposed: 100, affected: 2 }, statistic: 9, threshold: 3, blob: 'x'.repeat(10_000) };
    core.apply([releaseDecision({ ...BAD, verdict: 'fail', evidence })], at(0));
    const kept = core.verdict(BAD, 'canary', at(0)).cells[0].evidence;
    assert.equal(kept.truncated, true);
    assert.deepEqual(kept.updated, { exposed: 5, affected: 5 });
    assert.equal(kept.blob, undefined);
  });
});
