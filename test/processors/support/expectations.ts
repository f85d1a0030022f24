// What the must-show scenarios must produce, checked the same way in-process and through Kafka.
import assert from 'node:assert/strict';
import type { AnyEnvelope } from '../../../common/contract/envelope.ts';
import type { Decision } from '../../../common/contract/decision.ts';
import { HEARTBEAT_MS, WINDOW_MS, type CatastropheTimes } from './scenarios.ts';

const key = (d: Decision) => (d.release ? `${d.release.component}@${d.release.version}` : '');

/** Latest decision per (release, ring, signal, layer). */
export function latest(decisions: Decision[]): Map<string, Decision> {
  const out = new Map<string, Decision>();
  for (const d of decisions) {
    const k = `${key(d)}|${d.ring}|${d.signal ?? ''}|${d.layer}|${d.kind}`;
    const prev = out.get(k);
    if (!prev || prev.windowStart <= d.windowStart) out.set(k, d);
  }
  return out;
}

/** When the first victim of the bad release went dark: its last heartbeat's receipt time. */
export function onsetOf(envs: AnyEnvelope[], times: CatastropheTimes): number {
  const last = new Map<string, number>();
  for (const e of envs) if (e.kind === 'heartbeat') last.set(e.event.deviceId, Date.parse(e.receivedAt));
  const dark = [...last.values()].filter((t) => t >= times.badStartMs - HEARTBEAT_MS && t < times.endMs - 3 * HEARTBEAT_MS);
  return Math.min(...dark);
}

export function expectCatastrophe(decisions: Decision[], envs: AnyEnvelope[], times: CatastropheTimes): { delayMs: number } {
  const fails = decisions.filter((d) => d.verdict === 'fail');
  assert.ok(fails.length > 0, 'the bad release fails');
  for (const f of fails) {
    assert.equal(key(f), 'channel-291@101', `only the bad content release fails, not ${key(f)} (${f.summary})`);
    assert.equal(f.ring, 'canary');
    assert.equal(f.signal, 'silent');
    assert.ok(f.layer === 'catastrophe' || f.layer === 'gate');
  }
  const first = fails.filter((f) => f.layer === 'catastrophe').sort((a, b) => a.windowEnd.localeCompare(b.windowEnd))[0];
  assert.ok(first, 'the catastrophe rule fires');
  assert.equal(first.evidence.attribution?.[0].component, 'channel-291');
  assert.equal(first.evidence.attribution?.[0].version, '101');
  assert.ok((first.evidence.updated?.affected ?? 0) >= 30, 'evidence counts the silent canary devices');
  const delayMs = Date.parse(first.windowEnd) - onsetOf(envs, times);
  assert.ok(delayMs <= 2 * HEARTBEAT_MS + WINDOW_MS, `judged within 2 heartbeat intervals + 1 window of the onset (took ${delayMs} ms)`);
  // The healthy release is never failed. In canary, where the channel file's failure fired, it cannot pass
  // (attributed elsewhere); in early it has not earned a pass in 24 s but is never blamed.
  const healthy = [...latest(decisions).values()].filter((d) => key(d) === 'agent@2.0');
  assert.equal(new Set(healthy.map((d) => d.ring)).size, 2, 'agent@2.0 judged in canary and early');
  for (const d of healthy) assert.notEqual(d.verdict, 'fail', `agent@2.0 ${d.ring} ${d.signal} ${d.layer}: ${d.summary}`);
  for (const d of healthy.filter((x) => x.ring === 'canary' && x.signal === 'silent' && x.layer !== 'baseline')) {
    assert.deepEqual([d.verdict, d.evidence.reason], ['inconclusive', 'attributed_elsewhere'], d.summary);
  }
  // The flooding device was seen, and did not fail anything.
  const flood = decisions.filter((d) => key(d) === 'agent@2.0' && d.ring === 'early' && d.signal === 'crashed' && d.layer === 'catastrophe');
  assert.ok(flood.some((d) => (d.evidence.crashReports ?? 0) >= 100), 'thousands of crash reports from one device are counted as reports');
  assert.ok(flood.every((d) => d.verdict === 'pass' && (d.evidence.updated?.affected ?? 0) <= 2), 'but as one device');
  return { delayMs };
}

export function expectRegionGap(decisions: Decision[], outage: { from: number; to: number }): void {
  assert.deepEqual(decisions.filter((d) => d.verdict === 'fail').map((d) => d.summary), [], 'zero release failures');
  const gaps = decisions.filter((d) => d.kind === 'pipeline_gap' && d.verdict === 'inconclusive');
  assert.ok(gaps.some((g) => g.scope?.region === 'eu'), 'a pipeline alarm for region eu');
  assert.ok(gaps.every((g) => g.scope?.region === 'eu' || g.scope?.collectorId === 'col-eu'), 'and for nothing else');
  for (const g of gaps) assert.ok(Date.parse(g.windowStart) >= outage.from && Date.parse(g.windowStart) < outage.to + 2 * HEARTBEAT_MS);
  const during = decisions.filter((d) => d.kind === 'release_verdict' && Date.parse(d.windowStart) === Date.parse(gaps[0].windowStart));
  assert.ok(during.length > 0 && during.every((d) => d.verdict === 'inconclusive'), 'release verdicts in the gap are inconclusive');
  assert.ok(decisions.some((d) => d.kind === 'pipeline_gap' && d.verdict === 'pass' && d.scope?.region === 'eu'), 'the gap closes');
  const after = decisions.filter((d) => d.kind === 'release_verdict' && Date.parse(d.windowStart) >= outage.to);
  assert.ok(after.length > 0);
  for (const d of after.filter((x) => Date.parse(x.windowStart) >= outage.to + 2 * HEARTBEAT_MS)) {
    // A short healthy rollout has not earned a pass yet, but nothing speaks against it any more.
    assert.ok(d.verdict === 'pass' || ['insufficient_power', 'confirming', 'bound_above_limit', 'insufficient_exposure'].includes(String(d.evidence.reason)),
      `after the backfill: ${d.verdict} ${d.evidence.reason}: ${d.summary}`);
    assert.notEqual(d.severity, 'warning', `no spike after the backfill: ${d.summary}`);
  }
  const crashWindows = after.filter((d) => d.signal === 'crashed' && d.layer === 'catastrophe');
  assert.ok(crashWindows.every((d) => (d.evidence.crashReports ?? 0) < 10), 'backfilled crash reports do not land in the current window');
}
