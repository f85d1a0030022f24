// The production time base: windows of one heartbeat interval unless window_secs says otherwise, so a
// device that dies is failed within k intervals + one window + the allowed lateness of its last heartbeat
// (issue 13: <= 20 min at 5-minute heartbeats).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from '../../app/config.ts';
import { DetectionCore } from '../../processors/core/detection-core.ts';
import { SourceCore } from '../../processors/core/source-core.ts';
import { detectionSettings } from '../../processors/core/settings.ts';
import { buildScenario } from './support/scenario.ts';
import { testSettings } from './support/settings.ts';

const settingsOf = (processor: Record<string, unknown>) => detectionSettings(buildConfig({ processor }, {}).processor);

test('a window is one heartbeat interval by default, and window_secs still overrides it', () => {
  assert.equal(settingsOf({}).windowMs, 300_000, 'the default 5-minute heartbeats give 5-minute windows');
  assert.equal(settingsOf({ heartbeat_interval_secs: 60 }).windowMs, 60_000);
  assert.equal(settingsOf({ heartbeat_interval_secs: 60, window_secs: 120 }).windowMs, 120_000);
  // The soak a pass needs uses the same window: k intervals + one window + lateness.
  assert.equal(settingsOf({}).soakMs, 3 * 300_000 + 300_000 + 2000);
});

test('at 5-minute heartbeats and the default window, silent canary devices fail the release within 3 intervals + 1 window + lateness', () => {
  const HB = 300_000;
  const start = Date.UTC(2026, 0, 5, 9, 0, 0);
  const badAt = start + 2 * 3600_000;
  const envs = buildScenario({
    startMs: start, endMs: badAt + 3600_000, heartbeatMs: HB,
    rings: [{ name: 'canary', devices: 10 }, { name: 'early', devices: 300 }, { name: 'broad', devices: 300 }],
    regions: ['us'], components: { 'channel-291': '100' },
    deployments: [{ component: 'channel-291', version: '101', ring: 'canary', action: 'started', at: badAt }],
    takes: [{ ring: 'canary', component: 'channel-291', version: '101', share: 0.8, at: badAt, dies: true }],
  });
  // Production-like time base; every threshold at its default (window_secs left at its default).
  const s = testSettings({ heartbeat_interval_secs: 300, window_secs: 0, silence_intervals: 3, silence_memory_intervals: 12, allowed_lateness_ms: 2000, attribution_time_scale_secs: 3600, crash_max_delay_secs: 3600, baseline_min_windows: 60 });
  const core = new DetectionCore(s);
  const decisions = envs.flatMap((e) => core.feed(e));
  // The victims' last heartbeats; the rule needs min_affected_devices (3) of them.
  const last = new Map<string, number>();
  for (const e of envs) if (e.kind === 'heartbeat') last.set(e.event.deviceId, Date.parse(e.receivedAt));
  const dark = [...last.entries()].filter(([id]) => id.startsWith('dev-canary-')).map(([, t]) => t).filter((t) => t < badAt + 2 * HB).sort((a, b) => a - b);
  assert.equal(dark.length, 8, 'eight canary devices died taking the release');
  const fail = decisions.filter((d) => d.verdict === 'fail' && d.layer === 'catastrophe' && d.release?.component === 'channel-291')
    .sort((a, b) => a.decidedAt.localeCompare(b.decidedAt))[0];
  assert.ok(fail, 'the release fails');
  assert.equal(Date.parse(fail.windowEnd) - Date.parse(fail.windowStart), HB, 'judged on a window of one heartbeat interval');
  const delayMs = Date.parse(fail.decidedAt) - dark[2];
  assert.ok(delayMs <= 3 * HB + HB + 2000, `failed ${delayMs / 60_000} min after the third victim's last heartbeat (limit 20 min)`);
});

test('at 1-minute heartbeats a silent device stays counted for silence_memory_min_secs (a rollout\'s spread), not only k + 12 intervals', () => {
  const HB = 60_000;
  const start = Date.UTC(2026, 0, 5, 9, 0, 0);
  const diesAt = start + 3600_000;
  const envs = buildScenario({
    startMs: start, endMs: diesAt + 40 * HB, heartbeatMs: HB,
    rings: [{ name: 'canary', devices: 5 }, { name: 'early', devices: 20 }], regions: ['us'], components: { agent: '1.0' },
    deployments: [], takes: [], churn: [{ index: 0, at: diesAt }],
  });
  const silentAt = (overrides: Record<string, unknown>) => {
    const source = new SourceCore('p0', testSettings({ heartbeat_interval_secs: 60, window_secs: 60, silence_intervals: 3, silence_memory_intervals: 12, ...overrides }));
    const partials = envs.flatMap((e) => { source.feed(e); return source.drain(); });
    // Canary's silent count per window, by minutes after the device's death.
    return (minutes: number) => partials.find((p) => p.window * p.windowMs >= diesAt + minutes * HB)?.rings.find((r) => r.ring === 'canary')?.silent;
  };
  // The test support turns the floor off (1-second heartbeats); here it is the default, 1,800 s.
  assert.equal(buildConfig({}, {}).processor.silence_memory_min_secs, 1800);
  const byDefault = silentAt({ silence_memory_min_secs: 1800 });
  assert.equal(byDefault(10), 1, 'silent after k intervals');
  assert.equal(byDefault(25), 1, '25 minutes later it is still counted (1,800 s by default)');
  assert.equal(byDefault(36), 0, 'and forgotten after the 30-minute floor plus k intervals');
  assert.equal(silentAt({ silence_memory_min_secs: 0 })(25), 0, 'with the floor off: forgotten after k + 12 intervals');
});
