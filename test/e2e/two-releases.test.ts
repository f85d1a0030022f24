// End to end over a real Kafka broker with two releases starting in canary at the same moment: a healthy
// agent update and the CrowdStrike-like channel file. Only the channel file may be stopped (one page, one
// halt); the agent release is never failed nor rolled back, but while the channel file's failure fired on
// its ring it cannot pass there either (a fired comparison on a release's own ring is never `pass`).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LiveRolloutResult } from '../../tools/demo/live-rollout.ts';
import { readVerdict } from '../../tools/simulator/verdict-http.ts';
import type { E2eStack } from './stack.ts';
import { assertStoppedInFirstRing, HEALTHY, runE2e } from './rollout-checks.ts';

describe('end to end over Kafka: a healthy release rolling next to the bad one', () => {
  let stack: E2eStack | undefined;
  let run: LiveRolloutResult;
  before(async () => { ({ stack, run } = await runE2e('e2e-two-releases', 'two-releases.yaml')); });
  after(async () => { await stack?.stop(); });

  it('stops only the bad release; the healthy one is never failed, and never passes on the failing ring', async () => {
    const s = stack as E2eStack;
    const healthy = run.summary.releases.find((r) => r.component === HEALTHY.component);
    assert.ok(healthy && healthy.haltReason !== 'verdict_fail' && healthy.outcome !== 'rolled_back', `the healthy release is not failed (${healthy?.outcome}, ${healthy?.haltReason})`);
    const verdict = await readVerdict(s.verdictUrl, { release: 0, ...HEALTHY, ring: 'canary' }, { timeoutMs: 2000 });
    assert.equal(verdict, 'inconclusive', 'inconclusive for the healthy release on canary');
    assert.ok(!run.reads.some((r) => r.component === HEALTHY.component && r.ring === 'canary' && r.verdict === 'pass'), 'the release tool never read pass for it on canary');
    assert.ok(!run.reads.some((r) => r.component === HEALTHY.component && r.verdict === 'fail'), 'the release tool never read fail for it');
    await assertStoppedInFirstRing('two-releases', s, run);
  });
});
