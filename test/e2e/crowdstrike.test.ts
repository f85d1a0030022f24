// End to end over a real Kafka broker: collector, processor and alerter as production runs them; the fleet
// simulator plays the CrowdStrike-like scenario against the collector over HTTP, and its release tool reads
// the real verdict API. The bad release must be stopped in its first ring: halted and rolled back there,
// one page, one halt (signals topic and webhook), fail on the verdict API. Prints onset-to-halt/page times.
import { after, before, describe, it } from 'node:test';
import type { LiveRolloutResult } from '../../tools/demo/live-rollout.ts';
import type { E2eStack } from './stack.ts';
import { assertStoppedInFirstRing, runE2e } from './rollout-checks.ts';

describe('end to end over Kafka: the CrowdStrike-like release', () => {
  let stack: E2eStack | undefined;
  let run: LiveRolloutResult;
  before(async () => { ({ stack, run } = await runE2e('e2e-crowdstrike', 'crowdstrike.yaml')); });
  after(async () => { await stack?.stop(); });

  it('is halted and rolled back in canary, pages once, signals one halt, and the verdict API says fail', async () => {
    await assertStoppedInFirstRing('crowdstrike', stack as E2eStack, run);
  });
});
