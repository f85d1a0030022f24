// What both end-to-end scenarios must show: the bad release stopped in its first ring, one page, one halt
// (signals topic and webhook), fail on the verdict API; and the times from onset to halt and to page.
import assert from 'node:assert/strict';
import { loadScenario } from '../../tools/simulator/scenario-load.ts';
import type { Scenario } from '../../tools/simulator/scenario-schema.ts';
import { onsetOf, playLiveRollout, ringsReached, type LiveRolloutResult } from '../../tools/demo/live-rollout.ts';
import { readVerdict } from '../../tools/simulator/verdict-http.ts';
import { received } from '../alerting/harness.ts';
import { DEVICE_TOKENS, RELEASE_TOKEN, startStack, type E2eStack } from './stack.ts';

export const BAD = { component: 'channel-291', version: '2024-07-19.0409' };
export const HEALTHY = { component: 'agent', version: '7.16.18601' };
// Hard stop if the release is never halted; a catch happens some 10 s after the canary start.
const MAX_SCENARIO_SECS = 75;
const SETTLE_MS = 4000;

export function scenarioOf(file: string): Scenario {
  return loadScenario(`deploy/scenarios/${file}`, { durationSecs: MAX_SCENARIO_SECS });
}

export async function play(stack: E2eStack, scenario: Scenario): Promise<LiveRolloutResult> {
  return playLiveRollout(scenario, {
    target: stack.collectorUrl, tokens: { device: DEVICE_TOKENS, release: RELEASE_TOKEN },
    verdictUrl: stack.verdictUrl, settleMs: SETTLE_MS, progressEveryMs: 500,
  });
}

/** Checks shared by both scenarios: stopped in canary, one page, one halt (topic and webhook), fail verdict. */
export async function assertStoppedInFirstRing(name: string, stack: E2eStack, run: LiveRolloutResult) {
  const { summary } = run;
  const bad = summary.releases.find((r) => r.component === BAD.component && r.version === BAD.version);
  assert.ok(bad, 'the bad release is in the scenario');
  assert.equal(bad.haltReason, 'verdict_fail', `halted on a fail verdict (outcome ${bad.outcome})`);
  assert.equal(bad.outcome, 'rolled_back');
  const halt = summary.actions.find((a) => a.component === BAD.component && a.action === 'halted');
  assert.equal(halt?.ring, 'canary', 'halted in its first ring');
  assert.deepEqual(ringsReached(bad), ['canary'], `blast radius stays in canary: ${JSON.stringify(bad.exposure.byRing)}`);

  const r = received(stack.pager, stack.hooks);
  assert.equal(r.triggers.length, 1, `exactly one page: ${r.triggers.map((t) => t.payload.summary).join(' | ')}`);
  assert.match(JSON.stringify(r.triggers[0]), /channel-291/, 'the page names the bad component');
  assert.equal(r.triggers[0].payload.severity, 'critical');
  const haltRecords = stack.signals.records.map((rec) => JSON.parse(rec.value.toString()));
  assert.equal(haltRecords.length, 1, 'one halt on the signals topic');
  assert.deepEqual([haltRecords[0].type, haltRecords[0].release, haltRecords[0].ring], ['halt', BAD, 'canary']);
  assert.equal(r.hooks.filter((h) => h.type === 'signal.halt').length, 1, 'one halt on the webhook');

  const verdict = await readVerdict(stack.verdictUrl, { release: 0, ...BAD, ring: 'canary' }, { timeoutMs: 2000 });
  assert.equal(verdict, 'fail', 'the verdict API answers fail for the bad release on its ring');

  const onset = onsetOf(summary, BAD) as number;
  const pageAt = stack.pager.arrivals.get(stack.pager.on('/v2/enqueue').find((q) => q.json().event_action === 'trigger')!) as number;
  const line = `${name}: onset (canary start) -> halt ${((bad.haltedAtMs! - onset) / 1000).toFixed(1)} s, -> page ${((pageAt - onset) / 1000).toFixed(1)} s; `
    + `blast radius ${bad.exposure.total} devices (canary of ${summary.devices}); ${summary.driver?.accepted} events accepted, wall ${(run.wallMs / 1000).toFixed(0)} s`;
  console.log(line);
}

/** Start a stack, play the scenario through it, and hand both over (the caller stops the stack). */
export async function runE2e(name: string, file: string): Promise<{ stack: E2eStack; run: LiveRolloutResult }> {
  const scenario = scenarioOf(file);
  const stack = await startStack(name, scenario);
  try {
    return { stack, run: await play(stack, scenario) };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
